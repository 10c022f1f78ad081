// Root and admin pages: teams, topics (partitions, retention, lag), keys and grants, portal links.

import { get, post, del, path, missingRoute } from "../api.js";
import {
  h, fill, pill, idText, when, duration, table, field, modal, confirmDialog, secretDialog, onSubmit,
  act, toast, empty, pageHead, panel, notice, secretField, splitList, errorBox,
} from "../ui.js";

const t = (ctx) => encodeURIComponent(ctx.team);

export async function teamsPage(ctx) {
  const { teams } = await get("/v1/teams");
  if (!ctx.isCurrent()) return;
  const newTeam = () => h("button", { type: "button", class: "btn btn-primary", onclick: () => createTeam(ctx) }, "New team");
  const create = newTeam();
  fill(ctx.main, 
    pageHead("Teams", "Each team owns its topics, keys and subscriptions. Only the root key manages teams.", create),
    teams.length ? table([
      { label: "Team", cell: (x) => h("a", { href: `#/t/${encodeURIComponent(x.name)}`, class: "strong" }, x.name) },
      { label: "Display name", cell: (x) => x.display_name || h("span", { class: "muted" }, "—") },
      { label: "Created", cell: (x) => when(x.created_at_ms) },
      { label: "Actions", class: "right", cell: (x) => h("button", { type: "button", class: "btn btn-small btn-danger-ghost", "aria-label": `Delete team ${x.name}`, onclick: (ev) => deleteTeam(ctx, x.name, ev.currentTarget) }, "Delete") },
    ], teams, { caption: "Teams" }) : empty("No teams yet", "Create the first team to add topics and subscriptions.", newTeam()));
}

async function createTeam(ctx) {
  const made = await modal("New team", (close) => onSubmit(h("form", {},
    field("Name", h("input", { name: "name", required: true, pattern: "[a-z0-9][a-z0-9-]*", autocomplete: "off", spellcheck: "false" }), "Lowercase letters, digits and dashes; part of every Kafka topic name."),
    field("Display name", h("input", { name: "display_name", autocomplete: "off" })),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "btn", onclick: () => close() }, "Cancel"),
      h("button", { type: "submit", class: "btn btn-primary" }, "Create team"))),
  async (f) => close(await post("/v1/teams", { name: f.get("name").trim(), display_name: f.get("display_name").trim() }))));
  if (made) {
    toast(`Team ${made.name} created`);
    await ctx.teamsChanged();
    location.hash = `#/t/${encodeURIComponent(made.name)}`;
  }
}

async function deleteTeam(ctx, name, button) {
  if (!(await confirmDialog(`Delete team ${name}?`, "A team can only be deleted once it owns no topics. This cannot be undone.", "Delete team"))) return;
  if ((await act(button, () => del(path`/v1/teams/${name}`))) !== undefined) {
    toast(`Team ${name} deleted`);
    await ctx.teamsChanged();
    ctx.refresh();
  }
}

export async function topicsPage(ctx) {
  if (ctx.route.id) return topicPage(ctx);
  const { topics } = await get(`/v1/teams/${t(ctx)}/topics`);
  if (!ctx.isCurrent()) return;
  const newTopic = () => (ctx.can.admin ? h("button", { type: "button", class: "btn btn-primary", onclick: () => createTopic(ctx) }, "New topic") : null);
  const create = newTopic();
  fill(ctx.main, 
    pageHead("Topics", `Event streams of team ${ctx.team}, each a Kafka topic.`, create),
    topics.length ? table([
      { label: "Topic", cell: (x) => h("a", { href: `#/t/${t(ctx)}/topics/${encodeURIComponent(x.name)}`, class: "strong" }, x.name) },
      { label: "Kafka topic", cell: (x) => h("code", {}, x.kafka_topic) },
      { label: "Partitions", class: "num", cell: (x) => x.partitions },
      { label: "Retention", cell: (x) => duration(x.retention_ms) },
      { label: "Created", cell: (x) => when(x.created_at_ms) },
    ], topics, { caption: "Topics" }) : empty("No topics yet", "A topic holds the events producers publish.", newTopic()));
}

async function createTopic(ctx) {
  const made = await modal("New topic", (close) => onSubmit(h("form", {},
    field("Name", h("input", { name: "name", required: true, autocomplete: "off", spellcheck: "false" }), "e.g. orders"),
    h("div", { class: "row" },
      field("Partitions", h("input", { name: "partitions", type: "number", min: 1, max: 256, value: "3" })),
      field("Retention (days)", h("input", { name: "retention", type: "number", min: 0, step: "any", value: "7" }), "0 = keep forever")),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "btn", onclick: () => close() }, "Cancel"),
      h("button", { type: "submit", class: "btn btn-primary" }, "Create topic"))),
  async (f) => {
    const days = Number(f.get("retention") || 0);
    close(await post(`/v1/teams/${t(ctx)}/topics`, {
      name: f.get("name").trim(), partitions: Number(f.get("partitions") || 3),
      retention_ms: days > 0 ? Math.round(days * 86400000) : -1,
    }));
  }));
  if (made) {
    toast(`Topic ${made.name} created`);
    ctx.refresh();
  }
}

async function topicPage(ctx) {
  const topic = ctx.route.id;
  const d = await get(`/v1/teams/${t(ctx)}/topics/${encodeURIComponent(topic)}`);
  if (!ctx.isCurrent()) return;
  const info = d.topic || {};
  const parts = d.partitions || [];
  const hasLag = parts.some((p) => p.lag !== undefined);
  const total = parts.reduce((n, p) => n + Number(p.high_offset - p.low_offset), 0);
  const lag = parts.reduce((n, p) => n + Number(p.lag || 0), 0);
  const remove = ctx.can.admin ? h("button", { type: "button", class: "btn btn-danger-ghost", onclick: (ev) => deleteTopic(ctx, topic, ev.currentTarget) }, "Delete topic") : null;
  fill(ctx.main, 
    h("p", { class: "crumbs" }, h("a", { href: `#/t/${t(ctx)}/topics` }, "Topics"), " / ", topic),
    pageHead(topic, null, h("a", { class: "btn", href: `#/t/${t(ctx)}/tail?topic=${encodeURIComponent(topic)}` }, "Live tail"), remove),
    h("div", { class: "stats" },
      stat("Kafka topic", h("code", {}, info.kafka_topic || "—")),
      stat("Partitions", parts.length),
      stat("Retention", duration(info.retention_ms)),
      stat("Events retained", total.toLocaleString()),
      stat("Delivery lag", hasLag ? h("span", { class: lag > 0 ? "tone-warn" : "tone-ok" }, lag.toLocaleString()) : h("span", { class: "muted small" }, "not available"))),
    panel("Partitions", hasLag ? null : h("p", { class: "muted small" }, "Committed offsets and lag need a newer Herald control plane."), table([
      { label: "Partition", cell: (p) => p.partition },
      { label: "Low offset", class: "num", cell: (p) => p.low_offset },
      { label: "High offset", class: "num", cell: (p) => p.high_offset },
      { label: "Committed", class: "num", cell: (p) => (p.committed_offset === undefined ? "—" : p.committed_offset < 0 ? "none" : p.committed_offset) },
      { label: "Lag", class: "num", cell: (p) => (p.lag === undefined ? "—" : p.lag > 0 ? pill(String(p.lag), "warn") : pill("0", "ok")) },
    ], parts, { caption: "Partitions" })));
}

function stat(label, value) {
  return h("div", { class: "stat" }, h("div", { class: "stat-label" }, label), h("div", { class: "stat-value" }, value));
}
export { stat };

async function deleteTopic(ctx, topic, button) {
  if (!(await confirmDialog(`Delete topic ${topic}?`, "Its Kafka topic and every event in it are deleted. This cannot be undone.", "Delete topic"))) return;
  if ((await act(button, () => del(`/v1/teams/${t(ctx)}/topics/${encodeURIComponent(topic)}`))) !== undefined) {
    toast(`Topic ${topic} deleted`);
    location.hash = `#/t/${t(ctx)}/topics`;
  }
}

export async function accessPage(ctx) {
  const [{ keys }, { grants }, { topics }] = await Promise.all([
    get(`/v1/teams/${t(ctx)}/keys`), get(`/v1/teams/${t(ctx)}/grants`), get(`/v1/teams/${t(ctx)}/topics`),
  ]);
  if (!ctx.isCurrent()) return;
  const newKey = h("button", { type: "button", class: "btn btn-primary", onclick: () => createKey(ctx, topics) }, "New API key");
  const newGrant = h("button", { type: "button", class: "btn", onclick: () => createGrant(ctx, topics) }, "New grant");
  fill(ctx.main, 
    pageHead("Keys and grants", `Who may publish to, read from and manage team ${ctx.team}.`, newKey, newGrant),
    panel("API keys", keys.length ? table([
      { label: "Name", cell: (k) => h("span", { class: "strong" }, k.name || "—") },
      { label: "Key id", cell: (k) => idText(k.id, "key id") },
      { label: "Scopes", cell: (k) => h("span", { class: "pills" }, (k.scopes || []).map((x) => pill(x, x === "admin" ? "info" : "neutral")), k.portal ? pill("portal", "info") : null) },
      { label: "Topics", cell: (k) => (k.topics?.length ? k.topics.join(", ") : h("span", { class: "muted" }, "all")) },
      { label: "Created", cell: (k) => when(k.created_at_ms) },
      { label: "Expires", cell: (k) => (k.expires_at_ms ? when(k.expires_at_ms) : h("span", { class: "muted" }, "never")) },
      { label: "Actions", class: "right", cell: (k) => h("button", { type: "button", class: "btn btn-small btn-danger-ghost", "aria-label": `Revoke key ${k.name || k.id}`, onclick: (ev) => revokeKey(ctx, k, ev.currentTarget) }, "Revoke") },
    ], keys, { caption: "API keys" }) : empty("No API keys", "Create one for each publisher, consumer or operator.")),
    panel("Grants", h("p", { class: "muted small" }, "A grant lets another team read one of this team's topics (streams and subscriptions)."),
      grants.length ? table([
        { label: "Topic", cell: (g) => h("span", { class: "strong" }, g.topic) },
        { label: "Granted to team", cell: (g) => g.grantee },
        { label: "Grant id", cell: (g) => idText(g.id, "grant id") },
        { label: "Created", cell: (g) => when(g.created_at_ms) },
        { label: "Actions", class: "right", cell: (g) => h("button", { type: "button", class: "btn btn-small btn-danger-ghost", "aria-label": `Revoke grant of ${g.topic} to ${g.grantee}`, onclick: (ev) => revokeGrant(ctx, g, ev.currentTarget) }, "Revoke") },
      ], grants, { caption: "Grants" }) : empty("No grants", "Topics are private to the team until granted.")));
}

async function createKey(ctx, topics) {
  const made = await modal("New API key", (close) => onSubmit(h("form", {},
    field("Name", h("input", { name: "name", required: true, autocomplete: "off" }), "Who or what uses it, e.g. checkout-service"),
    h("fieldset", { class: "checks" }, h("legend", {}, "Scopes"),
      ["publish", "subscribe", "admin"].map((x) => h("label", { class: "check" }, h("input", { type: "checkbox", name: "scopes", value: x, checked: x !== "admin" }), x))),
    topics.length ? h("fieldset", { class: "checks" }, h("legend", {}, "Topics (none checked = all)"),
      topics.map((x) => h("label", { class: "check" }, h("input", { type: "checkbox", name: "topics", value: x.name }), x.name))) : null,
    h("div", { class: "actions" },
      h("button", { type: "button", class: "btn", onclick: () => close() }, "Cancel"),
      h("button", { type: "submit", class: "btn btn-primary" }, "Create key"))),
  async (f) => close(await post(`/v1/teams/${t(ctx)}/keys`, { name: f.get("name").trim(), scopes: f.getAll("scopes"), topics: f.getAll("topics") }))));
  if (made) {
    await secretDialog(`API key ${made.key?.name || ""}`, made.secret, "Copy the key now: Herald stores only its hash and shows it this once.");
    ctx.refresh();
  }
}

async function revokeKey(ctx, k, button) {
  if (!(await confirmDialog(`Revoke key ${k.name || k.id}?`, "Requests with it fail at once and its open streams end.", "Revoke key"))) return;
  if ((await act(button, () => del(path`/v1/teams/${ctx.team}/keys/${k.id}`))) !== undefined) { toast("Key revoked"); ctx.refresh(); }
}

async function createGrant(ctx, topics) {
  const made = await modal("New grant", (close) => onSubmit(h("form", {},
    field("Topic", h("select", { name: "topic", required: true }, topics.map((x) => h("option", { value: x.name }, x.name)))),
    field("Team that may read it", h("input", { name: "grantee", required: true, autocomplete: "off" })),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "btn", onclick: () => close() }, "Cancel"),
      h("button", { type: "submit", class: "btn btn-primary" }, "Create grant"))),
  async (f) => close(await post(`/v1/teams/${t(ctx)}/grants`, { topic: f.get("topic"), grantee: f.get("grantee").trim() }))));
  if (made) { toast("Grant created"); ctx.refresh(); }
}

async function revokeGrant(ctx, g, button) {
  if (!(await confirmDialog(`Revoke the grant of ${g.topic} to ${g.grantee}?`, "Their streams and subscriptions on this topic stop.", "Revoke grant"))) return;
  if ((await act(button, () => del(path`/v1/teams/${ctx.team}/grants/${g.id}`))) !== undefined) { toast("Grant revoked"); ctx.refresh(); }
}

export async function portalPage(ctx) {
  const result = h("div", { "aria-live": "polite" });
  const form = onSubmit(h("form", { class: "card narrow" },
    field("Name", h("input", { name: "name", autocomplete: "off", placeholder: "portal" }), "Shown in the key list, e.g. the customer it is for."),
    field("Valid for", h("select", { name: "ttl" },
      h("option", { value: String(3600000) }, "1 hour"),
      h("option", { value: String(8 * 3600000) }, "8 hours"),
      h("option", { value: String(24 * 3600000) }, "24 hours"))),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-primary" }, "Create portal link"))),
  async (f) => {
    let made;
    try {
      made = await post(`/v1/teams/${t(ctx)}/portal-tokens`, { ttl_ms: Number(f.get("ttl")), name: f.get("name").trim() || undefined });
    } catch (e) {
      if (missingRoute(e)) { fill(result, notice("Portal links are not available on this Herald server.", "warn")); return; }
      throw e;
    }
    const link = `${location.origin}${made.console_path}`;
    fill(result, h("section", { class: "panel", "aria-labelledby": "link-h" },
      h("h2", { id: "link-h" }, "Portal link"),
      h("p", {}, "Send this link to the team's developers. It opens the console limited to team ", h("strong", {}, ctx.team),
        ": its subscriptions, delivery attempts, dead letters and live tail. It stops working ", when(made.expires_at_ms), "; revoke it sooner under Keys and grants."),
      secretField("Portal link", link, "portal link"),
      h("p", { class: "muted small" }, "Shown once. Anyone with the link has its access until it expires.")));
  });
  fill(ctx.main, 
    pageHead("Team portal link", `A self-service console for the developers who receive team ${ctx.team}'s webhooks, without giving them a key.`),
    form, result);
}

export { errorBox, splitList };
