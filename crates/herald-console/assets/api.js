// The REST API as the console uses it: the key lives only in this tab's sessionStorage and goes
// out in the Authorization header, never in a URL.

const KEY = "herald.console.key";
const PORTAL = "herald.console.portal";

export const session = {
  get key() { return sessionStorage.getItem(KEY) || ""; },
  get portal() { return sessionStorage.getItem(PORTAL) === "1"; },
  signIn(key, portal = false) {
    sessionStorage.setItem(KEY, key);
    if (portal) sessionStorage.setItem(PORTAL, "1"); else sessionStorage.removeItem(PORTAL);
  },
  signOut() {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(PORTAL);
  },
};

/** An answer of the API that is not a success, with its `{"code","message"}`. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let config = { edge_url: "", ingest_url: "" };

/** Reads /console/config.json: where the edge and ingest are (empty = this origin). */
export async function loadConfig() {
  try {
    const r = await fetch("config.json", { cache: "no-store" });
    if (r.ok) config = await r.json();
  } catch {
    // Same origin for both, as in herald dev.
  }
  return config;
}

export const bases = {
  get control() { return ""; },
  get edge() { return config.edge_url || ""; },
  get ingest() { return config.ingest_url || ""; },
};

/** `encodeURIComponent` for a template's path segments. */
export function path(strings, ...values) {
  return strings.reduce((out, s, i) => out + s + (i < values.length ? encodeURIComponent(values[i]) : ""), "");
}

/**
 * Calls the API; resolves to the JSON body (null for 204) or throws an ApiError. A 401 also
 * fires `herald:unauthenticated` so the app can return to sign-in.
 */
export async function api(method, url, body, { base = "", key = session.key } = {}) {
  const headers = { accept: "application/json" };
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch(base + url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
    });
  } catch (e) {
    throw new ApiError(0, "unreachable", `cannot reach Herald (${e.message}); check that the server is running`);
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!response.ok) {
    const code = json?.code || `http_${response.status}`;
    const message = json?.message || `${response.status} ${response.statusText || "error"} from ${method} ${url}`;
    const error = new ApiError(response.status, code, message);
    if (response.status === 401 && key === session.key) {
      window.dispatchEvent(new CustomEvent("herald:unauthenticated", { detail: message }));
    }
    throw error;
  }
  return json;
}

export const get = (url, opts) => api("GET", url, undefined, opts);
export const post = (url, body, opts) => api("POST", url, body === undefined ? {} : body, opts);
export const patch = (url, body, opts) => api("PATCH", url, body, opts);
export const del = (url, opts) => api("DELETE", url, undefined, opts);

/** True when the error says the route does not exist on this server (an older Herald). */
export function missingRoute(e) {
  return e instanceof ApiError && e.status === 404 && /^no route for /.test(e.message);
}

/**
 * Opens a topic's SSE stream: mints a short-lived access token with the key (POST
 * /v1/streams/{team}/{topic}/token), then reads the stream with fetch so every named event
 * arrives (EventSource only reports the types it was told). Calls onEvent({id, event, data});
 * resolves when the stream ends; abort with `signal`.
 */
export async function openStream({ team, topic, types, start, lastEventId, signal, onEvent, onOpen }) {
  const minted = await post(path`/v1/streams/${team}/${topic}/token`, undefined, { base: bases.edge });
  const q = new URLSearchParams({ access_token: minted.token });
  if (types) q.set("types", types);
  if (lastEventId) q.set("last_event_id", lastEventId);
  else if (start) q.set("start", start);
  const response = await fetch(`${bases.edge}${path`/v1/streams/${team}/${topic}`}?${q}`, {
    headers: { accept: "text/event-stream" },
    signal,
    cache: "no-store",
    credentials: "omit",
  });
  if (!response.ok) {
    let body = null;
    try { body = await response.json(); } catch { body = null; }
    throw new ApiError(response.status, body?.code || `http_${response.status}`, body?.message || `the stream answered ${response.status}`);
  }
  onOpen?.();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let frame = { data: [] };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let nl;
    while ((nl = buffer.search(/\r\n|\n|\r/)) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + (buffer.startsWith("\r\n", nl) ? 2 : 1));
      if (line === "") {
        if (frame.data.length) onEvent({ id: frame.id, event: frame.event || "message", data: frame.data.join("\n") });
        frame = { data: [] };
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let val = colon < 0 ? "" : line.slice(colon + 1);
      if (val.startsWith(" ")) val = val.slice(1);
      if (field === "data") frame.data.push(val);
      else if (field === "event") frame.event = val;
      else if (field === "id") frame.id = val;
    }
  }
}
