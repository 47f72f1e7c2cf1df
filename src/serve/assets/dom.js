// DOM helpers: an element by id, a new element, a number input's value, a canvas sized for the
// screen's pixels.

export const $ = (id) => document.getElementById(id);

export function element(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * A number input as { value } or { problem }: "empty", or "not a number" (a number input
 * that holds text reports an empty value and `validity.badInput`).
 */
export function readField(input) {
  const raw = input.value.trim();
  if (input.validity && input.validity.badInput) return { problem: "not a number" };
  if (raw === "") return { problem: "empty" };
  const v = Number(raw);
  return Number.isFinite(v) ? { value: v } : { problem: "not a number" };
}

/** A number input's value; undefined when empty or not a number (the user is still typing). */
export function readNumber(input) {
  const raw = input.value.trim();
  if (raw === "") return undefined;
  const v = Number(raw);
  return Number.isFinite(v) ? v : undefined;
}

/**
 * Sizes a canvas's backing store for devicePixelRatio; returns its context in CSS pixels, as
 * the drawing modules take it: { canvas, ctx, w, h, dpr }.
 */
export function fitCanvas(cv, cssW, cssH) {
  const w = cssW || cv.clientWidth;
  const h = cssH || cv.clientHeight;
  const dpr = window.devicePixelRatio || 1;
  const bw = Math.max(1, Math.round(w * dpr));
  const bh = Math.max(1, Math.round(h * dpr));
  if (cv.width !== bw || cv.height !== bh) {
    cv.width = bw;
    cv.height = bh;
  }
  if (cssW) {
    cv.style.width = `${w}px`;
    cv.style.height = `${h}px`;
  }
  const ctx = cv.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { canvas: cv, ctx, w, h, dpr };
}
