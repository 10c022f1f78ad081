// Subscriptions: the list, creation (secret shown once) and one subscription's detail with its
// health, delivery attempts, dead letters and settings.

import { get, post, patch, del, missingRoute } from "../api.js";
import {
  h, fill, pill, idText, when, table, field, modal, confirmDialog, secretDialog, onSubmit, act, toast,
  empty, pageHead, panel, notice, percent, ms, errorBox, parseLines, splitList, localMs, localInput,
  pretty, decodeBase64, spinner,
} from "../ui.js";
import { healthChart } from "../chart.js";
import { stat } from "./admin.js";

const enc = encodeURIComponent;
const LIVE = "herald.console.attempts-live";
const base = (ctx, id) => `/v1/teams/${enc(ctx.team)}/subscriptions${id ? `/${enc(id)}` : ""}`;
const link = (ctx, id, tab, query) => `#/t/${enc(ctx.team)}/subscriptions/${enc(id)}${tab ? `/${tab}` : ""}${query ? `?${new URLSearchParams(query)}` : ""}`;

export async function subscriptionsPage(ctx) {
  if (ctx.route.id) return detailPage(ctx);
  const { subscriptions } = await get(base(ctx));
  if (!ctx.isCurrent()) return;
  const newSub = () => (ctx.can.manage ? h("button", { type: "button", class: "btn btn-primary", onclick: () => createSubscription(ctx) }, "New subscription") : null);
  const create = newSub();
  fill(ctx.main, 
    pageHead("Subscriptions", `Webhook endpoints that receive team ${ctx.team}'s events, signed as Standard Webhooks.`, create),
    subscriptions.length ? table([
      { label: "Endpoint", cell: (x) => h("div", { class: "cell-main" }, h("a", { href: link(ctx, x.id), class: "strong url" }, x.url), x.description ? h("div", { class: "muted small" }, x.description) : null) },
      { label: "Id", cell: (x) => idText(x.id, "subscription id") },
      { label: "Topics", cell: (x) => topicNames(ctx, x.topics) },
      { label: "Event types", cell: (x) => (x.events?.length ? h("code", {}, x.events.join(", ")) : h("span", { class: "muted" }, "all")) },
      { label: "State", cell: (x) => pill(x.state) },
      { label: "Created", cell: (x) => when(x.created_at_ms) },
    ], subscriptions, { caption: "Subscriptions" }) : empty("No subscriptions yet", "A subscription POSTs every matching event of its topics to a URL.", newSub()));
}

/** Topic names as the team knows them (the API answers with Kafka names, "<team>.<topic>"). */
export function topicNames(ctx, topics) {
  const prefix = `${ctx.team}.`;
  return (topics || []).map((x) => (x.startsWith(prefix) ? x.slice(prefix.length) : x)).join(", ");
}

function headerText(headers) {
  return Object.entries(headers || {}).map(([k, v]) => `${k}: ${v}`).join("\n");
}

async function createSubscription(ctx) {
  let topics = [];
  try { topics = (await get(`/v1/teams/${enc(ctx.team)}/topics`)).topics; } catch { topics = []; }
  const made = await modal("New subscription", (close) => onSubmit(h("form", {},
    field("Endpoint URL", h("input", { name: "url", type: "url", required: true, placeholder: "https://example.com/hooks/herald", autocomplete: "off", spellcheck: "false" })),
    topics.length
      ? h("fieldset", { class: "checks" }, h("legend", {}, "Topics"), topics.map((x, i) => h("label", { class: "check" }, h("input", { type: "checkbox", name: "topics", value: x.name, checked: i === 0 }), x.name)))
      : field("Topics", h("input", { name: "topics_text", required: true, autocomplete: "off" }), "Comma-separated topic names"),
    field("Event types", h("input", { name: "events", autocomplete: "off", spellcheck: "false", placeholder: "order.*, invoice.paid" }), "Comma-separated, * matches a segment; empty = every event"),
    field("Description", h("input", { name: "description", autocomplete: "off" })),
    field("Custom headers", h("textarea", { name: "headers", rows: 2, spellcheck: "false", placeholder: "Authorization: Bearer …" }), "One \"Name: value\" per line; values are encrypted at rest"),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "btn", onclick: () => close() }, "Cancel"),
      h("button", { type: "submit", class: "btn btn-primary" }, "Create subscription"))),
  async (f) => {
    const chosen = f.getAll("topics").length ? f.getAll("topics") : splitList(f.get("topics_text") || "");
    close(await post(base(ctx), {
      url: f.get("url").trim(), topics: chosen, events: splitList(f.get("events") || ""),
      description: f.get("description").trim(), headers: parseLines(f.get("headers") || ""),
    }));
  }), { wide: true });
  if (made) {
    await secretDialog("Signing secret", made.secret, "Verify each webhook's signature with this secret (Standard Webhooks). Copy it now: Herald shows it only this once.");
    location.hash = link(ctx, made.subscription.id);
  }
}

async function detailPage(ctx) {
  const id = ctx.route.id;
  const tab = ctx.route.tab || "health";
  const sub = await get(base(ctx, id));
  if (!ctx.isCurrent()) return;
  const actions = [];
  if (ctx.can.manage) {
    actions.push(h("button", { type: "button", class: "btn btn-primary", onclick: (ev) => sendTest(ctx, sub, ev.currentTarget) }, "Send test event"));
    actions.push(sub.state === "paused"
      ? h("button", { type: "button", class: "btn", onclick: (ev) => setState(ctx, sub, "resume", ev.currentTarget) }, "Resume")
      : h("button", { type: "button", class: "btn", onclick: (ev) => setState(ctx, sub, "pause", ev.currentTarget) }, "Pause"));
    actions.push(h("button", { type: "button", class: "btn", onclick: (ev) => rotate(ctx, sub, ev.currentTarget) }, "Rotate secret"));
    actions.push(h("button", { type: "button", class: "btn btn-danger-ghost", onclick: (ev) => remove(ctx, sub, ev.currentTarget) }, "Delete"));
  }
  const tabs = [["health", "Health"], ["attempts", "Attempts"], ["dead-letters", "Dead letters"], ["settings", "Settings"]];
  const body = h("div", { class: "tab-body" }, spinner());
  document.title = `${sub.url} · Herald console`;
  fill(ctx.main, 
    h("p", { class: "crumbs" }, h("a", { href: `#/t/${enc(ctx.team)}/subscriptions` }, "Subscriptions"), " / ", h("code", {}, id)),
    h("div", { class: "page-head" },
      h("div", { class: "head-main" },
        h("h1", { tabindex: "-1", class: "url-title" }, sub.url),
        sub.description ? h("p", { class: "lead muted" }, sub.description) : null,
        h("div", { class: "meta" }, pill(sub.state), idText(sub.id, "subscription id"),
          h("span", { class: "meta-item" }, h("span", { class: "muted" }, "topics "), topicNames(ctx, sub.topics)),
          h("span", { class: "meta-item" }, h("span", { class: "muted" }, "events "), sub.events?.length ? h("code", {}, sub.events.join(", ")) : "all")),
        sub.state === "disabled" && sub.disabled_reason ? notice(`Disabled: ${sub.disabled_reason}`, "bad") : null),
      h("div", { class: "page-actions" }, actions)),
    h("nav", { class: "tabs", "aria-label": "Subscription sections" },
      tabs.map(([k, label]) => h("a", { href: link(ctx, id, k === "health" ? "" : k), class: "tab", "aria-current": k === tab ? "page" : null }, label))),
    body);
  const render = { health: healthTab, attempts: attemptsTab, "dead-letters": deadLettersTab, settings: settingsTab }[tab] || healthTab;
  try {
    await render(ctx, sub, body);
  } catch (e) {
    if (ctx.isCurrent()) fill(body, errorBox(e, "Could not load this section"));
  }
}

async function sendTest(ctx, sub, button) {
  const r = await act(button, async () => {
    try {
      return await post(`${base(ctx, sub.id)}/test`, { event_type: "herald.test" });
    } catch (e) {
      if (missingRoute(e)) { toast("Test events are not available on this Herald server", "warn"); return null; }
      throw e;
    }
  });
  if (!r) return;
  toast(`Test event ${r.event_id} sent`, "ok",
    h("a", { href: link(ctx, sub.id, "attempts", { event_id: r.event_id }), class: "toast-link" }, "See its attempts"));
}

async function setState(ctx, sub, verb, button) {
  if ((await act(button, () => post(`${base(ctx, sub.id)}/${verb}`))) !== undefined) {
    toast(verb === "pause" ? "Subscription paused: events wait in Kafka until it resumes" : "Subscription resumed");
    ctx.refresh();
  }
}

async function rotate(ctx, sub, button) {
  const overlap = await modal("Rotate signing secret", (close) => onSubmit(h("form", {},
    h("p", {}, "Herald signs with a new secret. The old one keeps signing alongside it for the overlap, so receivers can switch without failing."),
    field("Overlap", h("select", { name: "overlap" },
      h("option", { value: "86400000" }, "24 hours"), h("option", { value: "3600000" }, "1 hour"), h("option", { value: "0" }, "none: cut over now"))),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "btn", onclick: () => close() }, "Cancel"),
      h("button", { type: "submit", class: "btn btn-primary" }, "Rotate"))),
  async (f) => close(Number(f.get("overlap")))));
  if (overlap === undefined) return;
  const r = await act(button, () => post(`${base(ctx, sub.id)}/rotate-secret`, { overlap_ms: overlap }));
  if (r) await secretDialog("New signing secret", r.secret);
}

async function remove(ctx, sub, button) {
  if (!(await confirmDialog("Delete this subscription?", `Herald stops delivering to ${sub.url}. Its delivery history stays readable until it ages out. This cannot be undone.`, "Delete subscription"))) return;
  if ((await act(button, () => del(base(ctx, sub.id)))) !== undefined) {
    toast("Subscription deleted");
    location.hash = `#/t/${enc(ctx.team)}/subscriptions`;
  }
}

async function healthTab(ctx, sub, body) {
  let hl;
  try {
    hl = await get(`${base(ctx, sub.id)}/health?window_ms=3600000`);
  } catch (e) {
    if (!missingRoute(e)) throw e;
    fill(body, notice("Endpoint health is not available on this Herald server; the Attempts tab shows every delivery.", "warn"));
    return;
  }
  if (!ctx.isCurrent()) return;
  const rate = hl.success_rate;
  const tone = rate == null ? "neutral" : rate >= 0.99 ? "ok" : rate >= 0.9 ? "warn" : "bad";
  fill(body, 
    h("div", { class: "stats" },
      stat("Success rate (1 h)", h("span", { class: `big tone-${tone}` }, percent(rate))),
      stat("Attempts", `${hl.attempts}`),
      stat("Failed", `${hl.failed}${hl.short_circuited ? ` + ${hl.short_circuited} short-circuited` : ""}`),
      stat("Latency p50", ms(hl.latency_p50_ms)),
      stat("Latency p99", ms(hl.latency_p99_ms)),
      stat("Circuit", h("div", {}, pill(hl.circuit), hl.circuit_since_ms ? h("div", { class: "muted small stat-note" }, "since ", when(hl.circuit_since_ms)) : null))),
    panel("Last hour", healthChart(hl.buckets || []), hl.truncated ? h("p", { class: "muted small" }, "Older attempts of the hour were beyond the scan bound and are not counted.") : null),
    panel("Last errors", hl.last_errors?.length ? attemptTable(ctx, sub, hl.last_errors) : empty("No failed attempts in the last hour", null)));
}

function attemptTable(ctx, sub, attempts) {
  const rows = [];
  const tbody = h("tbody");
  for (const a of attempts) {
    const detailId = `att-${Math.random().toString(36).slice(2, 9)}`;
    const details = h("tr", { class: "details", id: detailId, hidden: true },
      h("td", { colspan: 7 }, h("div", { class: "excerpts" },
        excerpt("Request sent", a.request_excerpt, "Request excerpts need a newer Herald."),
        excerpt(`Response${a.response_status ? ` (${a.response_status})` : ""}`, a.response_excerpt, "No response body."),
        a.error ? h("div", {}, h("h3", {}, "Error"), h("pre", { class: "code" }, a.error)) : null,
        h("p", { class: "muted small" }, `Source ${a.source_topic || ""} partition ${a.source_partition ?? "?"} offset ${a.source_offset ?? "?"} · ${a.url || ""}`))));
    const toggle = h("button", { type: "button", class: "btn btn-small btn-ghost", "aria-expanded": "false", "aria-controls": detailId, "aria-label": `Details of attempt ${a.attempt} of event ${a.event_id}` }, "Details");
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", String(!open));
      details.hidden = open;
    });
    rows.push(h("tr", {},
      h("td", {}, when(a.at_ms)),
      h("td", {}, h("a", { href: link(ctx, sub.id, "attempts", { event_id: a.event_id }), class: "mono", title: "All attempts of this event" }, a.event_id)),
      h("td", { class: "num" }, a.attempt),
      h("td", {}, pill(a.outcome)),
      h("td", { class: "num" }, a.response_status || h("span", { class: "muted" }, "—")),
      h("td", { class: "num" }, a.latency_ms != null ? `${a.latency_ms} ms` : "—"),
      h("td", { class: "right" }, toggle)), details);
  }
  tbody.append(...rows);
  return h("div", { class: "table-wrap" }, h("table", {},
    h("caption", { class: "sr-only" }, "Delivery attempts"),
    h("thead", {}, h("tr", {}, ["Time", "Event id", "Attempt", "Outcome", "HTTP", "Latency", "Details"].map((x, i) => h("th", { scope: "col", class: i >= 2 && i <= 5 && i !== 3 ? "num" : i === 6 ? "right" : null }, i === 6 ? h("span", { class: "sr-only" }, x) : x)))),
    tbody));
}

function excerpt(title, text, none) {
  return h("div", {}, h("h3", {}, title), text ? h("pre", { class: "code" }, pretty(text)) : h("p", { class: "muted small" }, none));
}

async function attemptsTab(ctx, sub, body) {
  const q = ctx.route.query;
  const status = h("select", { name: "status", id: "att-status" },
    [["", "Any outcome"], ["succeeded", "Succeeded"], ["retrying", "Retrying"], ["dead_lettered", "Dead-lettered"], ["short_circuited", "Short-circuited"], ["disabled", "Disabled"]]
      .map(([v, l]) => h("option", { value: v, selected: (q.status || "") === v }, l)));
  const event = h("input", { name: "event_id", id: "att-event", value: q.event_id || "", autocomplete: "off", spellcheck: "false", placeholder: "any event" });
  // Auto-refresh reloads the newest page every 5 s while no row is opened; the choice lasts for the tab.
  const live = h("input", { type: "checkbox", checked: sessionStorage.getItem(LIVE) === "1" });
  const filters = h("form", { class: "filters", "aria-label": "Filter attempts" },
    field("Outcome", status), field("Event id", event),
    h("div", { class: "filter-actions" },
      h("button", { type: "submit", class: "btn" }, "Apply"),
      h("button", { type: "button", class: "btn btn-ghost", onclick: () => ctx.refresh() }, "Refresh"),
      h("label", { class: "check" }, live, "Auto-refresh"),
      q.status || q.event_id ? h("a", { class: "btn btn-ghost", href: link(ctx, sub.id, "attempts") }, "Clear filters") : null));
  filters.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const query = {};
    if (status.value) query.status = status.value;
    if (event.value.trim()) query.event_id = event.value.trim();
    location.hash = link(ctx, sub.id, "attempts", Object.keys(query).length ? query : null);
  });
  const list = h("div", {}, spinner());
  fill(body, filters, q.event_id ? h("p", { class: "muted" }, "Every attempt of event ", h("code", {}, q.event_id), ", newest first.") : null, list);
  const params = new URLSearchParams({ limit: "50" });
  if (q.status) params.set("status", q.status);
  if (q.event_id) params.set("event_id", q.event_id);
  const all = [];
  let timer = null;
  const tick = async () => {
    if (!ctx.isCurrent()) { clearInterval(timer); return; }
    if (list.querySelector("[aria-expanded='true']") || params.has("cursor")) return;
    try {
      const page = await get(`${base(ctx, sub.id)}/attempts?${params}`);
      if (!ctx.isCurrent() || list.querySelector("[aria-expanded='true']") || params.has("cursor")) return;
      all.length = 0;
      show(page);
    } catch {
      // The next tick tries again; a lasting failure shows on the next manual refresh.
    }
  };
  const setLive = () => {
    clearInterval(timer);
    sessionStorage.setItem(LIVE, live.checked ? "1" : "0");
    timer = live.checked ? setInterval(tick, 5000) : null;
  };
  live.addEventListener("change", setLive);
  ctx.setCleanup(() => clearInterval(timer));
  const load = async (cursor) => {
    if (cursor) params.set("cursor", cursor);
    const page = await get(`${base(ctx, sub.id)}/attempts?${params}`);
    if (!ctx.isCurrent()) return;
    show(page);
  };
  const show = (page) => {
    all.push(...page.attempts);
    const more = page.next_cursor ? h("button", { type: "button", class: "btn", onclick: (ev) => act(ev.currentTarget, () => load(page.next_cursor)) }, "Load older attempts") : null;
    fill(list, 
      all.length ? attemptTable(ctx, sub, all) : empty("No attempts match", q.event_id || q.status ? "Try other filters." : "Deliveries show here as soon as an event is sent."),
      h("div", { class: "pager" }, more, !page.next_cursor && page.truncated ? h("span", { class: "muted small" }, "Older attempts exist beyond the history window.") : null));
  };
  await load();
  setLive();
}

async function deadLettersTab(ctx, sub, body) {
  const all = [];
  const selected = new Set();
  const list = h("div", {}, spinner());
  const count = h("span", { class: "muted", "aria-live": "polite" });
  const redeliver = h("button", { type: "button", class: "btn btn-primary", disabled: true }, "Redeliver selected");
  const update = () => {
    count.textContent = selected.size ? `${selected.size} selected` : "";
    redeliver.disabled = !selected.size || !ctx.can.manage;
  };
  redeliver.addEventListener("click", async () => {
    const ids = [...selected];
    const r = await act(redeliver, () => post(`${base(ctx, sub.id)}/dead-letters/replay`, { event_ids: ids, include_redriven: true }));
    if (r) { toast(`Redelivering ${r.replayed} event${r.replayed === 1 ? "" : "s"}`); ctx.refresh(); }
  });
  const now = Date.now();
  const since = h("input", { type: "datetime-local", name: "since", value: localInput(now - 86400000) });
  const until = h("input", { type: "datetime-local", name: "until", value: localInput(now + 60000) });
  const again = h("input", { type: "checkbox", name: "again" });
  const range = onSubmit(h("form", { class: "filters", "aria-label": "Redeliver a time range" },
    field("From", since), field("To", until),
    h("label", { class: "check inline" }, again, "include already redelivered"),
    h("div", { class: "filter-actions" }, h("button", { type: "submit", class: "btn", disabled: !ctx.can.manage }, "Redeliver range"))),
  async () => {
    const r = await post(`${base(ctx, sub.id)}/dead-letters/replay`, { since_ms: localMs(since.value), until_ms: localMs(until.value), include_redriven: again.checked });
    toast(`Redelivering ${r.replayed} event${r.replayed === 1 ? "" : "s"} (${r.scanned} dead letters scanned)`);
    ctx.refresh();
  });
  fill(body, 
    h("div", { class: "toolbar" }, redeliver, count, h("button", { type: "button", class: "btn btn-ghost", onclick: () => ctx.refresh() }, "Refresh")),
    list,
    panel("Redeliver a time range", h("p", { class: "muted small" }, "Sends every dead letter of the range to the endpoint again, in order."), range));
  const load = async (cursor) => {
    const page = await get(`${base(ctx, sub.id)}/dead-letters?limit=50${cursor ? `&cursor=${enc(cursor)}` : ""}`);
    if (!ctx.isCurrent()) return;
    all.push(...page.dead_letters);
    const selectAll = h("input", { type: "checkbox", "aria-label": "Select every dead letter shown" });
    const boxes = [];
    selectAll.addEventListener("change", () => {
      for (const [b, d] of boxes) { b.checked = selectAll.checked; if (selectAll.checked) selected.add(d.event_id); else selected.delete(d.event_id); }
      update();
    });
    const rows = all.map((d) => {
      const box = h("input", { type: "checkbox", "aria-label": `Select event ${d.event_id}`, checked: selected.has(d.event_id) });
      box.addEventListener("change", () => { if (box.checked) selected.add(d.event_id); else selected.delete(d.event_id); update(); });
      boxes.push([box, d]);
      const detailId = `dl-${d.dlq_partition}-${d.dlq_offset}`;
      const payload = d.data_base64 ? decodeBase64(d.data_base64) : "";
      const details = h("tr", { class: "details", id: detailId, hidden: true }, h("td", { colspan: 8 }, h("div", { class: "excerpts" },
        h("div", {}, h("h3", {}, "Payload"), payload ? h("pre", { class: "code" }, pretty(payload)) : h("p", { class: "muted small" }, "empty")),
        h("div", {}, h("h3", {}, "Last error"), h("pre", { class: "code" }, d.last_error || d.dead_letter_reason || "—"),
          h("p", { class: "muted small" }, `First attempt `, when(d.first_attempt_at_ms), ` · ${d.source_topic} partition ${d.source_partition} offset ${d.source_offset}`)))));
      const toggle = h("button", { type: "button", class: "btn btn-small btn-ghost", "aria-expanded": "false", "aria-controls": detailId, "aria-label": `Details of dead letter ${d.event_id}` }, "Details");
      toggle.addEventListener("click", () => { const open = toggle.getAttribute("aria-expanded") === "true"; toggle.setAttribute("aria-expanded", String(!open)); details.hidden = open; });
      return [h("tr", {},
        h("td", {}, box),
        h("td", {}, when(d.dead_lettered_at_ms)),
        h("td", {}, h("a", { href: link(ctx, sub.id, "attempts", { event_id: d.event_id }), class: "mono", title: "All attempts of this event" }, d.event_id)),
        h("td", {}, h("code", {}, d.event_type || "—")),
        h("td", { class: "num" }, d.last_status || "—"),
        h("td", { class: "clip" }, d.dead_letter_reason || d.last_error || "—"),
        h("td", {}, d.redriven_at_ms ? h("span", {}, pill("redelivered", "info"), " ", when(d.redriven_at_ms)) : pill("dead_lettered")),
        h("td", { class: "right" }, toggle)), details];
    });
    const more = page.next_cursor ? h("button", { type: "button", class: "btn", onclick: (ev) => act(ev.currentTarget, () => load(page.next_cursor)) }, "Load older dead letters") : null;
    fill(list, all.length
      ? h("div", { class: "table-wrap" }, h("table", {},
          h("caption", { class: "sr-only" }, "Dead letters"),
          h("thead", {}, h("tr", {}, h("th", { scope: "col", class: "check-col" }, selectAll),
            ["Dead-lettered", "Event id", "Type", "HTTP", "Reason", "State"].map((x) => h("th", { scope: "col", class: x === "HTTP" ? "num" : null }, x)),
            h("th", { scope: "col", class: "right" }, h("span", { class: "sr-only" }, "Details")))),
          h("tbody", {}, rows.flat())))
      : empty("No dead letters", "Events that exhaust their retries land here, ready to redeliver."),
      h("div", { class: "pager" }, more));
    update();
  };
  await load();
}

/** A select of `[value, label]` options with `current` chosen. */
function choice(name, current, options) {
  return h("select", { name }, options.map(([value, label]) => h("option", { value, selected: value === current }, label)));
}

async function settingsTab(ctx, sub, body) {
  if (!ctx.can.manage) {
    fill(body, notice("Only an admin key can change this subscription.", "info"));
    return;
  }
  const form = onSubmit(h("form", { class: "card narrow-wide" },
    field("Endpoint URL", h("input", { name: "url", type: "url", required: true, value: sub.url, spellcheck: "false" })),
    field("Event types", h("input", { name: "events", value: (sub.events || []).join(", "), spellcheck: "false" }), "Comma-separated, * matches a segment; empty = every event"),
    field("Description", h("input", { name: "description", value: sub.description || "" })),
    field("Custom headers", h("textarea", { name: "headers", rows: 3, spellcheck: "false", value: headerText(sub.headers) }), "One \"Name: value\" per line; leave <redacted> to keep a stored value"),
    h("div", { class: "row" },
      field("Rate limit (per second)", h("input", { name: "rate_limit", type: "number", min: 0, value: String(sub.rate_limit || 0) }), "0 = no limit"),
      field("Max in flight", h("input", { name: "max_in_flight", type: "number", min: 0, value: String(sub.max_in_flight || 0) }), "0 = the default")),
    h("div", { class: "row" },
      field("Ordering", choice("ordering", sub.ordering || "unordered", [["unordered", "Unordered"], ["key", "Per key, in publish order"]])),
      field("After a dead letter", choice("on_dead_letter", sub.on_dead_letter || "skip", [["skip", "Skip: the key goes on"], ["hold", "Hold: the key follows it to the DLQ"]]), "Per-key ordering only"),
      field("CloudEvents mode", choice("content_mode", sub.content_mode || "binary", [["binary", "Binary (ce-* headers)"], ["structured", "Structured (JSON envelope)"]]))),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-primary" }, "Save changes"))),
  async (f) => {
    await patch(base(ctx, sub.id), {
      url: f.get("url").trim(), events: splitList(f.get("events") || ""), description: f.get("description").trim(),
      headers: parseLines(f.get("headers") || ""), rate_limit: Number(f.get("rate_limit") || 0), max_in_flight: Number(f.get("max_in_flight") || 0),
      ordering: f.get("ordering"), on_dead_letter: f.get("on_dead_letter"), content_mode: f.get("content_mode"),
    });
    toast("Subscription saved");
    ctx.refresh();
  });
  fill(body, form);
}
