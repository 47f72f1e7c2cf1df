// The page's three charts: loss and accuracy per epoch (both twins, train and test) and the
// agreement gate's err_bound per step. Each draws on a view (dom.js's fitCanvas) from the values
// it is given.

import { CURVE_COLOURS, VERDICT_COLOURS } from "./colours.js";
import { drawChart, logRange } from "./linechart.js";
import { clamp, fmtInt, fmtSig, fmtSmall } from "./numbers.js";

const MAX_CURVE_POINTS = 1000; // drawn per curve; the page keeps every epoch
const AGREEMENT_FLOOR = 1e-3; // the log chart's floor; err_bound 0 is drawn there

/** Every point when few, else about MAX_CURVE_POINTS by stride (the last one always kept). */
function downsample(items) {
  const stride = Math.ceil(items.length / MAX_CURVE_POINTS);
  if (stride <= 1) return items;
  const out = [];
  for (let i = 0; i < items.length; i += stride) out.push(items[i]);
  if (out[out.length - 1] !== items[items.length - 1]) out.push(items[items.length - 1]);
  return out;
}

function epochRange(points) {
  if (!points.length) return [0, 1];
  const lo = points[0].epoch;
  const hi = points[points.length - 1].epoch;
  return hi > lo ? [lo, hi] : [lo - 1, hi];
}

/**
 * `epochs`: every epoch's metrics; `initial`: the initial parameters' losses (`ready`), or null;
 * `diverged`: where the run blew up (a frame's `diverged`) with `perEpoch` steps an epoch, or null.
 */
export function drawLossChart(view, epochs, initial, diverged, perEpoch) {
  // Epoch 0 is the initial parameters' training loss, as in compare's loss.png.
  const first = initial
    ? [{ epoch: 0, loss_burn: initial.loss_burn, loss_manual: initial.loss_manual,
         test_loss_burn: null, test_loss_manual: null }]
    : [];
  const pts = downsample(epochs.length || diverged ? first.concat(epochs) : []);
  const series = (key, colour, dash) => ({ colour, dash, points: pts.map((e) => [e.epoch, e[key]]) });
  const values = [];
  for (const e of pts) values.push(e.loss_burn, e.loss_manual, e.test_loss_burn, e.test_loss_manual);
  // The divergence, where it happened (in epochs) and as high as its loss (the top if not finite).
  const blowup = diverged && {
    x: diverged.step / Math.max(1, perEpoch || 1),
    y: diverged.loss,
    label: `diverged at step ${fmtInt(diverged.step)}`,
  };
  if (blowup && Number.isFinite(blowup.y)) values.push(blowup.y);
  const x = epochRange(pts);
  if (blowup) x[1] = Math.max(x[1], blowup.x);
  drawChart(view, {
    x,
    y: logRange(values.filter((v) => v !== null && v !== undefined), 1e-12),
    marker: blowup ? { ...blowup, colour: CURVE_COLOURS.diverged } : null,
    log: true,
    title: "Loss per epoch (log scale)",
    xLabel: "epoch",
    series: [
      series("test_loss_burn", CURVE_COLOURS.test, []),
      series("test_loss_manual", CURVE_COLOURS.test, [5, 4]),
      series("loss_burn", CURVE_COLOURS.train, []),
      series("loss_manual", CURVE_COLOURS.train, [5, 4]),
    ],
    empty: "no epoch completed yet: press play",
  });
}

export function drawAccuracyChart(view, epochs) {
  const pts = downsample(epochs);
  const series = (key, colour, dash) => ({ colour, dash, points: pts.map((e) => [e.epoch, e[key]]) });
  const values = [];
  for (const e of pts) values.push(e.train_acc_burn, e.test_acc_burn);
  const finite = values.filter((v) => Number.isFinite(v));
  const lo = finite.length ? Math.min(0.9, Math.floor(Math.min(...finite) * 10) / 10) : 0;
  drawChart(view, {
    x: epochRange(pts),
    y: [lo, 1],
    title: "Accuracy",
    xLabel: "epoch",
    yFormat: (t) => `${Math.round(t * 100)}%`,
    series: [
      series("test_acc_burn", CURVE_COLOURS.test, []),
      series("test_acc_manual", CURVE_COLOURS.test, [5, 4]),
      series("train_acc_burn", CURVE_COLOURS.train, []),
      series("train_acc_manual", CURVE_COLOURS.train, [5, 4]),
    ],
    empty: "",
  });
}

/**
 * `agreement`: [step, worst err_bound since the previous point]; `limit`: the gate's; `verdict`:
 * the run's (the line takes its colour: green PASS, red FAIL, orange DIVERGED).
 */
export function drawAgreementChart(view, agreement, limit, verdict) {
  const pts = downsample(agreement);
  const top = logRange([10, limit, ...pts.map((p) => p[1])], AGREEMENT_FLOOR)[1];
  const x = pts.length ? [pts.length > 1 ? pts[0][0] : 0, pts[pts.length - 1][0]] : [0, 1];
  drawChart(view, {
    x,
    y: [AGREEMENT_FLOOR, top],
    log: true,
    xLabel: "step",
    yFormat: (t) => fmtSig(t, 2),
    hLines: [{ y: limit, colour: "#d0342c", label: `limit ${fmtSmall(limit)}` }],
    series: [{ colour: VERDICT_COLOURS[verdict] || "#8a919c", width: 1.4, points: pts.map(([s, v]) => [s, clamp(v, AGREEMENT_FLOOR, top)]) }],
    empty: "no step yet",
  });
}
