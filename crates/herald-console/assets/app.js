// The console's shell: sign-in (API key, root key or a portal link's token), who the key is,
// the sidebar and the hash router that renders each page into <main>.

import { session, loadConfig, get, missingRoute, ApiError } from "./api.js";
import { h, s, fill, errorBox, spinner, pill } from "./ui.js";
import * as admin from "./pages/admin.js";
import * as subs from "./pages/subscriptions.js";
import * as tools from "./pages/tools.js";

const app = document.getElementById("app");
let me = null;
let cleanup = null;
let renderId = 0;

/** A portal link (`#portal=<token>`): keep the token for this tab and drop it from the address bar. */
function takePortalToken() {
  const m = location.hash.match(/^#portal=([^&]+)/);
  if (!m) return false;
  session.signIn(decodeURIComponent(m[1]), true);
  history.replaceState(null, "", `${location.pathname}${location.search}#/`);
  return true;
}

/** Who the key is, from /v1/whoami, or guessed from the teams it can list on an older server. */
async function whoAmI() {
  try {
    const w = await get("/v1/whoami");
    return { ...w, root: w.principal === "root" || w.principal === "internal" };
  } catch (e) {
    if (!missingRoute(e)) throw e;
    const { teams } = await get("/v1/teams");
    return {
      // API keys are "hk_..."; anything else that authenticates is the root key.
      principal: "key", team: teams.length === 1 ? teams[0].name : null, root: !session.key.startsWith("hk_"),
      scopes: ["admin", "publish", "subscribe"], topics: [], portal: session.portal, guessed: true,
    };
  }
}

function capabilities(w) {
  const scopes = w.scopes || [];
  const isAdmin = w.root || scopes.includes("admin");
  return {
    root: w.root,
    admin: isAdmin,
    manage: isAdmin || w.portal,
    publish: w.root || scopes.includes("publish"),
    portal: !!w.portal,
  };
}

const icons = {
  overview: "M2 9h5V2H2zm0 5h5v-3H2zm7 0h5V7H9zm0-12v3h5V2z",
  teams: "M5.5 7a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5zm5 0a2 2 0 1 0 0-4 2 2 0 0 0 0 4zM1 13c0-2.2 2-4 4.5-4S10 10.8 10 13zm10 0c0-1.3-.4-2.5-1.2-3.4.4-.1.8-.1 1.2-.1 2 0 4 1.5 4 3.5z",
  subscriptions: "M2 3h12v2H2zm0 4h12v2H2zm0 4h8v2H2z",
  topics: "M3 2h10l1 3H2zm-1 4h12v3H2zm0 4h12v4H2z",
  tail: "M1 8h3l2-5 3 10 2-5h4",
  replay: "M8 2a6 6 0 1 1-6 6h2a4 4 0 1 0 1.2-2.8L7 7H2V2l1.8 1.8A6 6 0 0 1 8 2z",
  access: "M10 1a5 5 0 0 0-4.6 7L1 12.5V15h3v-2h2v-2h2l.9-.9A5 5 0 1 0 10 1zm1.5 5A1.5 1.5 0 1 1 11.5 3a1.5 1.5 0 0 1 0 3z",
  portal: "M6.5 9.5l3-3M7 4l1.5-1.5a3 3 0 0 1 4.2 4.2L11 8.5M9 12l-1.5 1.5a3 3 0 0 1-4.2-4.2L5 7.5",
};

function icon(name) {
  const line = name === "tail" || name === "portal";
  return s("svg", { viewBox: "0 0 16 16", width: 16, height: 16, "aria-hidden": "true", focusable: "false", class: "nav-icon" },
    s("path", line ? { d: icons[name], fill: "none", stroke: "currentColor", "stroke-width": 1.6, "stroke-linecap": "round", "stroke-linejoin": "round" } : { d: icons[name], fill: "currentColor" }));
}

function brand() {
  return h("a", { class: "brand", href: "#/", "aria-label": "Herald console home" },
    h("img", { src: "favicon.svg", alt: "", width: 24, height: 24 }), h("span", {}, "Herald"));
}

function signInView(error) {
  cleanup?.();
  cleanup = null;
  document.title = "Sign in · Herald console";
  const input = h("input", { type: "password", name: "key", id: "key", autocomplete: "off", spellcheck: "false", required: true, placeholder: "hk_… or the root key" });
  const form = h("form", { class: "card signin-card", "aria-labelledby": "signin-title" },
    h("h1", { id: "signin-title" }, "Sign in to Herald"),
    h("p", { class: "muted" }, "Use a team's API key, or the root key to manage every team. The key stays in this browser tab only and is forgotten when you close it."),
    error ? errorBox(error, "Sign-in failed") : null,
    h("div", { class: "field" }, h("label", { for: "key" }, "API key"), input),
    h("button", { type: "submit", class: "btn btn-primary btn-block" }, "Sign in"));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    session.signIn(key, false);
    await start();
  });
  fill(app, 
    h("header", { class: "topbar topbar-plain" }, brand()),
    h("main", { id: "main", class: "signin" }, form,
      h("p", { class: "muted small" }, "herald dev prints a root key and a demo key when it starts.")));
  input.focus();
}

function navLink(href, name, label, current) {
  return h("li", {}, h("a", { href, class: "nav-link", "aria-current": current ? "page" : null }, icon(name), h("span", {}, label)));
}

function shell(route, team, can) {
  const base = team ? `#/t/${encodeURIComponent(team)}` : "#/teams";
  const section = route.section;
  const items = [];
  if (can.root) items.push(navLink("#/teams", "teams", "Teams", section === "teams"));
  if (team) {
    items.push(navLink(base, "overview", "Overview", section === "overview"));
    items.push(navLink(`${base}/subscriptions`, "subscriptions", "Subscriptions", section === "subscriptions"));
    if (!can.portal) items.push(navLink(`${base}/topics`, "topics", "Topics", section === "topics"));
    items.push(navLink(`${base}/tail`, "tail", "Live tail", section === "tail"));
    if (can.admin) {
      items.push(navLink(`${base}/replay`, "replay", "Replay", section === "replay"));
      items.push(navLink(`${base}/access`, "access", "Keys and grants", section === "access"));
      items.push(navLink(`${base}/portal`, "portal", "Team portal link", section === "portal"));
    }
  }
  const who = me.root ? "root key" : `${me.name || me.key_id || "key"}`;
  const teamControl = can.root && me.teams?.length
    ? h("div", { class: "team-pick" },
        h("label", { for: "team-select" }, "Team"),
        h("select", { id: "team-select", onchange: (ev) => { location.hash = `#/t/${encodeURIComponent(ev.target.value)}`; } },
          !team ? h("option", { value: "", selected: true, disabled: true }, "Choose…") : null,
          me.teams.map((t) => h("option", { value: t.name, selected: t.name === team }, t.name))))
    : team ? h("div", { class: "team-pick" }, h("span", { class: "muted" }, "Team"), h("strong", {}, team)) : null;
  const main = h("main", { id: "main", tabindex: "-1" });
  fill(app, 
    h("header", { class: "topbar" },
      brand(),
      teamControl,
      h("div", { class: "topbar-right" },
        can.portal ? pill("portal", "info") : null,
        h("span", { class: "who" }, h("span", { class: "muted" }, "Signed in as "), h("strong", {}, who),
          !me.root && me.scopes?.length ? h("span", { class: "muted" }, ` · ${me.scopes.join(", ")}`) : null),
        h("button", { type: "button", class: "btn btn-ghost", onclick: signOut }, "Sign out"))),
    h("div", { class: "layout" },
      h("nav", { class: "sidebar", "aria-label": "Main" }, h("ul", {}, items),
        h("p", { class: "sidebar-foot muted small" }, h("a", { href: "/v1/openapi.json", target: "_blank", rel: "noopener" }, "API reference (OpenAPI)"))),
      main));
  return main;
}

function signOut() {
  session.signOut();
  me = null;
  history.replaceState(null, "", `${location.pathname}#/`);
  signInView();
}

function parse() {
  const raw = location.hash.replace(/^#\/?/, "");
  const [pathPart, queryPart] = raw.split("?");
  const parts = pathPart.split("/").filter(Boolean).map(decodeURIComponent);
  const query = Object.fromEntries(new URLSearchParams(queryPart || ""));
  if (parts[0] === "teams") return { section: "teams", query };
  if (parts[0] === "t" && parts[1]) {
    const team = parts[1];
    const section = parts[2] || "overview";
    return { section, team, id: parts[3], tab: parts[4], query };
  }
  return { section: "home", query };
}

const pages = {
  teams: admin.teamsPage,
  overview: tools.overviewPage,
  topics: admin.topicsPage,
  access: admin.accessPage,
  portal: admin.portalPage,
  subscriptions: subs.subscriptionsPage,
  replay: tools.replayPage,
  tail: tools.tailPage,
};

async function render() {
  if (!me) return;
  const id = ++renderId;
  cleanup?.();
  cleanup = null;
  const route = parse();
  const can = capabilities(me);
  if (route.section === "home") {
    const team = me.team || me.teams?.[0]?.name;
    location.replace(team ? `#/t/${encodeURIComponent(team)}` : "#/teams");
    return;
  }
  const team = route.team || null;
  const main = shell(route, team, can);
  if (team && !me.root && team !== me.team) {
    document.title = "Not available · Herald console";
    main.append(h("h1", {}, "Not available"),
      h("div", { class: "alert alert-bad", role: "alert" }, `This ${can.portal ? "portal" : "key"} is limited to team ${me.team}; it cannot open team ${team}.`),
      h("p", {}, h("a", { href: `#/t/${encodeURIComponent(me.team)}` }, `Go to team ${me.team}`)));
    return;
  }
  const page = pages[route.section];
  if (!page || (route.section === "teams" && !can.root)) {
    main.append(h("h1", {}, "Page not found"), h("p", {}, "The console has no such page. ", h("a", { href: "#/" }, "Go to the overview")));
    return;
  }
  main.append(spinner());
  const ctx = {
    me, can, team, route, main,
    isCurrent: () => id === renderId,
    setCleanup: (fn) => { cleanup = fn; },
    refresh: () => render(),
    teamsChanged: async () => { if (me.root) me.teams = (await get("/v1/teams")).teams; },
  };
  try {
    await page(ctx);
  } catch (e) {
    if (!ctx.isCurrent()) return;
    fill(main, h("h1", {}, "Could not load this page"), errorBox(e, e instanceof ApiError ? `The API answered ${e.status || "nothing"}` : "Error"),
      h("p", {}, h("button", { type: "button", class: "btn", onclick: () => render() }, "Try again")));
  }
  if (ctx.isCurrent() && document.activeElement === document.body) main.querySelector("h1")?.focus?.();
}

async function start() {
  fill(app, h("main", { id: "main", class: "boot" }, spinner("Signing in…")));
  try {
    me = await whoAmI();
    if (me.root) me.teams = (await get("/v1/teams")).teams;
  } catch (e) {
    const portal = session.portal;
    session.signOut();
    me = null;
    signInView(portal && e.status === 401 ? new ApiError(401, e.code, `${e.message} (the portal link has expired or was revoked: ask for a new one)`) : e);
    return;
  }
  await render();
}

window.addEventListener("hashchange", () => {
  if (takePortalToken()) { start(); return; }
  render();
});
window.addEventListener("herald:unauthenticated", (ev) => {
  if (!me) return;
  session.signOut();
  me = null;
  signInView(new ApiError(401, "unauthenticated", `${ev.detail}: sign in again`));
});

await loadConfig();
takePortalToken();
if (session.key) await start(); else signInView();
