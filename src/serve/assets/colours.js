// Class and curve colours. The class palette is the pictures' own (src/plot/mod.rs), which the
// server serves as /palette.js.

import { CLASS_COLOURS } from "./palette.js";

export const CURVE_COLOURS = { train: "#2f5d9a", test: "#d1651f", diverged: "#c96a06" };
/** The verdicts' colours (style.css's --good, --bad and --warn). */
export const VERDICT_COLOURS = { PASS: "#1e7b34", FAIL: "#c62828", DIVERGED: "#c96a06" };

function hslToRgb(h, s, l) {
  const k = (n) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n) => l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1));
  return [f(0), f(8), f(4)].map((v) => Math.round(v * 255));
}

function hexToRgb(hex) {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/** Class `i`'s colour as [r, g, b]: the palette, then golden-angle hues beyond it. */
export function classRgb(i) {
  return i < CLASS_COLOURS.length ? hexToRgb(CLASS_COLOURS[i]) : hslToRgb((i * 137.508) % 360, 0.6, 0.48);
}

export function classColour(i) {
  const [r, g, b] = classRgb(i);
  return `rgb(${r},${g},${b})`;
}
