// The hidden-layer controls: one column per layer in #layers, each with its width input and its
// +/− buttons, and the layer count. `limits` is the server's (hello.limits), or null before it.

import { $, element, readField, readNumber } from "./dom.js";
import { clamp } from "./numbers.js";

const maxWidth = (limits) => (limits ? limits.max_width : 512);

/** The widths the inputs show; undefined for one that is empty or half-typed. */
export function readHidden() {
  return [...$("layers").querySelectorAll("input.width")].map(readNumber);
}

/** The widths, and a problem ("layer 2: empty") for the first input that is not a number. */
export function readHiddenField() {
  const widths = [];
  let problem = null;
  $("layers").querySelectorAll("input.width").forEach((input, i) => {
    const r = readField(input);
    if (r.problem && !problem) problem = `layer ${i + 1}: ${r.problem}`;
    widths.push(r.value);
  });
  return { widths, problem };
}

/** Shows `widths`; true when the columns were rebuilt (their links need drawing again). */
export function setHidden(widths, skipFocused, limits) {
  const inputs = $("layers").querySelectorAll("input.width");
  if (inputs.length !== widths.length) {
    renderLayerColumns(widths, limits);
    return true;
  }
  inputs.forEach((input, i) => {
    if (!(skipFocused && input === document.activeElement)) input.value = String(widths[i]);
  });
  return false;
}

export function renderLayerColumns(widths, limits) {
  const layers = $("layers");
  layers.textContent = "";
  widths.forEach((w, i) => {
    const col = element("div", "net-col hidden-col");
    col.dataset.layer = String(i + 1);
    const head = element("div", "col-head layer-head");
    const minus = element("button", "mini", "−");
    minus.type = "button";
    minus.dataset.delta = "-1";
    minus.title = `one unit fewer in layer ${i + 1}`;
    const input = element("input", "width");
    input.type = "number";
    input.min = "1";
    input.max = String(maxWidth(limits));
    input.step = "1";
    input.value = String(w);
    input.setAttribute("aria-label", `units in hidden layer ${i + 1}`);
    const plus = element("button", "mini", "+");
    plus.type = "button";
    plus.dataset.delta = "1";
    plus.title = `one unit more in layer ${i + 1}`;
    head.append(minus, input, plus);
    col.append(head, element("div", "units"));
    layers.append(col);
  });
  updateLayerCount(widths.length, limits);
  // Many layers: narrower columns (the width inputs stay; their +/- buttons go).
  $("network").classList.toggle("dense", widths.length >= 4);
}

function updateLayerCount(n, limits) {
  $("layer-count").textContent = String(n);
  $("net-title").lastChild.textContent = n === 1 ? " hidden layer" : " hidden layers";
  $("add-layer").disabled = limits ? n >= limits.max_layers : false;
  $("remove-layer").disabled = n === 0;
}

/** The widths with one layer more (a copy of the last) or fewer; null when there is no room. */
export function widthsWithLayers(delta, limits) {
  const widths = readHidden().map((w) => (w === undefined ? 1 : w));
  if (delta > 0) {
    if (limits && widths.length >= limits.max_layers) return null;
    widths.push(widths.length ? widths[widths.length - 1] : 4);
  } else {
    if (!widths.length) return null;
    widths.pop();
  }
  return widths;
}

/** A click in #layers: a +/− button changes its layer's width; true when one did. */
export function stepWidth(ev, limits) {
  const button = ev.target.closest("button[data-delta]");
  if (!button) return false;
  const input = button.parentElement.querySelector("input.width");
  const current = readNumber(input) || 1;
  input.value = String(clamp(Math.round(current) + Number(button.dataset.delta), 1, maxWidth(limits)));
  return true;
}
