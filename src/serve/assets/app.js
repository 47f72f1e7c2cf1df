// mlp2d playground: the page of `mlp2d serve`. Plain ES2020, no library, no build step.
// The contract with the server is src/serve/protocol.md.
"use strict";

// ---------------------------------------------------------------------------------------------
// Constants and small helpers

const $ = (id) => document.getElementById(id);

/** Per-kind data keys that have a control (its id is the key itself). */
const KIND_PARAMS = ["samples", "noise", "factor", "centers", "cluster_std", "classes", "rows", "cols", "layout"];
/** Every control whose change starts a new run. */
const SETTING_IDS = [...KIND_PARAMS, "test-fraction", "seed", "init", "lr", "batch", "precision", "backend"];
const DEBOUNCE_MS = 300;
const MAX_CURVE_POINTS = 1000;     // drawn per curve; the arrays keep every epoch
const MAX_AGREEMENT_POINTS = 3000; // kept for the live agreement chart
const AGREEMENT_FLOOR = 1e-3;      // the log chart's floor; err_bound 0 is drawn there
const UNITS_PER_COLUMN = 8;        // wrap a layer's units into sub-columns beyond this
const FALLBACK_UPLOAD_BYTES = 10 * 1024 * 1024;

// Tableau 10: distinguishable, colour-blind-friendlier than pure hues; golden-angle hues beyond.
const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
  "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];
const CURVE_COLOURS = { train: "#2f5d9a", test: "#d1651f" };

const decodeBase64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const clone = (v) => (v == null ? v : JSON.parse(JSON.stringify(v)));
const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));

/** `x` at `digits` significant digits, without trailing zeros; "—" for no value. */
function fmtSig(x, digits = 6) {
  if (x === null || x === undefined) return "—";
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "−∞";
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a >= 1e-4 && a < 1e6) return String(Number(x.toPrecision(digits)));
  return x.toExponential(digits - 1).replace(/\.?0+e/, "e");
}
const fmtSmall = (x) => fmtSig(x, 3);
const fmtInt = (n) => (n === null || n === undefined ? "—" : Math.round(n).toLocaleString("en-US"));
const fmtPct = (x) => (x === null || x === undefined ? "—" : `${(100 * x).toFixed(1)}%`);

function element(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

// ---------------------------------------------------------------------------------------------
// State: one live object, also what the automated browser test reads (window.mlp2d.state).

const state = {
  connected: false,
  hello: null,
  ready: null,       // the last `ready` message
  settings: null,    // the settings as last sent (or imported)
  epoch: 0,
  step: 0,
  running: false,
  verdict: null,
  lastFrame: null,
  epochs: [],        // every epoch's metrics since the last `ready`
  agreement: [],     // [step, window_err_bound] per frame that advanced
  error: null,       // the last server `error` message, cleared by `ready`
  csv: null,         // the last `csv` reply
  lastExport: null,
};

window.mlp2d = { state, exportRun, configure: configureFrom };

let ws = null;
let helloSeen = false;
let closedMessage = null;      // from a `closed` message, shown when the socket closes
let csvUpload = null;          // {name, text}: sent again after a reconnect
let debounceTimer = null;
let lastSentJSON = null;
let appliedKind = null;        // the kind whose parameters the inputs show
let pendingImport = false;
// Configures (and imports) sent whose reply (`ready` or `error`) has not come yet: while newer
// ones are in flight, an older `ready` must not put its settings back into the controls.
let configuresInFlight = 0;
const pendingExports = [];
const unitCanvases = new Map(); // "layer:unit" → canvas
let outputCanvases = [];
const dirty = { boundary: true, curves: true, agreement: true, neurons: true, links: true };
let renderQueued = false;

// ---------------------------------------------------------------------------------------------
// Colours

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
function classRgb(i) {
  return i < PALETTE.length ? hexToRgb(PALETTE[i]) : hslToRgb((i * 137.508) % 360, 0.6, 0.48);
}
function classColour(i) {
  const [r, g, b] = classRgb(i);
  return `rgb(${r},${g},${b})`;
}

/** Single-hue map for unit activations: white (0) to dark blue (255). */
const UNIT_LUT = (() => {
  const stops = [[0, [255, 255, 255]], [0.35, [170, 207, 229]], [0.7, [49, 130, 189]], [1, [8, 48, 107]]];
  const lut = new Uint8ClampedArray(256 * 3);
  for (let v = 0; v < 256; v++) {
    const t = v / 255;
    let i = 0;
    while (i < stops.length - 2 && t > stops[i + 1][0]) i++;
    const [t0, c0] = stops[i];
    const [t1, c1] = stops[i + 1];
    const u = (t - t0) / (t1 - t0);
    for (let j = 0; j < 3; j++) lut[v * 3 + j] = c0[j] + (c1[j] - c0[j]) * u;
  }
  return lut;
})();

// ---------------------------------------------------------------------------------------------
// Connection

function connect() {
  closedMessage = null;
  setStatus("connecting…", "connecting");
  $("reconnect").hidden = true;
  if (!location.host) {
    // Opened as a file: there is no server to talk to.
    onClosed("no server: open the address that `mlp2d serve` prints");
    return;
  }
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  let socket;
  try {
    socket = new WebSocket(`${scheme}://${location.host}/ws`);
  } catch (e) {
    onClosed("no server here: open the page that `mlp2d serve` prints");
    return;
  }
  ws = socket;
  socket.onopen = () => {
    if (ws !== socket) return;
    state.connected = true;
    setStatus("connected", "connected");
  };
  socket.onmessage = (ev) => {
    if (ws === socket) handleMessage(ev.data);
  };
  socket.onclose = (ev) => {
    if (ws !== socket) return;
    ws = null;
    const why = closedMessage || ev.reason || (ev.code === 1006 ? "connection lost" : `code ${ev.code}`);
    onClosed(why);
  };
}

function onClosed(message) {
  state.connected = false;
  configuresInFlight = 0;
  state.running = false;
  setStatus(`closed: ${message}`, "closed");
  $("reconnect").hidden = false;
  while (pendingExports.length) pendingExports.shift().reject(new Error("the connection closed"));
  updatePlayButton();
}

function setStatus(text, kind) {
  const s = $("status");
  s.textContent = text;
  s.title = text; // the bar may cut a long message short
  s.dataset.state = kind;
}

/** Sends a message; false (and a note in the error bar) when not connected. */
function send(message) {
  if (!ws || ws.readyState !== WebSocket.OPEN) {
    showError("not connected to the server: press reconnect", false);
    return false;
  }
  ws.send(JSON.stringify(message));
  return true;
}

function handleMessage(text) {
  let msg;
  try {
    msg = JSON.parse(text);
  } catch (e) {
    console.warn("mlp2d: a message that is not JSON", text);
    return;
  }
  const handlers = { hello: onHello, ready: onReady, frame: onFrame, csv: onCsv, export: onExport, error: onError, closed: onClosedMessage };
  const handler = handlers[msg.type];
  if (handler) handler(msg);
  else console.warn("mlp2d: unknown message type", msg.type);
}

// ---------------------------------------------------------------------------------------------
// Server → page

function onHello(msg) {
  state.hello = msg;
  applyLimits(msg.limits);
  if (!helloSeen) {
    helloSeen = true;
    // First contact: the URL's settings (a shared link, a reload), else the server's defaults.
    const s = settingsFromHash(msg.defaults);
    setControls(s, false);
    if (s.data.kind === "csv") {
      csvInfo("upload your CSV again: the server keeps no file between sessions", "warn");
      writeHash(s);
    } else {
      sendConfigure(s);
    }
    return;
  }
  // A reconnect is a new session: upload the CSV again (its reply configures), else configure.
  if ($("kind").value === "csv") {
    if (csvUpload) send({ type: "csv", name: csvUpload.name, text: csvUpload.text });
    else csvInfo("upload your CSV again: the server keeps no file between sessions", "warn");
  } else {
    configureNow(true);
  }
}

function onReady(msg) {
  state.ready = msg;
  state.lastFrame = null;
  state.epochs = [];
  state.agreement = [];
  state.epoch = 0;
  state.step = 0;
  state.verdict = null;
  clearError();
  if (configuresInFlight > 0) configuresInFlight--;
  if (configuresInFlight === 0) {
    setControls(msg.settings, true);
    if (pendingImport) {
      // An imported config's settings become the page's (extra keys like shuffle included).
      pendingImport = false;
      state.settings = clone(msg.settings);
      lastSentJSON = null;
    }
    writeHash(msg.settings);
  }
  renderWarnings(msg.warnings || []);
  $("err-bound-limit").textContent = fmtSmall(msg.err_bound_limit);
  buildNetwork(msg.sizes, msg.classes);
  buildLegend(msg.classes);
  Object.keys(dirty).forEach((k) => { dirty[k] = true; });
  updateTexts();
  scheduleRender();
}

function onFrame(f) {
  state.lastFrame = f;
  state.epoch = f.epoch;
  state.step = f.step;
  state.running = !!f.running;
  state.verdict = f.verdict;
  if (Array.isArray(f.epochs) && f.epochs.length) {
    state.epochs.push(...f.epochs);
    dirty.curves = true;
  }
  recordAgreement(f);
  if (f.boundary) dirty.boundary = true;
  if (f.neurons) dirty.neurons = true;
  updateTexts();
  scheduleRender();
}

/** One point per frame that advanced: the worst err_bound over the steps since the last one. */
function recordAgreement(f) {
  const a = state.agreement;
  const last = a.length ? a[a.length - 1][0] : 0;
  if (f.step <= last || f.window_err_bound === undefined) return;
  // null is a NaN err_bound (JSON has no NaN): drawn at the top of the chart.
  a.push([f.step, f.window_err_bound === null ? Infinity : f.window_err_bound]);
  if (a.length > MAX_AGREEMENT_POINTS) a.splice(0, a.length - MAX_AGREEMENT_POINTS);
  dirty.agreement = true;
}

function onCsv(msg) {
  state.csv = msg;
  csvInfo(`${msg.name}: ${fmtInt(msg.rows)} rows × ${msg.features} features, ${msg.classes} classes`, "ok");
  $("kind").value = "csv";
  appliedKind = "csv";
  updateParamVisibility();
  configureNow(true);
}

function onExport(msg) {
  state.lastExport = msg;
  $("export-command").textContent = `mlp2d compare --config ${msg.name}.toml`;
  const waiting = pendingExports.shift();
  if (waiting) waiting.resolve(msg);
}

function onError(msg) {
  state.error = msg.message;
  // Most errors answer a configure; one that does not only makes the next `ready` show early.
  if (configuresInFlight > 0) configuresInFlight--;
  if (configuresInFlight === 0) pendingImport = false;
  showError(msg.message, true);
}

function onClosedMessage(msg) {
  closedMessage = msg.message;
}

// ---------------------------------------------------------------------------------------------
// Page → server

/** Sends `export`; resolves with the server's `export` reply. */
function exportRun() {
  return new Promise((resolve, reject) => {
    const entry = { resolve: null, reject: null };
    const timer = setTimeout(() => {
      const i = pendingExports.indexOf(entry);
      if (i >= 0) pendingExports.splice(i, 1);
      reject(new Error("no reply to export"));
    }, 30000);
    entry.resolve = (m) => { clearTimeout(timer); resolve(m); };
    entry.reject = (e) => { clearTimeout(timer); reject(e); };
    if (!send({ type: "export" })) {
      entry.reject(new Error("not connected"));
      return;
    }
    pendingExports.push(entry);
  });
}

/** Sets the controls from a (possibly partial) settings object and starts that run. */
function configureFrom(partial) {
  if (!state.hello) throw new Error("not connected yet: wait for the server's hello");
  const base = readSettings() || clone(state.hello.defaults);
  const merged = mergeSettings(base, partial || {});
  setControls(merged, false);
  sendConfigure(merged);
  return merged;
}

function mergeSettings(base, patch) {
  const out = clone(base);
  if ("seed" in patch) out.seed = patch.seed;
  for (const section of ["data", "model", "train", "compare"]) {
    if (!patch[section]) continue;
    if (section === "data" && patch.data.kind && patch.data.kind !== base.data.kind) {
      // Another kind: its own keys with its defaults, the shared keys kept.
      const shared = { test_fraction: base.data.test_fraction };
      if ("shuffle" in base.data) shared.shuffle = base.data.shuffle;
      out.data = { ...shared, ...clone(kindInfo(patch.data.kind).defaults), ...patch.data };
    } else {
      out[section] = { ...(out[section] || {}), ...patch[section] };
    }
  }
  return out;
}

/** Starts a new run from the controls. Unless forced, skips settings equal to the last sent. */
function configureNow(force = false) {
  clearTimeout(debounceTimer);
  debounceTimer = null;
  const s = readSettings();
  if (!s) return; // a field is empty or half-typed
  if (s.data.kind === "csv" && !state.csv) {
    csvInfo("choose a CSV file to train on", "warn");
    writeHash(s);
    return;
  }
  if (!force && JSON.stringify(s) === lastSentJSON) return;
  sendConfigure(s);
}

function configureSoon() {
  clearTimeout(debounceTimer);
  debounceTimer = setTimeout(() => configureNow(false), DEBOUNCE_MS);
}

function sendConfigure(s) {
  state.settings = s;
  lastSentJSON = JSON.stringify(s);
  writeHash(s);
  if (send({ type: "configure", settings: s })) configuresInFlight++;
}

// ---------------------------------------------------------------------------------------------
// Settings ⇄ controls ⇄ URL

function kindInfo(kind) {
  const kinds = (state.hello && state.hello.kinds) || {};
  return kinds[kind] || { keys: [], defaults: {} };
}

/** A number input's value; undefined when empty or not a number (the user is still typing). */
function readNumber(input) {
  const raw = input.value.trim();
  if (raw === "") return undefined;
  const v = Number(raw);
  return Number.isFinite(v) ? v : undefined;
}

/** The settings the controls show, or null while one is empty. */
function readSettings() {
  if (!state.hello) return null;
  const base = state.settings || state.hello.defaults;
  const kind = $("kind").value;
  const info = kindInfo(kind);
  const data = { kind };
  for (const key of info.keys) {
    const input = $(key);
    let v;
    if (!input) v = base.data.kind === kind && key in base.data ? base.data[key] : info.defaults[key];
    else if (input.tagName === "SELECT") v = input.value;
    else v = readNumber(input);
    if (v === undefined) return null;
    data[key] = v;
  }
  data.test_fraction = readNumber($("test-fraction"));
  if ("shuffle" in base.data) data.shuffle = base.data.shuffle;
  const hidden = readHidden();
  const seed = readNumber($("seed"));
  const lr = readNumber($("lr"));
  const batch = readNumber($("batch"));
  if ([data.test_fraction, seed, lr, batch].includes(undefined) || hidden.includes(undefined)) return null;
  return {
    seed,
    data,
    model: { hidden, init: $("init").value },
    train: { ...extras(base.train, ["batch_size", "learning_rate", "epochs"]), batch_size: batch, learning_rate: lr },
    compare: { ...extras(base.compare, ["precision", "backend"]), precision: $("precision").value, backend: $("backend").value },
  };
}

/** The keys of `obj` the page has no control for (e.g. [train] shuffle from an imported config). */
function extras(obj, known) {
  const out = {};
  for (const [k, v] of Object.entries(obj || {})) if (!known.includes(k)) out[k] = v;
  return out;
}

/** Shows a settings object in the controls. `skipFocused` spares the field the user is typing in. */
function setControls(s, skipFocused) {
  const set = (input, v) => {
    if (!input || v === undefined || v === null) return;
    if (skipFocused && input === document.activeElement) return;
    input.value = String(v);
  };
  set($("kind"), s.data.kind);
  appliedKind = s.data.kind;
  for (const key of KIND_PARAMS) {
    const v = key in s.data ? s.data[key] : kindInfo(s.data.kind).defaults[key];
    set($(key), v);
  }
  set($("test-fraction"), s.data.test_fraction);
  set($("seed"), s.seed);
  if (s.model) {
    setHidden(s.model.hidden || [], skipFocused);
    set($("init"), s.model.init);
  }
  if (s.train) {
    set($("lr"), s.train.learning_rate);
    set($("batch"), s.train.batch_size);
  }
  if (s.compare) {
    set($("precision"), s.compare.precision);
    set($("backend"), s.compare.backend);
  }
  updateParamVisibility();
}

function updateParamVisibility() {
  const kind = $("kind").value;
  const keys = kindInfo(kind).keys;
  for (const label of document.querySelectorAll(".param")) label.hidden = !keys.includes(label.dataset.key);
  document.querySelector(".upload").classList.toggle("wanted", kind === "csv" && !state.csv);
}

/** The settings as `#kind=moons&samples=1000&…` (only the chosen kind's keys). */
function writeHash(s) {
  const keys = kindInfo(s.data.kind).keys;
  const pairs = [["kind", s.data.kind]];
  for (const k of keys) if (k in s.data) pairs.push([k, s.data[k]]);
  pairs.push(
    ["test_fraction", s.data.test_fraction], ["seed", s.seed],
    ["hidden", (s.model.hidden || []).join(",")], ["init", s.model.init],
    ["lr", s.train.learning_rate], ["batch", s.train.batch_size],
    ["precision", s.compare.precision], ["backend", s.compare.backend]);
  if (s.data.shuffle === false) pairs.push(["shuffle", false]);
  if (s.train.shuffle === false) pairs.push(["train_shuffle", false]);
  const hash = "#" + pairs
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v)).replace(/%2C/g, ",")}`)
    .join("&");
  if (location.hash === hash) return;
  try {
    history.replaceState(null, "", hash);
  } catch (e) {
    location.hash = hash; // file:// pages may refuse replaceState
  }
}

/** The URL's settings on top of `defaults`; keys the URL lacks keep the defaults. */
function settingsFromHash(defaults) {
  const p = new URLSearchParams(location.hash.replace(/^#/, ""));
  const s = clone(defaults);
  const num = (v) => (v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : v);
  const kind = p.get("kind");
  if (kind && kind !== s.data.kind) {
    s.data = { kind, test_fraction: s.data.test_fraction, ...clone(kindInfo(kind).defaults) };
  }
  for (const key of kindInfo(s.data.kind).keys) {
    if (p.has(key)) s.data[key] = key === "layout" ? p.get(key) : num(p.get(key));
  }
  if (p.has("test_fraction")) s.data.test_fraction = num(p.get("test_fraction"));
  if (p.get("shuffle") === "false") s.data.shuffle = false;
  if (p.has("seed")) s.seed = num(p.get("seed"));
  s.model = s.model || {};
  s.train = s.train || {};
  s.compare = s.compare || {};
  if (p.has("hidden")) {
    const h = p.get("hidden").trim();
    s.model.hidden = h === "" ? [] : h.split(",").map(num);
  }
  if (p.has("init")) s.model.init = p.get("init");
  if (p.has("lr")) s.train.learning_rate = num(p.get("lr"));
  if (p.has("batch")) s.train.batch_size = num(p.get("batch"));
  if (p.get("train_shuffle") === "false") s.train.shuffle = false;
  if (p.has("precision")) s.compare.precision = p.get("precision");
  if (p.has("backend")) s.compare.backend = p.get("backend");
  return s;
}

function applyLimits(limits) {
  if (!limits) return;
  $("samples").max = limits.max_samples;
  for (const input of document.querySelectorAll("#layers input.width")) input.max = limits.max_width;
}

// ---------------------------------------------------------------------------------------------
// Hidden layers: one column per layer in #layers, each with its width input and its unit maps.

function readHidden() {
  return [...$("layers").querySelectorAll("input.width")].map(readNumber);
}

function setHidden(widths, skipFocused) {
  const inputs = $("layers").querySelectorAll("input.width");
  if (inputs.length !== widths.length) {
    renderLayerColumns(widths);
    return;
  }
  inputs.forEach((input, i) => {
    if (!(skipFocused && input === document.activeElement)) input.value = String(widths[i]);
  });
}

function renderLayerColumns(widths) {
  const layers = $("layers");
  layers.textContent = "";
  const maxWidth = state.hello ? state.hello.limits.max_width : 512;
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
    input.max = String(maxWidth);
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
  updateLayerCount(widths.length);
  // Many layers: narrower columns (the width inputs stay; their +/- buttons go).
  $("network").classList.toggle("dense", widths.length >= 4);
  dirty.links = true;
  scheduleRender();
}

function updateLayerCount(n) {
  $("layer-count").textContent = String(n);
  $("net-title").lastChild.textContent = n === 1 ? " hidden layer" : " hidden layers";
  $("add-layer").disabled = state.hello ? n >= state.hello.limits.max_layers : false;
  $("remove-layer").disabled = n === 0;
}

function changeLayerCount(delta) {
  const widths = readHidden().map((w) => (w === undefined ? 1 : w));
  if (delta > 0) {
    if (state.hello && widths.length >= state.hello.limits.max_layers) return;
    widths.push(widths.length ? widths[widths.length - 1] : 4);
  } else {
    if (!widths.length) return;
    widths.pop();
  }
  renderLayerColumns(widths);
  configureNow();
}

function onLayersClick(ev) {
  const button = ev.target.closest("button[data-delta]");
  if (!button) return;
  const input = button.parentElement.querySelector("input.width");
  const maxWidth = state.hello ? state.hello.limits.max_width : 512;
  const current = readNumber(input) || 1;
  input.value = String(clamp(Math.round(current) + Number(button.dataset.delta), 1, maxWidth));
  configureNow();
}

// ---------------------------------------------------------------------------------------------
// Network view

/** Rebuilds the unit grids for `sizes` = [features, hidden…, classes]. */
function buildNetwork(sizes, classes) {
  unitCanvases.clear();
  const hidden = sizes.slice(1, -1);
  const total = hidden.reduce((a, b) => a + b, 0);
  const showUnits = hidden.length > 0 && total <= 64;

  buildInputs(sizes[0]);
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
      units.append(element("div", "bulk", `${n} units`));
    }
  });

  const outputs = $("outputs").querySelector(".units");
  outputs.textContent = "";
  setUnitRows(outputs, classes);
  outputCanvases = [];
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
      ? "each square: that unit's output after its ReLU over the plane (white 0, dark blue its largest)"
      : `${total} units: per-unit maps are shown for nets with at most 64 hidden units`;
  dirty.links = true;
}

function buildInputs(features) {
  const inputs = $("inputs").querySelector(".units");
  inputs.textContent = "";
  setUnitRows(inputs, features);
  const labels = state.ready && state.ready.plane ? [state.ready.plane.x_label, state.ready.plane.y_label] : [];
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

function paintRamp(cv, horizontal) {
  const n = 24;
  const bytes = new Uint8Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) bytes[r * n + c] = Math.round((255 * (horizontal ? c : r)) / (n - 1));
  }
  paintMap(cv, n, bytes);
}

/** Paints n×n bytes (rows from the bottom) with the unit colour map; CSS scales it up smoothly. */
function paintMap(cv, n, bytes) {
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
      img.data[o] = UNIT_LUT[v * 3];
      img.data[o + 1] = UNIT_LUT[v * 3 + 1];
      img.data[o + 2] = UNIT_LUT[v * 3 + 2];
      img.data[o + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
}

function drawNeurons() {
  const f = state.lastFrame;
  if (!f || !f.neurons) return;
  for (const u of f.neurons) {
    const cv = unitCanvases.get(`${u.layer}:${u.unit}`);
    if (cv) paintMap(cv, u.n, decodeBase64(u.values));
  }
}

/** Faint links between consecutive columns, drawn behind the units. */
function drawLinks() {
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

// ---------------------------------------------------------------------------------------------
// Texts: counters, numbers, agreement (cheap; updated on every message, not per animation frame)

function updateTexts() {
  const f = state.lastFrame;
  $("epoch-count").textContent = fmtInt(state.epoch);
  $("step-count").textContent = fmtInt(state.step);
  $("steps-per-second").textContent = f ? fmtInt(f.steps_per_second) : "0";
  updatePlayButton();
  updateLossAndAccuracy(f);
  updateAgreement(f);
}

function updatePlayButton() {
  const b = $("play");
  const running = state.running;
  b.dataset.state = running ? "running" : "paused";
  b.setAttribute("aria-label", running ? "Pause" : "Play");
  b.title = running ? "Pause" : "Play";
}

function updateLossAndAccuracy(f) {
  const e = state.epochs.length ? state.epochs[state.epochs.length - 1] : null;
  let burn = null;
  let manual = null;
  if (e) {
    burn = e.loss_burn;
    manual = e.loss_manual;
  } else if (f && f.last) {
    burn = f.last.loss_burn;
    manual = f.last.loss_manual;
  }
  setNumber($("loss-burn"), burn);
  setNumber($("loss-manual"), manual);
  setAccuracy($("train-acc"), e && e.train_acc_burn, e && e.train_acc_manual);
  setAccuracy($("test-acc"), e && e.test_acc_burn, e && e.test_acc_manual);
}

/** ~6 significant digits shown; the exact JSON number in data-value. */
function setNumber(el, x) {
  el.textContent = fmtSig(x, 6);
  if (x === null || x === undefined) el.removeAttribute("data-value");
  else el.dataset.value = String(x);
}

function setAccuracy(el, burn, manual) {
  el.textContent = fmtPct(burn);
  el.title = burn === null || burn === undefined ? "" : `burn ${fmtPct(burn)}, hand-written ${fmtPct(manual)}`;
}

function updateAgreement(f) {
  const verdict = $("verdict");
  verdict.textContent = state.verdict || "…";
  verdict.dataset.verdict = state.verdict || "";
  const last = f && f.last;
  const worst = f && f.worst;
  // A null err_bound in a step's report is a NaN (JSON has none).
  $("err-bound").textContent = last ? fmtSmall(last.err_bound === null ? NaN : last.err_bound) : "—";
  $("worst-err-bound").textContent = worst ? `${fmtSmall(worst.err_bound === null ? NaN : worst.err_bound)}${fmtAt(worst.at)}` : "—";
  $("ambiguous-units").textContent = last ? fmtInt(last.ambiguous_units) : "—";
  $("worst-ambiguous-units").textContent = worst ? fmtInt(worst.ambiguous_units) : "—";
  $("bit-identical").textContent = last ? yesNo(last.bit_identical) : "—";
  $("worst-bit-identical").textContent = worst ? yesNo(worst.bit_identical) : "—";
  $("grad-rel-err").textContent = last ? fmtSmall(last.grad_rel_err) : "—";
  $("worst-grad-rel-err").textContent = worst ? fmtSmall(worst.grad_rel_err) : "—";
  $("drift").textContent = last ? fmtSmall(last.drift) : "—";
  $("worst-drift").textContent = worst ? fmtSmall(worst.drift) : "—";
  const message = $("agreement-message");
  message.hidden = !(f && f.message);
  message.textContent = f && f.message ? f.message : "";
}

const yesNo = (b) => (b === null || b === undefined ? "—" : b ? "yes" : "no");

function fmtAt(at) {
  if (at === null || at === undefined || at === "") return "";
  return typeof at === "number" ? ` at step ${fmtInt(at)}` : ` at ${at}`;
}

// ---------------------------------------------------------------------------------------------
// Messages around the controls

function showError(text, fromServer) {
  $("error").textContent = text;
  $("error-bar").hidden = false;
  $("error-bar").dataset.source = fromServer ? "server" : "page";
}

function clearError() {
  state.error = null;
  $("error").textContent = "";
  $("error-bar").hidden = true;
}

function csvInfo(text, kind) {
  const p = $("csv-info");
  p.textContent = text;
  p.dataset.kind = kind || "";
}

function renderWarnings(warnings) {
  const ul = $("warnings");
  ul.textContent = "";
  for (const w of warnings) ul.append(element("li", "", w));
}

function buildLegend(classes) {
  const legend = $("legend");
  legend.textContent = "";
  for (let c = 0; c < classes; c++) {
    const item = element("span", "legend-item");
    const dot = element("i", "dot");
    dot.style.background = classColour(c);
    item.append(dot, document.createTextNode(`class ${c}`));
    legend.append(item);
  }
  const train = element("span", "legend-item muted");
  train.append(element("i", "dot train-dot"), document.createTextNode("train"));
  const test = element("span", "legend-item muted");
  test.append(element("i", "dot test-dot"), document.createTextNode("test (outlined)"));
  legend.append(train, test);
}

// ---------------------------------------------------------------------------------------------
// Drawing

/** Sizes a canvas's backing store for devicePixelRatio; returns a context in CSS pixels. */
function fitCanvas(cv, cssW, cssH) {
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
  return { ctx, w, h };
}

function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(render);
}

function render() {
  renderQueued = false;
  if (dirty.boundary) {
    dirty.boundary = false;
    drawBoundary();
  }
  if (dirty.neurons) {
    dirty.neurons = false;
    drawNeurons();
  }
  if (dirty.curves) {
    dirty.curves = false;
    drawLossChart();
    drawAccuracyChart();
  }
  if (dirty.agreement) {
    dirty.agreement = false;
    drawAgreementChart();
  }
  if (dirty.links) {
    dirty.links = false;
    drawLinks();
  }
}

/** The boundary raster as an n×n image: class colour toward white as confidence falls. */
function boundaryImage(b, classes) {
  const n = b.n;
  const cls = decodeBase64(b.class);
  const conf = decodeBase64(b.confidence);
  const differ = b.differ ? decodeBase64(b.differ) : null;
  const off = document.createElement("canvas");
  off.width = n;
  off.height = n;
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
  return { canvas: off, cls, conf, n };
}

/** The training and test points, drawn once per run, size and checkbox state. */
let pointsLayer = null;

function drawBoundary() {
  const cv = $("boundary");
  const { ctx, w, h } = fitCanvas(cv);
  ctx.clearRect(0, 0, w, h);
  const m = { l: 44, r: 10, t: 8, b: 40 };
  const size = Math.min(w - m.l - m.r, h - m.t - m.b);
  // A square plot, centred in the canvas's width.
  const box = { x: m.l + Math.floor((w - m.l - m.r - size) / 2), y: m.t, size };
  const ready = state.ready;
  const f = state.lastFrame;
  ctx.fillStyle = "#f3f4f6";
  ctx.fillRect(box.x, box.y, size, size);
  if (!ready) {
    ctx.fillStyle = "#888";
    ctx.font = "14px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.fillText("waiting for the server…", box.x + size / 2, box.y + size / 2);
    return;
  }
  let raster = null;
  if (f && f.boundary) {
    raster = boundaryImage(f.boundary, ready.classes);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "medium";
    ctx.drawImage(raster.canvas, box.x, box.y, size, size);
  }
  drawOutputUnits(raster, ready.classes);
  const caption = $("boundary-caption");
  const differ = f && f.boundary ? f.boundary.differ_count : 0;
  caption.textContent = `coloured by the burn twin; black cells: the hand-written twin predicts another class (${fmtInt(differ)} cell${differ === 1 ? "" : "s"})`;
  caption.classList.toggle("bad", differ > 0);

  const plane = ready.plane;
  const px = (x) => box.x + ((x - plane.x[0]) / (plane.x[1] - plane.x[0])) * size;
  const py = (y) => box.y + (1 - (y - plane.y[0]) / (plane.y[1] - plane.y[0])) * size;
  drawAxes(ctx, box, plane, px, py);
  const many = ready.train.length + ready.test.length > 3000;
  const radius = many ? 2.2 : 3.4;
  // The points change only with the run, the size or the test checkbox: drawn once into a
  // layer and copied onto every frame (a thousand arcs per frame cost more than the rest).
  const showTest = $("show-test").checked;
  const dpr = window.devicePixelRatio || 1;
  const key = `${w}x${h}@${dpr}/${showTest}`;
  if (!pointsLayer || pointsLayer.ready !== ready || pointsLayer.key !== key) {
    const layer = document.createElement("canvas");
    layer.width = cv.width;
    layer.height = cv.height;
    const lc = layer.getContext("2d");
    lc.setTransform(dpr, 0, 0, dpr, 0, 0);
    lc.beginPath();
    lc.rect(box.x, box.y, size, size);
    lc.clip();
    for (const [x, y, c] of ready.train) drawPoint(lc, px(x), py(y), radius, classColour(c), false);
    if (showTest) {
      for (const [x, y, c] of ready.test) drawPoint(lc, px(x), py(y), radius + 0.6, classColour(c), true);
    }
    pointsLayer = { ready, key, canvas: layer };
  }
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.drawImage(pointsLayer.canvas, 0, 0);
  ctx.restore();
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

/** Output units: where the burn twin predicts each class, in that class's colour. */
function drawOutputUnits(raster, classes) {
  if (!raster) return;
  const { cls, conf, n } = raster;
  outputCanvases.forEach((cv, c) => {
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

/** Round tick values covering [lo, hi], about `count` of them. */
function niceTicks(lo, hi, count) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((s) => s * mag).find((s) => s >= raw) || 10 * mag;
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return ticks;
}

/** Every point when few, else about MAX_CURVE_POINTS by stride (the last one always kept). */
function downsample(items) {
  const stride = Math.ceil(items.length / MAX_CURVE_POINTS);
  if (stride <= 1) return items;
  const out = [];
  for (let i = 0; i < items.length; i += stride) out.push(items[i]);
  if (out[out.length - 1] !== items[items.length - 1]) out.push(items[items.length - 1]);
  return out;
}

/**
 * A small line chart. cfg: { x: [lo, hi], y: [lo, hi], log, series: [{points, colour, dash}],
 * hLines: [{y, colour, label}], yFormat, empty }.
 */
function drawChart(cv, cfg) {
  const { ctx, w, h } = fitCanvas(cv);
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

function decadeTicks(lo, hi) {
  const a = Math.floor(Math.log10(lo));
  const b = Math.ceil(Math.log10(hi));
  const every = Math.max(1, Math.ceil((b - a) / 5));
  const ticks = [];
  for (let e = a; e <= b; e += every) ticks.push(10 ** e);
  return ticks;
}

/** Log range spanning the positive finite values, whole decades. */
function logRange(values, floor) {
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

function epochRange(points) {
  if (!points.length) return [0, 1];
  const lo = points[0].epoch;
  const hi = points[points.length - 1].epoch;
  return hi > lo ? [lo, hi] : [lo - 1, hi];
}

function drawLossChart() {
  // Epoch 0 is the initial parameters' training loss (from `ready`), as in compare's loss.png.
  const initial = state.ready && state.ready.initial
    ? [{ epoch: 0, loss_burn: state.ready.initial.loss_burn, loss_manual: state.ready.initial.loss_manual,
         test_loss_burn: null, test_loss_manual: null }]
    : [];
  const pts = downsample(state.epochs.length ? initial.concat(state.epochs) : []);
  const series = (key, colour, dash) => ({ colour, dash, points: pts.map((e) => [e.epoch, e[key]]) });
  const values = [];
  for (const e of pts) values.push(e.loss_burn, e.loss_manual, e.test_loss_burn, e.test_loss_manual);
  drawChart($("curves"), {
    x: epochRange(pts),
    y: logRange(values.filter((v) => v !== null && v !== undefined), 1e-12),
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

function drawAccuracyChart() {
  const pts = downsample(state.epochs);
  const series = (key, colour, dash) => ({ colour, dash, points: pts.map((e) => [e.epoch, e[key]]) });
  const values = [];
  for (const e of pts) values.push(e.train_acc_burn, e.test_acc_burn);
  const finite = values.filter((v) => Number.isFinite(v));
  const lo = finite.length ? Math.min(0.9, Math.floor(Math.min(...finite) * 10) / 10) : 0;
  drawChart($("accuracy-chart"), {
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

function drawAgreementChart() {
  const pts = downsample(state.agreement);
  const limit = state.ready ? state.ready.err_bound_limit : 4;
  const top = logRange([10, limit, ...pts.map((p) => p[1])], AGREEMENT_FLOOR)[1];
  const x = pts.length ? [pts.length > 1 ? pts[0][0] : 0, pts[pts.length - 1][0]] : [0, 1];
  drawChart($("agreement-chart"), {
    x,
    y: [AGREEMENT_FLOOR, top],
    log: true,
    xLabel: "step",
    yFormat: (t) => fmtSig(t, 2),
    hLines: [{ y: limit, colour: "#d0342c", label: `limit ${fmtSmall(limit)}` }],
    series: [{ colour: "#3d7a3d", width: 1.4, points: pts.map(([s, v]) => [s, clamp(v, AGREEMENT_FLOOR, top)]) }],
    empty: "no step yet",
  });
}

// ---------------------------------------------------------------------------------------------
// Files: CSV upload, config import, export download

async function onCsvFile(ev) {
  const input = ev.target;
  const file = input.files && input.files[0];
  if (!file) return;
  const max = state.hello ? state.hello.limits.max_upload_bytes : FALLBACK_UPLOAD_BYTES;
  if (file.size > max) {
    csvInfo(`${file.name} is ${(file.size / 1048576).toFixed(1)} MB: the server takes at most ${(max / 1048576).toFixed(0)} MB`, "bad");
    input.value = "";
    return;
  }
  const text = await file.text();
  input.value = ""; // the same file can be chosen again
  csvUpload = { name: file.name, text };
  csvInfo(`reading ${file.name}…`, "");
  send({ type: "csv", name: file.name, text });
}

async function onImportFile(ev) {
  const input = ev.target;
  const file = input.files && input.files[0];
  if (!file) return;
  const text = await file.text();
  input.value = "";
  pendingImport = true;
  if (send({ type: "import", toml: text })) configuresInFlight++;
  else pendingImport = false;
}

function download(name, blob) {
  const url = URL.createObjectURL(blob);
  const a = element("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function onExportClick() {
  exportRun()
    .then((msg) => {
      download(`${msg.name}.toml`, new Blob([msg.toml], { type: "application/toml" }));
      const bytes = decodeBase64(msg.safetensors);
      // A moment apart: some browsers drop the second of two simultaneous downloads.
      setTimeout(() => download(`${msg.name}.safetensors`, new Blob([bytes], { type: "application/octet-stream" })), 150);
    })
    .catch((e) => showError(`export: ${e.message}`, false));
}

function copyCommand() {
  const text = $("export-command").textContent;
  const done = () => {
    $("copy-command").textContent = "copied";
    setTimeout(() => { $("copy-command").textContent = "copy"; }, 1500);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, () => selectText($("export-command")));
  } else {
    selectText($("export-command"));
  }
}

function selectText(el) {
  const range = document.createRange();
  range.selectNodeContents(el);
  const sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
}

// ---------------------------------------------------------------------------------------------
// Wiring

function onKindChange() {
  const kind = $("kind").value;
  if (kind === appliedKind) return; // `input` and `change` both fire for one pick
  appliedKind = kind;
  // The new kind's own defaults (noise 0.1 for moons is not circles' 0.05); samples are kept.
  const info = kindInfo(kind);
  for (const key of info.keys) {
    if (key === "samples" && $("samples").value !== "") continue;
    if (key in info.defaults && $(key)) $(key).value = String(info.defaults[key]);
  }
  updateParamVisibility();
  configureNow();
}

function togglePlay() {
  send({ type: state.running ? "pause" : "play" });
}

function wire() {
  for (const id of SETTING_IDS) {
    const input = $(id);
    const typed = input.tagName === "INPUT";
    input.addEventListener("input", () => (typed ? configureSoon() : configureNow()));
    input.addEventListener("change", () => configureNow());
  }
  $("kind").addEventListener("input", onKindChange);
  $("kind").addEventListener("change", onKindChange);
  $("layers").addEventListener("input", (ev) => { if (ev.target.matches("input.width")) configureSoon(); });
  $("layers").addEventListener("change", (ev) => { if (ev.target.matches("input.width")) configureNow(); });
  $("layers").addEventListener("click", onLayersClick);
  $("add-layer").addEventListener("click", () => changeLayerCount(1));
  $("remove-layer").addEventListener("click", () => changeLayerCount(-1));
  $("regenerate").addEventListener("click", () => {
    $("seed").value = String(Math.floor(Math.random() * 1e6));
    configureNow();
  });

  $("play").addEventListener("click", togglePlay);
  $("step").addEventListener("click", () => send({ type: "step" }));
  $("epoch").addEventListener("click", () => send({ type: "epoch" }));
  $("reset").addEventListener("click", () => send({ type: "reset" }));

  $("csv-file").addEventListener("change", onCsvFile);
  $("import-file").addEventListener("change", onImportFile);
  $("export").addEventListener("click", onExportClick);
  $("copy-command").addEventListener("click", copyCommand);
  $("show-test").addEventListener("change", () => { dirty.boundary = true; scheduleRender(); });
  $("error-close").addEventListener("click", () => {
    $("error").textContent = "";
    $("error-bar").hidden = true;
  });
  $("reconnect").addEventListener("click", connect);

  document.addEventListener("keydown", (ev) => {
    if (ev.target.closest("input, select, textarea, button") || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === " ") {
      ev.preventDefault();
      togglePlay();
    } else if (ev.key === "s") {
      send({ type: "step" });
    }
  });
  window.addEventListener("resize", () => {
    Object.keys(dirty).forEach((k) => { dirty[k] = true; });
    scheduleRender();
  });
}

function boot() {
  wire();
  renderLayerColumns([16, 16]);
  updateParamVisibility(); // no kind's keys are known before the server's hello
  updateTexts();
  scheduleRender();
  connect();
}

boot();
