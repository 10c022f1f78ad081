// The overview (every subscription's health at a glance), replay of a topic from a time, and the
// live tail of a topic with a publish form.

import { get, post, path, bases, openStream, missingRoute } from "../api.js";
import {
  h, fill, pill, when, field, onSubmit, toast, empty, pageHead, panel, notice, percent, ms, errorBox,
  localMs, localInput, pretty, table, spinner,
} from "../ui.js";
import { sparkline } from "../chart.js";
import { stat } from "./admin.js";

const enc = encodeURIComponent;

export async function overviewPage(ctx) {
  const [subsR, topicsR] = await Promise.allSettled([
    get(`/v1/teams/${enc(ctx.team)}/subscriptions`),
    ctx.can.portal ? Promise.resolve({ topics: [] }) : get(`/v1/teams/${enc(ctx.team)}/topics`),
  ]);
  if (!ctx.isCurrent()) return;
  if (subsR.status === "rejected") throw subsR.reason;
  const subs = subsR.value.subscriptions;
  const topics = topicsR.status === "fulfilled" ? topicsR.value.topics : [];
  const byState = (s) => subs.filter((x) => x.state === s).length;
  const grid = h("div", { class: "health-grid" });
  fill(ctx.main, 
    pageHead(`Overview`, `Delivery health of team ${ctx.team} over the last hour.`,
      h("button", { type: "button", class: "btn btn-ghost", onclick: () => ctx.refresh() }, "Refresh")),
    h("div", { class: "stats" },
      stat("Subscriptions", subs.length),
      stat("Active", h("span", { class: "tone-ok" }, byState("active"))),
      stat("Paused", byState("paused")),
      stat("Disabled", h("span", { class: byState("disabled") ? "tone-bad" : "" }, byState("disabled"))),
      ctx.can.portal ? null : stat("Topics", topics.length)),
    panel("Endpoints", subs.length ? grid : empty("No subscriptions yet", "Create one to start receiving webhooks.",
      ctx.can.manage ? h("a", { class: "btn btn-primary", href: `#/t/${enc(ctx.team)}/subscriptions` }, "Go to subscriptions") : null)));
  if (!subs.length) return;
  const rows = subs.slice(0, 40).map((sub) => {
    const wait = () => h("span", { class: "pending muted" }, "…");
    const cells = { rate: h("td", { class: "num" }, wait()), p50: h("td", { class: "num" }, wait()), p99: h("td", { class: "num" }, wait()), circuit: h("td", {}, wait()), spark: h("td", {}), attempts: h("td", { class: "num" }, wait()) };
    const row = h("tr", {},
      h("td", {}, h("a", { href: `#/t/${enc(ctx.team)}/subscriptions/${enc(sub.id)}`, class: "strong url" }, sub.url), h("div", { class: "muted small mono" }, sub.id)),
      h("td", {}, pill(sub.state)), cells.rate, cells.attempts, cells.p50, cells.p99, cells.circuit, cells.spark);
    return { sub, row, cells };
  });
  grid.append(h("div", { class: "table-wrap" }, h("table", {},
    h("caption", { class: "sr-only" }, "Endpoint health"),
    h("thead", {}, h("tr", {}, ["Endpoint", "State", "Success", "Attempts", "p50", "p99", "Circuit", "Last hour"].map((x) => h("th", { scope: "col", class: ["Success", "Attempts", "p50", "p99"].includes(x) ? "num" : null }, x)))),
    h("tbody", {}, rows.map((r) => r.row)))));
  let unavailable = false;
  await Promise.all(rows.map(async ({ sub, cells }) => {
    try {
      const hl = await get(`/v1/teams/${enc(ctx.team)}/subscriptions/${enc(sub.id)}/health?window_ms=3600000`);
      const rate = hl.success_rate;
      fill(cells.rate, h("span", { class: rate == null ? "muted" : rate >= 0.99 ? "tone-ok" : rate >= 0.9 ? "tone-warn" : "tone-bad" }, percent(rate)));
      cells.attempts.textContent = hl.attempts;
      cells.p50.textContent = ms(hl.latency_p50_ms);
      cells.p99.textContent = ms(hl.latency_p99_ms);
      fill(cells.circuit, pill(hl.circuit));
      fill(cells.spark, sparkline(hl.buckets || []));
    } catch (e) {
      if (missingRoute(e)) unavailable = true;
      for (const k of ["rate", "attempts", "p50", "p99", "circuit"]) fill(cells[k], h("span", { class: "muted" }, "—"));
      fill(cells.spark, h("span", { class: "muted small" }, missingRoute(e) ? "not available" : e.code || "error"));
    }
  }));
  if (unavailable && ctx.isCurrent()) grid.prepend(notice("Endpoint health is not available on this Herald server.", "warn"));
}

export async function replayPage(ctx) {
  const [{ topics }, { subscriptions }] = await Promise.all([
    get(`/v1/teams/${enc(ctx.team)}/topics`), get(`/v1/teams/${enc(ctx.team)}/subscriptions`),
  ]);
  if (!ctx.isCurrent()) return;
  const result = h("div", { "aria-live": "polite" });
  const from = h("input", { type: "datetime-local", name: "from", required: true, value: localInput(Date.now() - 3600000) });
  const form = onSubmit(h("form", { class: "card narrow-wide" },
    field("Topic", h("select", { name: "topic", required: true }, topics.map((x) => h("option", { value: x.name }, x.name)))),
    field("To subscription", h("select", { name: "sub", required: true }, subscriptions.map((x) => h("option", { value: x.id }, `${x.url} (${x.id})`))), "Only this subscription receives the events again; its event-type filter applies."),
    field("From", from, "Every event of the topic published at or after this time (your local time)."),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-primary" }, "Replay"))),
  async (f) => {
    const r = await post(path`/v1/teams/${ctx.team}/topics/${f.get("topic")}/replay`, { subscription_id: f.get("sub"), from_time_ms: localMs(from.value) });
    fill(result, h("div", { class: "alert alert-ok", role: "status" },
      h("strong", {}, `${r.replayed} event${r.replayed === 1 ? "" : "s"} queued for redelivery`), ` (${r.scanned} scanned${r.truncated ? ", stopped at the replay bound: replay again from a later time for the rest" : ""}). `,
      h("a", { href: `#/t/${enc(ctx.team)}/subscriptions/${enc(f.get("sub"))}/attempts` }, "Follow the attempts")));
  });
  fill(ctx.main, 
    pageHead("Replay a topic", "Send a topic's events again, from a point in time, to one subscription: after fixing a receiver, or to backfill a new one."),
    topics.length && subscriptions.length ? form : empty("Nothing to replay", "Replay needs a topic and a subscription."),
    result);
}

export async function tailPage(ctx) {
  const { topics } = ctx.can.portal ? { topics: [] } : await get(`/v1/teams/${enc(ctx.team)}/topics`).catch(() => ({ topics: [] }));
  if (!ctx.isCurrent()) return;
  const q = ctx.route.query;
  const topicNames = topics.map((x) => x.name);
  const topicControl = topicNames.length
    ? h("select", { name: "topic", id: "tail-topic" }, topicNames.map((n) => h("option", { value: n, selected: n === q.topic }, n)))
    : h("input", { name: "topic", id: "tail-topic", value: q.topic || "", required: true, autocomplete: "off" });
  const types = h("input", { name: "types", id: "tail-types", autocomplete: "off", spellcheck: "false", placeholder: "all, or order.*", value: q.types || "" });
  const startSel = h("select", { name: "start", id: "tail-start" }, h("option", { value: "now" }, "New events"), h("option", { value: "earliest", selected: q.start === "earliest" }, "From the start of the topic"));
  const status = h("span", { class: "live-status", role: "status" }, pill("stopped", "neutral"));
  const startBtn = h("button", { type: "submit", class: "btn btn-primary" }, "Start");
  const pauseBtn = h("button", { type: "button", class: "btn", disabled: true }, "Pause");
  const clearBtn = h("button", { type: "button", class: "btn btn-ghost" }, "Clear");
  const list = h("ol", { class: "events", "aria-label": "Events received", reversed: true });
  const counter = h("span", { class: "muted small" }, "0 events");
  let controller = null, lastId = null, paused = false, seen = 0, running = null;

  const setStatus = (text, tone) => fill(status, pill(text, tone));
  const show = (ev) => {
    seen += 1;
    counter.textContent = `${seen} event${seen === 1 ? "" : "s"}`;
    let data = ev.data;
    try { data = JSON.stringify(JSON.parse(ev.data), null, 2); } catch { data = ev.data; }
    list.prepend(h("li", { class: "event" },
      h("div", { class: "event-head" }, h("code", { class: "event-type" }, ev.event), h("time", {}, new Date().toLocaleTimeString()),
        h("span", { class: "muted small mono clip" }, ev.id || "")),
      h("pre", { class: "code" }, data)));
    while (list.children.length > 300) list.lastElementChild.remove();
  };
  const connect = async (resume) => {
    controller?.abort();
    const ctl = new AbortController();
    controller = ctl;
    setStatus("connecting", "neutral");
    try {
      await openStream({
        team: ctx.team, topic: topicControl.value.trim(), types: types.value.trim(), start: startSel.value,
        lastEventId: resume ? lastId : null, signal: ctl.signal,
        onOpen: () => setStatus("live", "ok"),
        onEvent: (ev) => { if (ev.id) lastId = ev.id; show(ev); },
      });
      if (controller === ctl) {
        // The edge ended the stream (a restart, a cut slow reader): resume from the last event
        // with a fresh token, as a browser's own reconnect would.
        setStatus("reconnecting", "warn");
        setTimeout(() => { if (controller === ctl && !paused) running = connect(true); }, 1000);
      }
    } catch (e) {
      if (ctl.signal.aborted) return;
      setStatus("error", "bad");
      list.before(errorBox(e, "The stream failed"));
    }
  };
  const form = h("form", { class: "filters", "aria-label": "Stream settings" },
    field("Topic", topicControl), field("Event types", types), field("Start", startSel),
    h("div", { class: "filter-actions" }, startBtn, pauseBtn, clearBtn, status));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    ctx.main.querySelectorAll(".tail .alert").forEach((x) => x.remove());
    lastId = null; paused = false;
    pauseBtn.disabled = false; pauseBtn.textContent = "Pause";
    startBtn.textContent = "Restart";
    running = connect(false);
  });
  pauseBtn.addEventListener("click", () => {
    if (!paused) {
      paused = true;
      controller?.abort();
      setStatus("paused", "warn");
      pauseBtn.textContent = "Resume";
    } else {
      paused = false;
      pauseBtn.textContent = "Pause";
      running = connect(true);
    }
  });
  clearBtn.addEventListener("click", () => { fill(list); seen = 0; counter.textContent = "0 events"; });
  ctx.setCleanup(() => controller?.abort());

  const publish = ctx.can.publish ? publishPanel(ctx, topicControl) : null;
  fill(ctx.main, 
    pageHead("Live tail", "Events of a topic as they arrive, over the same SSE stream browsers use (a short-lived access token, never your key, goes in the URL)."),
    h("div", { class: publish ? "tail-grid" : "" },
      h("div", { class: "tail" }, form, h("div", { class: "list-head" }, h("h2", {}, "Events"), counter), list),
      publish));
  void running;
}

function publishPanel(ctx, topicControl) {
  const type = h("input", { name: "type", value: "order.created", required: true, autocomplete: "off", spellcheck: "false" });
  const data = h("textarea", { name: "data", rows: 6, spellcheck: "false", value: '{\n  "order": 42\n}' });
  const out = h("div", { "aria-live": "polite" });
  return panel("Publish an event", onSubmit(h("form", {},
    field("Event type", type),
    field("Data (JSON)", data),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-primary" }, "Publish")), out),
  async () => {
    let body;
    try { body = JSON.parse(data.value || "null"); } catch (e) { throw Object.assign(new Error(`the data is not JSON: ${e.message}`), { code: "invalid_json" }); }
    const r = await post(path`/v1/topics/${ctx.team}/${topicControl.value.trim()}/events`, { type: type.value.trim(), data: body }, { base: bases.ingest });
    fill(out, h("p", { class: "muted small" }, "Published ", h("code", {}, r.id), ` to partition ${r.partition} at offset ${r.offset}.`));
    toast("Event published");
  }), h("p", { class: "muted small" }, `POST ${bases.ingest || ""}/v1/topics/${ctx.team}/{topic}/events`));
}

export { table, spinner, when };
