// The network diagram: the input, hidden and output columns' unit canvases (sizes from the
// server's `ready`) and the faint links between consecutive columns, drawn behind the units.
// The hidden columns themselves and their width controls are layers.js's.

import { classColour } from "./colours.js";
import { $, element, fitCanvas } from "./dom.js";
import { clamp } from "./numbers.js";
import { paintRamp } from "./unit-maps.js";

const UNITS_PER_COLUMN = 8; // wrap a layer's units into sub-columns beyond this

/**
 * Rebuilds the unit grids for `sizes` = [features, hidden…, classes]; `plane` names the two
 * features; `unitNote` says what a hidden unit's square shows (explain.js's unitMapNote). Returns
 * the canvases to paint: { units: Map "layer:unit" → canvas, outputs: [canvas] }.
 */
export function buildNetwork(sizes, classes, plane, unitNote) {
  const unitCanvases = new Map();
  const hidden = sizes.slice(1, -1);
  const total = hidden.reduce((a, b) => a + b, 0);
  const showUnits = hidden.length > 0 && total <= 64;

  buildInputs(sizes[0], plane);
  const cols = $("layers").querySelectorAll(".hidden-col");
  cols.forEach((col, i) => {
    const units = col.querySelector(".units");
    units.textContent = "";
    const n = hidden[i];
    if (n === undefined) return;
    if (showUnits) {
      setUnitRows(units, n);
      for (let u = 0; u < n; u++) {
        const cv = unitCanvas(`layer ${i + 1} unit ${u}`);
        unitCanvases.set(`${i + 1}:${u}`, cv);
        units.append(cv);
      }
    } else {
      units.append(element("div", "bulk", `${n} unit${n === 1 ? "" : "s"}`));
    }
  });

  const outputs = $("outputs").querySelector(".units");
  outputs.textContent = "";
  setUnitRows(outputs, classes);
  const outputCanvases = [];
  for (let c = 0; c < classes; c++) {
    const cv = unitCanvas(`class ${c}: where the burn twin predicts it`);
    cv.classList.add("output-unit");
    cv.style.setProperty("--c", classColour(c));
    outputCanvases.push(cv);
    outputs.append(cv);
  }
  $("network-note").textContent = hidden.length === 0
    ? "no hidden layer: a linear classifier (softmax regression)"
    : showUnits
      ? unitNote
      : `${total} units: per-unit maps are shown for nets with at most 64 hidden units`;
  return { units: unitCanvases, outputs: outputCanvases };
}

function buildInputs(features, plane) {
  const inputs = $("inputs").querySelector(".units");
  inputs.textContent = "";
  setUnitRows(inputs, features);
  const labels = plane ? [plane.x_label, plane.y_label] : [];
  for (let i = 0; i < features; i++) {
    if (features === 2) {
      // The plane's axes are the two features: show each as a ramp over the plane.
      const cv = unitCanvas(labels[i] || `x${i + 1}`);
      paintRamp(cv, i === 0);
      inputs.append(cv);
    } else {
      const box = element("div", "unit feature", `f${i + 1}`);
      box.title = `feature ${i + 1} of ${features} (the plane shows the first two principal directions)`;
      inputs.append(box);
    }
  }
}

/** Lays a column's units out in sub-columns of at most UNITS_PER_COLUMN. */
function setUnitRows(container, n) {
  container.style.setProperty("--rows", String(Math.max(1, Math.min(n, UNITS_PER_COLUMN))));
}

function unitCanvas(title) {
  const cv = element("canvas", "unit");
  cv.width = 24;
  cv.height = 24;
  cv.title = title;
  return cv;
}

/** Faint links between consecutive columns, drawn behind the units (where the layout put them). */
export function drawLinks() {
  const net = $("network");
  const cv = $("links");
  const row = net.querySelector(".net-row");
  cv.style.left = `${row.offsetLeft}px`;
  cv.style.top = `${row.offsetTop}px`;
  const { ctx, w, h } = fitCanvas(cv, row.offsetWidth, row.offsetHeight);
  ctx.clearRect(0, 0, w, h);
  const origin = row.getBoundingClientRect();
  const columns = [$("inputs"), ...$("layers").querySelectorAll(".hidden-col"), $("outputs")]
    .map((col) => [...col.querySelectorAll(".units > *")].flatMap(anchors));
  ctx.lineWidth = 1;
  for (let i = 0; i + 1 < columns.length; i++) {
    const from = columns[i];
    const to = columns[i + 1];
    const links = from.length * to.length;
    if (!links || links > 4096) continue;
    // Fewer, darker lines for small layers; many faint ones for wide layers.
    ctx.strokeStyle = `rgba(60, 80, 110, ${clamp(1 / Math.sqrt(links), 0.035, 0.2)})`;
    const fromX = Math.max(...from.map((r) => r.right)) - origin.left;
    const toX = Math.min(...to.map((r) => r.left)) - origin.left;
    const mid = (fromX + toX) / 2;
    ctx.beginPath();
    for (const a of from) {
      const ay = a.y - origin.top;
      for (const b of to) {
        const by = b.y - origin.top;
        ctx.moveTo(fromX, ay);
        ctx.bezierCurveTo(mid, ay, mid, by, toX, by);
      }
    }
    ctx.stroke();
  }
}

/** Where links attach to a unit: its middle; a "N units" box gets several points. */
function anchors(unit) {
  const r = unit.getBoundingClientRect();
  const count = unit.classList.contains("bulk") ? 9 : 1;
  const out = [];
  for (let i = 0; i < count; i++) {
    out.push({ left: r.left, right: r.right, y: r.top + (r.height * (i + 0.5)) / count });
  }
  return out;
}
