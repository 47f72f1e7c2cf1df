// The drawing loop: the parts of the page that changed are redrawn, at most once per animation
// frame, by the drawing modules (heat map, unit maps, charts, network links) from the state.

import { drawAccuracyChart, drawAgreementChart, drawLossChart } from "./charts.js";
import { decodeBase64 } from "./connection.js";
import { $, fitCanvas } from "./dom.js";
import { drawBoundary } from "./heatmap.js";
import { updateBoundaryCaption } from "./legend.js";
import { drawLinks } from "./network.js";
import { paintMap, paintOutputUnits } from "./unit-maps.js";

/**
 * A renderer of `state` (main.js's live object). `mark(...parts)` asks for parts to be redrawn
 * (all of them when none is named); `setUnitCanvases` takes network.js's buildNetwork result.
 */
export function createRenderer(state) {
  const dirty = { boundary: true, curves: true, agreement: true, neurons: true, links: true };
  let queued = false;
  let unitCanvases = { units: new Map(), outputs: [] };
  let pointsLayer = null; // the heat map's points, kept between frames

  function mark(...parts) {
    for (const part of parts.length ? parts : Object.keys(dirty)) dirty[part] = true;
    if (queued) return;
    queued = true;
    requestAnimationFrame(render);
  }

  function render() {
    queued = false;
    const ready = state.ready;
    if (dirty.boundary) {
      dirty.boundary = false;
      renderBoundary();
    }
    if (dirty.neurons) {
      dirty.neurons = false;
      const f = state.lastFrame;
      for (const u of (f && f.neurons) || []) {
        const cv = unitCanvases.units.get(`${u.layer}:${u.unit}`);
        if (cv) paintMap(cv, u.n, decodeBase64(u.values), !!(ready && ready.signed_units));
      }
    }
    if (dirty.curves) {
      dirty.curves = false;
      const diverged = state.lastFrame && state.lastFrame.diverged;
      drawLossChart(fitCanvas($("curves")), state.epochs, ready ? ready.initial : null, diverged, ready && ready.steps_per_epoch);
      drawAccuracyChart(fitCanvas($("accuracy-chart")), state.epochs);
    }
    if (dirty.agreement) {
      dirty.agreement = false;
      drawAgreementChart(fitCanvas($("agreement-chart")), state.agreement, ready ? ready.err_bound_limit : 4, state.verdict);
    }
    if (dirty.links) {
      dirty.links = false;
      drawLinks();
    }
  }

  /** The heat map, the output units' maps and the caption, from the latest frame's boundary. */
  function renderBoundary() {
    const ready = state.ready;
    const b = state.lastFrame && state.lastFrame.boundary;
    const raster = ready && b
      ? { n: b.n, cls: decodeBase64(b.class), conf: decodeBase64(b.confidence), differ: b.differ ? decodeBase64(b.differ) : null }
      : null;
    const showTest = $("show-test").checked;
    const empty = !state.connected ? "waiting for the server…" : "no run yet: choose the settings (or upload the CSV)";
    pointsLayer = drawBoundary(fitCanvas($("boundary")), { ready, raster, showTest, points: pointsLayer, empty });
    if (!ready) return;
    if (raster) paintOutputUnits(unitCanvases.outputs, raster, ready.classes);
    updateBoundaryCaption(b ? b.differ_count : 0, !!(state.lastFrame && state.lastFrame.diverged));
  }

  return { mark, setUnitCanvases: (c) => { unitCanvases = c; } };
}
