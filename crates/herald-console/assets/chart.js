// Hand-drawn SVG charts for delivery health: stacked bars of succeeded and failed attempts per
// bucket with the median latency as a line, and a compact sparkline for lists.

import { h, s } from "./ui.js";

function clock(ms) {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

/** A round axis maximum whose half is a whole number too: 2, 4, 10, 20, 40, 100, ... */
function nice(v) {
  if (!(v > 2)) return 2;
  const step = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 4, 6, 8, 10]) if (m * step >= v && (m * step) % 2 === 0) return m * step;
  return 10 * step;
}

function summary(buckets) {
  const ok = buckets.reduce((n, b) => n + Number(b.succeeded || 0), 0);
  const bad = buckets.reduce((n, b) => n + Number(b.failed || 0), 0);
  return { ok, bad };
}

/** The health panel's chart: attempts per bucket (succeeded, failed) and p50 latency. */
export function healthChart(buckets) {
  const W = 960, H = 220, L = 40, R = 56, T = 12, B = 28;
  const innerW = W - L - R, innerH = H - T - B;
  const n = Math.max(buckets.length, 1);
  const max = nice(Math.max(...buckets.map((b) => Number(b.succeeded || 0) + Number(b.failed || 0))));
  const maxLat = nice(Math.max(...buckets.map((b) => Number(b.latency_p50_ms || 0))));
  const slot = innerW / n, bw = Math.max(4, slot * 0.62);
  const y = (v) => T + innerH - (v / max) * innerH;
  const yl = (v) => T + innerH - (v / maxLat) * innerH;
  const { ok, bad } = summary(buckets);
  const label = `Attempts over the window: ${ok} succeeded, ${bad} failed, in ${buckets.length} buckets.`;
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": label, preserveAspectRatio: "xMidYMid meet" });
  for (const f of [0, 0.5, 1]) {
    const yy = T + innerH - f * innerH;
    svg.append(s("line", { x1: L, x2: W - R, y1: yy, y2: yy, class: "grid" }));
    svg.append(s("text", { x: L - 6, y: yy + 4, class: "axis", "text-anchor": "end" }, String(Math.round(max * f))));
    svg.append(s("text", { x: W - R + 6, y: yy + 4, class: "axis axis-lat" }, `${Math.round(maxLat * f)}ms`));
  }
  const points = [];
  buckets.forEach((b, i) => {
    const x = L + i * slot + (slot - bw) / 2;
    const succ = Number(b.succeeded || 0), fail = Number(b.failed || 0);
    const title = `${clock(Number(b.start_ms))}: ${succ} succeeded, ${fail} failed${b.latency_p50_ms != null ? `, p50 ${b.latency_p50_ms} ms` : ""}`;
    const g = s("g", {}, s("title", {}, title));
    if (succ) g.append(s("rect", { x, y: y(succ), width: bw, height: Math.max(1, innerH - (y(succ) - T)), rx: 2, class: "bar-ok" }));
    if (fail) g.append(s("rect", { x, y: y(succ + fail), width: bw, height: Math.max(1, y(succ) - y(succ + fail)), rx: 2, class: "bar-bad" }));
    if (!succ && !fail) g.append(s("rect", { x, y: T + innerH - 1, width: bw, height: 1, class: "bar-none" }));
    svg.append(g);
    if (b.latency_p50_ms != null) points.push([x + bw / 2, yl(Number(b.latency_p50_ms))]);
    if (i % 3 === 0) svg.append(s("text", { x: x + bw / 2, y: H - 8, class: "axis", "text-anchor": "middle" }, clock(Number(b.start_ms))));
  });
  if (points.length > 1) svg.append(s("polyline", { points: points.map((p) => p.join(",")).join(" "), class: "lat-line" }));
  for (const [cx, cy] of points) svg.append(s("circle", { cx, cy, r: 2.5, class: "lat-dot" }));
  const legend = h("ul", { class: "legend", "aria-hidden": "true" },
    h("li", {}, h("span", { class: "sw sw-ok" }), "succeeded"),
    h("li", {}, h("span", { class: "sw sw-bad" }), "failed"),
    h("li", {}, h("span", { class: "sw sw-lat" }), "p50 latency"));
  return h("figure", { class: "chart-box" }, svg, legend);
}

/** A 12-bar sparkline of a subscription's buckets (green share = success). */
export function sparkline(buckets) {
  const W = 96, H = 24, n = Math.max(buckets.length, 1), slot = W / n;
  const max = Math.max(1, ...buckets.map((b) => Number(b.succeeded || 0) + Number(b.failed || 0)));
  const { ok, bad } = summary(buckets);
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: "spark", role: "img", "aria-label": `last hour: ${ok} succeeded, ${bad} failed` });
  buckets.forEach((b, i) => {
    const succ = Number(b.succeeded || 0), fail = Number(b.failed || 0);
    const x = i * slot + 1, w = Math.max(2, slot - 2);
    const hs = (succ / max) * (H - 2), hf = (fail / max) * (H - 2);
    if (!succ && !fail) svg.append(s("rect", { x, y: H - 1, width: w, height: 1, class: "bar-none" }));
    if (succ) svg.append(s("rect", { x, y: H - hs, width: w, height: hs, class: "bar-ok" }));
    if (fail) svg.append(s("rect", { x, y: H - hs - hf, width: w, height: hf, class: "bar-bad" }));
  });
  return svg;
}
