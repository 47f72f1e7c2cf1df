// Unit maps: each unit's output over the plane, painted into its small canvas (CSS scales it up
// smoothly). Draws from its arguments only.

import { classRgb } from "./colours.js";
import { clamp } from "./numbers.js";

/** A 256-entry colour table through `stops` ([t in 0..1, [r, g, b]], ascending). */
function lut(stops) {
  const out = new Uint8ClampedArray(256 * 3);
  for (let v = 0; v < 256; v++) {
    const t = v / 255;
    let i = 0;
    while (i < stops.length - 2 && t > stops[i + 1][0]) i++;
    const [t0, c0] = stops[i];
    const [t1, c1] = stops[i + 1];
    const u = (t - t0) / (t1 - t0);
    for (let j = 0; j < 3; j++) out[v * 3 + j] = c0[j] + (c1[j] - c0[j]) * u;
  }
  return out;
}

/** Single-hue map for outputs from 0: white (0) to dark blue (255, the unit's largest). */
const UNIT_LUT = lut([[0, [255, 255, 255]], [0.35, [170, 207, 229]], [0.7, [49, 130, 189]], [1, [8, 48, 107]]]);

/**
 * Diverging map for outputs of either sign (leaky ReLU, tanh): dark orange (0, the unit's most
 * negative) through white (128, zero) to dark blue (255, its largest magnitude).
 */
const SIGNED_LUT = lut([
  [0, [127, 59, 8]], [0.15, [224, 130, 20]], [0.32, [253, 200, 135]], [0.5, [255, 255, 255]],
  [0.67, [170, 207, 229]], [0.85, [49, 130, 189]], [1, [8, 48, 107]],
]);

/** Paints n×n bytes (rows from the bottom) with the unit colour map (`signed`: 128 is 0). */
export function paintMap(cv, n, bytes, signed = false) {
  const table = signed ? SIGNED_LUT : UNIT_LUT;
  if (cv.width !== n) {
    cv.width = n;
    cv.height = n;
  }
  const ctx = cv.getContext("2d");
  const img = ctx.createImageData(n, n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const v = bytes[r * n + c];
      const o = ((n - 1 - r) * n + c) * 4;
      img.data[o] = table[v * 3];
      img.data[o + 1] = table[v * 3 + 1];
      img.data[o + 2] = table[v * 3 + 2];
      img.data[o + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
}

/** An input feature over the plane: a ramp along x (horizontal) or y. */
export function paintRamp(cv, horizontal) {
  const n = 24;
  const bytes = new Uint8Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) bytes[r * n + c] = Math.round((255 * (horizontal ? c : r)) / (n - 1));
  }
  paintMap(cv, n, bytes);
}

/**
 * Output units: where the burn twin predicts each class, in that class's colour. `raster`: the
 * boundary's n and its decoded class and confidence bytes.
 */
export function paintOutputUnits(canvases, raster, classes) {
  const { cls, conf, n } = raster;
  canvases.forEach((cv, c) => {
    if (cv.width !== n) {
      cv.width = n;
      cv.height = n;
    }
    const ctx = cv.getContext("2d");
    const img = ctx.createImageData(n, n);
    const rgb = classRgb(c);
    const floor = 1 / Math.max(2, classes);
    for (let i = 0; i < n * n; i++) {
      const o = ((n - 1 - Math.floor(i / n)) * n + (i % n)) * 4;
      const a = cls[i] === c ? 0.25 + 0.75 * clamp((conf[i] / 255 - floor) / (1 - floor), 0, 1) : 0;
      for (let j = 0; j < 3; j++) img.data[o + j] = Math.round(255 + (rgb[j] - 255) * a);
      img.data[o + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  });
}
