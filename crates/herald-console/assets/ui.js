// Small DOM helpers: elements, pills, copy buttons, dialogs, toasts, errors and time.

/** Creates an element: h("a", {href, class, onclick}, children...). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "value" || k === "checked" || k === "selected") el[k] = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Creates an SVG element. */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  append(el, children);
  return el;
}

const TONES = {
  active: "ok", succeeded: "ok", closed: "ok", ok: "ok", healthy: "ok",
  paused: "warn", retrying: "warn", short_circuited: "warn", redelivered: "info",
  disabled: "bad", dead_lettered: "bad", open: "bad", failed: "bad",
};

/** A status pill: a word and a tone (green, amber, red, neutral). */
export function pill(text, tone) {
  const label = String(text).replaceAll("_", " ");
  return h("span", { class: `pill pill-${tone || TONES[text] || "neutral"}` }, label);
}

/** A button that copies `text`, labelled for screen readers. */
export function copyButton(text, what = "value") {
  const b = h("button", { type: "button", class: "icon-btn copy", "aria-label": `Copy ${what}`, title: `Copy ${what}` }, copyIcon());
  b.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      toast(`Copied ${what}`);
    } catch {
      const range = document.createRange();
      const target = b.previousElementSibling || b;
      range.selectNodeContents(target);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      toast("Select and copy with Ctrl+C", "warn");
    }
  });
  return b;
}

function copyIcon() {
  return s("svg", { viewBox: "0 0 16 16", width: 14, height: 14, "aria-hidden": "true", focusable: "false" },
    s("rect", { x: 5, y: 5, width: 8.5, height: 8.5, rx: 1.5, fill: "none", stroke: "currentColor", "stroke-width": 1.4 }),
    s("path", { d: "M10.5 3.2V3a1.5 1.5 0 0 0-1.5-1.5H3A1.5 1.5 0 0 0 1.5 3v6A1.5 1.5 0 0 0 3 10.5h.2", fill: "none", stroke: "currentColor", "stroke-width": 1.4 }));
}

/** An id in monospace with a copy button. */
export function idText(id, what = "id") {
  return h("span", { class: "id" }, h("code", { title: id }, id), copyButton(id, what));
}

/** A time as "3 min ago" with the exact UTC time on hover and for screen readers. */
export function when(ms) {
  if (!ms) return h("span", { class: "muted" }, "—");
  const d = new Date(Number(ms));
  return h("time", { datetime: d.toISOString(), title: d.toISOString() }, ago(Number(ms)));
}

export function ago(ms) {
  const sec = Math.round((Date.now() - ms) / 1000);
  const abs = Math.abs(sec);
  const unit = abs < 60 ? [sec, "s"] : abs < 3600 ? [Math.round(sec / 60), "min"] : abs < 86400 ? [Math.round(sec / 3600), "h"] : [Math.round(sec / 86400), "d"];
  if (abs < 5) return "just now";
  return unit[0] >= 0 ? `${unit[0]} ${unit[1]} ago` : `in ${-unit[0]} ${unit[1]}`;
}

export function duration(ms) {
  if (!ms || ms <= 0) return "forever";
  const units = [[86400000, "d"], [3600000, "h"], [60000, "min"], [1000, "s"]];
  for (const [n, u] of units) if (ms % n === 0 || ms >= n * 2) return `${Math.round(ms / n)} ${u}`;
  return `${ms} ms`;
}

export function percent(rate) {
  if (rate === null || rate === undefined) return "—";
  const p = rate * 100;
  return `${p >= 99.95 || p === 0 ? p.toFixed(0) : p.toFixed(1)}%`;
}

export function ms(v) {
  return v === null || v === undefined ? "—" : `${v} ms`;
}

/** Announces a short message. */
export function toast(message, tone = "ok", action) {
  const box = document.getElementById("toasts");
  const t = h("div", { class: `toast toast-${tone}` }, h("span", {}, message), action || null);
  box.append(t);
  setTimeout(() => t.remove(), action ? 12000 : 4000);
}

/** An API error as an alert naming its code. */
export function errorBox(e, context) {
  const code = e?.code ? h("code", { class: "err-code" }, e.code) : null;
  return h("div", { class: "alert alert-bad", role: "alert" },
    h("strong", {}, context || "Something went wrong"), " ", code,
    h("p", {}, e?.message || String(e)));
}

export function notice(text, tone = "info") {
  return h("div", { class: `alert alert-${tone}` }, text);
}

export function empty(title, text, action) {
  return h("div", { class: "empty" }, h("p", { class: "empty-title" }, title), text ? h("p", { class: "muted" }, text) : null, action || null);
}

export function spinner(text = "Loading…") {
  return h("p", { class: "loading muted", role: "status" }, h("span", { class: "spin", "aria-hidden": "true" }), text);
}

/** A table: columns [{label, cell(row), class}], rows. */
export function table(columns, rows, { caption, rowAttrs } = {}) {
  return h("div", { class: "table-wrap" },
    h("table", {},
      caption ? h("caption", { class: "sr-only" }, caption) : null,
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.class }, c.label)))),
      h("tbody", {}, rows.map((r) => h("tr", rowAttrs ? rowAttrs(r) : {}, columns.map((c) => h("td", { class: c.class }, c.cell(r))))))));
}

/** A labelled form field. */
export function field(label, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  const hintEl = hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute("aria-describedby", hintEl.id);
  return h("div", { class: "field" }, h("label", { for: id }, label), control, hintEl);
}

let dialogs = 0;

/**
 * A modal dialog (native <dialog>: the page behind is inert, Escape closes it); focus stays
 * inside and returns to the opener. `build(close)` returns the body; resolves with close's value.
 */
export function modal(title, build, { wide = false } = {}) {
  return new Promise((resolve) => {
    const opener = document.activeElement;
    const titleId = `dlg-${++dialogs}`;
    const dlg = h("dialog", { class: `modal${wide ? " modal-wide" : ""}`, "aria-labelledby": titleId });
    let result;
    const close = (value) => { result = value; dlg.close(); };
    dlg.append(
      h("div", { class: "modal-head" },
        h("h2", { id: titleId }, title),
        h("button", { type: "button", class: "icon-btn", "aria-label": "Close dialog", onclick: () => close(undefined) }, "✕")),
      h("div", { class: "modal-body" }, build(close)));
    dlg.addEventListener("keydown", (ev) => {
      if (ev.key !== "Tab") return;
      const items = [...dlg.querySelectorAll("button, [href], input, select, textarea, [tabindex]:not([tabindex='-1'])")].filter((x) => !x.disabled && x.offsetParent !== null);
      if (!items.length) return;
      const first = items[0], last = items[items.length - 1];
      if (ev.shiftKey && document.activeElement === first) { last.focus(); ev.preventDefault(); }
      else if (!ev.shiftKey && document.activeElement === last) { first.focus(); ev.preventDefault(); }
    });
    dlg.addEventListener("close", () => {
      dlg.remove();
      if (opener && opener.isConnected) opener.focus();
      resolve(result);
    });
    document.body.append(dlg);
    dlg.showModal();
    const focus = dlg.querySelector("[autofocus]") || dlg.querySelector(".modal-body input, .modal-body select, .modal-body textarea, .modal-body button");
    focus?.focus();
  });
}

/** Asks before something that cannot be undone. */
export function confirmDialog(title, text, action = "Delete", tone = "danger") {
  return modal(title, (close) => h("div", {},
    h("p", {}, text),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "btn", onclick: () => close(false) }, "Cancel"),
      h("button", { type: "button", class: `btn btn-${tone}`, autofocus: true, onclick: () => close(true) }, action))));
}

/** Shows a secret that the API returns only once. */
export function secretDialog(title, secret, note) {
  return modal(title, (close) => h("div", {},
    h("p", {}, note || "Copy it now: Herald shows it only this once."),
    secretField("Secret", secret, "secret"),
    h("div", { class: "actions" }, h("button", { type: "button", class: "btn btn-primary", autofocus: true, onclick: () => close(true) }, "I have copied it"))), { wide: true });
}

/**
 * Wraps a form's submit: disables the button while the request runs and shows an API error in
 * the form instead of losing it.
 */
export function onSubmit(form, handler) {
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const button = form.querySelector("button[type=submit]");
    form.querySelector(":scope > .alert")?.remove();
    if (button) button.disabled = true;
    try {
      await handler(new FormData(form));
    } catch (e) {
      form.prepend(errorBox(e, "The request failed"));
    } finally {
      if (button) button.disabled = false;
    }
  });
  return form;
}

/** Runs an action from a button, reporting failures as a toast-like alert. */
export async function act(button, fn) {
  button.disabled = true;
  try {
    return await fn();
  } catch (e) {
    toast(`${e.code ? e.code + ": " : ""}${e.message}`, "bad");
    return undefined;
  } finally {
    button.disabled = false;
  }
}

/** "key: value" lines to an object and back. */
export function parseLines(text) {
  const out = {};
  for (const line of text.split("\n")) {
    const i = line.indexOf(":");
    if (line.trim() && i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

export function splitList(text) {
  return text.split(/[\s,]+/).map((x) => x.trim()).filter(Boolean);
}

/** A datetime-local input's value as unix ms (local time). */
export function localMs(value) {
  return value ? new Date(value).getTime() : null;
}

export function localInput(ms) {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}

export function pretty(text) {
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; }
}

export function decodeBase64(b64) {
  try {
    const bytes = Uint8Array.from(atob(b64 || ""), (c) => c.charCodeAt(0));
    return new TextDecoder().decode(bytes);
  } catch {
    return "";
  }
}

/** A page's heading, its one-line purpose and its actions. */
export function pageHead(title, lead, ...actions) {
  document.title = `${title} · Herald console`;
  return h("div", { class: "page-head" },
    h("div", {}, h("h1", { tabindex: "-1" }, title), lead ? h("p", { class: "lead muted" }, lead) : null),
    actions.length ? h("div", { class: "page-actions" }, actions) : null);
}

/** A panel with a heading. */
export function panel(title, ...children) {
  const id = `p-${Math.random().toString(36).slice(2, 9)}`;
  return h("section", { class: "panel", "aria-labelledby": id }, h("h2", { id }, title), children);
}

/** Replaces an element's children, skipping null/false (which replaceChildren would print). */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A read-only, selectable value (a secret or a link) with a copy button. */
export function secretField(label, value, what) {
  const input = h("input", { type: "text", readonly: true, value, "aria-label": label, spellcheck: "false", class: "mono", onfocus: (ev) => ev.target.select() });
  return h("div", { class: "secret" }, input, copyButton(value, what));
}
