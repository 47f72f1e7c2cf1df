// The boundary heat map: the burn twin's class and confidence over the plane, the cells where
// the hand-written twin disagrees, the axes, and the training and test points. Draws from its
// arguments only: it reads no globals and no DOM (the caller passes e.g. showTest).

import { classColour, classRgb } from "./colours.js";
import { niceTicks } from "./linechart.js";
import { clamp, fmtSig } from "./numbers.js";

/** A canvas of the same document as `like`, not on the page. */
function scratchCanvas(like, w, h) {
  const cv = like.ownerDocument.createElement("canvas");
  cv.width = w;
  cv.height = h;
  return cv;
}

/** The raster as an n×n image: class colour toward white as confidence falls, disagreement black. */
function boundaryImage(like, raster, classes) {
  const { n, cls, conf, differ } = raster;
  const off = scratchCanvas(like, n, n);
  const ctx = off.getContext("2d");
  const img = ctx.createImageData(n, n);
  const floor = 1 / Math.max(2, classes);
  const rgb = [];
  for (let i = 0; i < n * n; i++) {
    const r = Math.floor(i / n);
    const o = ((n - 1 - r) * n + (i % n)) * 4;
    let colour;
    if (differ && differ[i]) {
      colour = [0, 0, 0];
    } else {
      const c = cls[i];
      rgb[c] = rgb[c] || classRgb(c);
      // With k classes the confidence is at least 1/k: map [1/k, 1] to [light, strong].
      const t = clamp((conf[i] / 255 - floor) / (1 - floor), 0, 1);
      const a = 0.1 + 0.62 * t;
      colour = rgb[c].map((v) => Math.round(255 + (v - 255) * a));
    }
    img.data[o] = colour[0];
    img.data[o + 1] = colour[1];
    img.data[o + 2] = colour[2];
    img.data[o + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return off;
}

/**
 * Draws the heat map on `view` (dom.js's fitCanvas). `ready`: the run's `ready` message (plane,
 * points, classes) or null while there is none; `raster`: the latest boundary as { n, cls, conf,
 * differ } (decoded bytes) or null; `points`: what the last call returned, reused while the run,
 * the size and showTest stay the same; `empty`: the words shown while there is no run. Returns
 * the points layer to pass next time.
 */
export function drawBoundary(view, { ready, raster, showTest, points, empty }) {
  const { canvas, ctx, w, h, dpr } = view;
  ctx.clearRect(0, 0, w, h);
  const m = { l: 44, r: 10, t: 8, b: 40 };
  const size = Math.min(w - m.l - m.r, h - m.t - m.b);
  // A square plot, centred in the canvas's width.
  const box = { x: m.l + Math.floor((w - m.l - m.r - size) / 2), y: m.t, size };
  ctx.fillStyle = "#f3f4f6";
  ctx.fillRect(box.x, box.y, size, size);
  if (!ready) {
    ctx.fillStyle = "#888";
    ctx.font = "14px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.fillText(empty, box.x + size / 2, box.y + size / 2);
    return points;
  }
  if (raster) {
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "medium";
    ctx.drawImage(boundaryImage(canvas, raster, ready.classes), box.x, box.y, size, size);
  }

  const plane = ready.plane;
  const px = (x) => box.x + ((x - plane.x[0]) / (plane.x[1] - plane.x[0])) * size;
  const py = (y) => box.y + (1 - (y - plane.y[0]) / (plane.y[1] - plane.y[0])) * size;
  drawAxes(ctx, box, plane, px, py);
  const many = ready.train.length + ready.test.length > 3000;
  const radius = many ? 2.2 : 3.4;
  // The points change only with the run, the size or the test checkbox: drawn once into a
  // layer and copied onto every frame (a thousand arcs per frame cost more than the rest).
  const key = `${w}x${h}@${dpr}/${showTest}`;
  if (!points || points.ready !== ready || points.key !== key) {
    const layer = scratchCanvas(canvas, canvas.width, canvas.height);
    const lc = layer.getContext("2d");
    lc.setTransform(dpr, 0, 0, dpr, 0, 0);
    lc.beginPath();
    lc.rect(box.x, box.y, size, size);
    lc.clip();
    for (const [x, y, c] of ready.train) drawPoint(lc, px(x), py(y), radius, classColour(c), false);
    if (showTest) {
      for (const [x, y, c] of ready.test) drawPoint(lc, px(x), py(y), radius + 0.6, classColour(c), true);
    }
    points = { ready, key, canvas: layer };
  }
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.drawImage(points.canvas, 0, 0);
  ctx.restore();
  return points;
}

function drawPoint(ctx, x, y, r, colour, test) {
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.fillStyle = colour;
  ctx.fill();
  ctx.lineWidth = test ? 1.6 : 1;
  ctx.strokeStyle = test ? "#1b1b1b" : "#ffffff";
  ctx.stroke();
}

function drawAxes(ctx, box, plane, px, py) {
  ctx.strokeStyle = "#c8ccd2";
  ctx.lineWidth = 1;
  ctx.strokeRect(box.x + 0.5, box.y + 0.5, box.size - 1, box.size - 1);
  ctx.fillStyle = "#555";
  ctx.font = "11px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const t of niceTicks(plane.x[0], plane.x[1], 6)) {
    const x = px(t);
    ctx.fillRect(x, box.y + box.size, 1, 4);
    ctx.fillText(fmtSig(t, 3), x, box.y + box.size + 6);
  }
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const t of niceTicks(plane.y[0], plane.y[1], 6)) {
    const y = py(t);
    ctx.fillRect(box.x - 4, y, 4, 1);
    ctx.fillText(fmtSig(t, 3), box.x - 6, y);
  }
  ctx.fillStyle = "#333";
  ctx.font = "12px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "bottom";
  ctx.fillText(plane.x_label || "x₁", box.x + box.size / 2, box.y + box.size + 38);
  ctx.save();
  ctx.translate(box.x - 32, box.y + box.size / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = "middle";
  ctx.fillText(plane.y_label || "x₂", 0, 0);
  ctx.restore();
}
