// A small line chart on a canvas (log or linear y, grid, ticks, dashed limit lines), and the
// tick helpers the heat map's axes share. Draws from its arguments only.

import { fmtInt, fmtSig } from "./numbers.js";

/** Round tick values covering [lo, hi], about `count` of them. */
export function niceTicks(lo, hi, count) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((s) => s * mag).find((s) => s >= raw) || 10 * mag;
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return ticks;
}

function decadeTicks(lo, hi) {
  const a = Math.floor(Math.log10(lo));
  const b = Math.ceil(Math.log10(hi));
  const every = Math.max(1, Math.ceil((b - a) / 5));
  const ticks = [];
  for (let e = a; e <= b; e += every) ticks.push(10 ** e);
  return ticks;
}

/** Log range spanning the positive finite values, whole decades. */
export function logRange(values, floor) {
  const ok = values.filter((v) => Number.isFinite(v) && v > 0);
  if (!ok.length) return [0.01, 10];
  const lo = Math.min(...ok);
  const hi = Math.max(...ok);
  let a = 10 ** Math.floor(Math.log10(lo));
  let b = 10 ** Math.ceil(Math.log10(hi));
  if (b <= a) b = a * 10;
  if (floor) a = Math.max(a, floor);
  return [a, b];
}

/**
 * Draws a chart on `view` ({ ctx, w, h }, dom.js's fitCanvas). cfg: { x: [lo, hi], y: [lo, hi],
 * log, title, xLabel, series: [{points, colour, dash, width}], hLines: [{y, colour, label}],
 * marker: {x, y, colour, label} (a point, at the top when y is not finite), yFormat, empty }.
 */
export function drawChart({ ctx, w, h }, cfg) {
  ctx.clearRect(0, 0, w, h);
  const m = { l: 48, r: 10, t: cfg.title ? 20 : 8, b: 22 };
  const pw = w - m.l - m.r;
  const ph = h - m.t - m.b;
  const [x0, x1] = cfg.x;
  const ly = (v) => (cfg.log ? Math.log10(Math.max(v, cfg.y[0])) : v);
  const [y0, y1] = [ly(cfg.y[0]), ly(cfg.y[1])];
  const X = (x) => m.l + (x1 > x0 ? ((x - x0) / (x1 - x0)) * pw : pw);
  const Y = (y) => m.t + (1 - (ly(y) - y0) / (y1 - y0 || 1)) * ph;

  ctx.fillStyle = "#fafbfc";
  ctx.fillRect(m.l, m.t, pw, ph);
  ctx.font = "10.5px system-ui, sans-serif";
  ctx.fillStyle = "#666";
  ctx.strokeStyle = "#e4e7eb";
  ctx.lineWidth = 1;
  // Horizontal grid: decades on a log axis, round values otherwise.
  const yTicks = cfg.log ? decadeTicks(cfg.y[0], cfg.y[1]) : niceTicks(cfg.y[0], cfg.y[1], 4);
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const t of yTicks) {
    const y = Math.round(Y(t)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(m.l, y);
    ctx.lineTo(m.l + pw, y);
    ctx.stroke();
    ctx.fillText(cfg.yFormat ? cfg.yFormat(t) : fmtSig(t, 3), m.l - 5, y);
  }
  // x ticks, leaving room at the right end for the axis name.
  ctx.textBaseline = "top";
  let xLimit = m.l + pw + 20;
  if (cfg.xLabel) {
    ctx.textAlign = "right";
    ctx.fillText(cfg.xLabel, m.l + pw, m.t + ph + 5);
    xLimit = m.l + pw - ctx.measureText(cfg.xLabel).width - 8;
  }
  ctx.textAlign = "center";
  for (const t of niceTicks(x0, x1, 5)) {
    if (t !== Math.round(t)) continue; // epochs and steps are whole numbers
    const label = fmtInt(t);
    if (X(t) + ctx.measureText(label).width / 2 > xLimit) continue;
    ctx.fillText(label, X(t), m.t + ph + 5);
  }
  if (cfg.title) {
    ctx.fillStyle = "#394150";
    ctx.font = "600 12px system-ui, sans-serif";
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    ctx.fillText(cfg.title, m.l, 1);
    ctx.font = "10.5px system-ui, sans-serif";
  }
  for (const line of cfg.hLines || []) drawHLine(ctx, line, m, pw, Y);
  let any = false;
  for (const s of cfg.series) any = drawSeries(ctx, s, X, Y) || any;
  if (cfg.marker) {
    const at = { x: X(cfg.marker.x), y: Number.isFinite(cfg.marker.y) ? Y(cfg.marker.y) : m.t };
    drawMarker(ctx, cfg.marker, at, { top: m.t, bottom: m.t + ph, left: m.l });
    any = true;
  }
  if (!any && cfg.empty) {
    ctx.fillStyle = "#999";
    ctx.font = "12px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText(cfg.empty, m.l + pw / 2, m.t + ph / 2);
  }
}

function drawHLine(ctx, line, m, pw, Y) {
  const y = Math.round(Y(line.y)) + 0.5;
  ctx.save();
  ctx.strokeStyle = line.colour;
  ctx.setLineDash([5, 3]);
  ctx.lineWidth = 1.2;
  ctx.beginPath();
  ctx.moveTo(m.l, y);
  ctx.lineTo(m.l + pw, y);
  ctx.stroke();
  if (line.label) {
    ctx.fillStyle = line.colour;
    ctx.textAlign = "right";
    ctx.textBaseline = "bottom";
    ctx.fillText(line.label, m.l + pw - 3, y - 2);
  }
  ctx.restore();
}

/** A dot at `at` (CSS pixels) on a dashed vertical line across the plot `box`, labelled. */
function drawMarker(ctx, marker, at, box) {
  ctx.save();
  ctx.strokeStyle = marker.colour;
  ctx.fillStyle = marker.colour;
  ctx.setLineDash([3, 3]);
  ctx.beginPath();
  ctx.moveTo(Math.round(at.x) + 0.5, box.top);
  ctx.lineTo(Math.round(at.x) + 0.5, box.bottom);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.beginPath();
  ctx.arc(at.x, at.y, 4, 0, 2 * Math.PI);
  ctx.fill();
  ctx.font = "600 11px system-ui, sans-serif";
  const width = ctx.measureText(marker.label).width;
  const left = at.x - width - 8 > box.left;
  ctx.textAlign = left ? "right" : "left";
  ctx.textBaseline = "top";
  ctx.fillText(marker.label, at.x + (left ? -8 : 8), Math.max(at.y - 6, box.top + 2));
  ctx.restore();
}

/** A polyline; null or non-finite values break it. True when something was drawn. */
function drawSeries(ctx, s, X, Y) {
  ctx.save();
  ctx.strokeStyle = s.colour;
  ctx.lineWidth = s.width || 1.6;
  ctx.setLineDash(s.dash || []);
  ctx.beginPath();
  let pen = false;
  let drawn = false;
  for (const [x, y] of s.points) {
    if (y === null || y === undefined || !Number.isFinite(y)) {
      pen = false;
      continue;
    }
    if (pen) ctx.lineTo(X(x), Y(y));
    else ctx.moveTo(X(x), Y(y));
    pen = true;
    drawn = true;
  }
  if (s.points.length === 1 && drawn) {
    const [x, y] = s.points[0];
    ctx.arc(X(x), Y(y), 1.5, 0, 2 * Math.PI);
  }
  ctx.stroke();
  ctx.restore();
  return drawn;
}
