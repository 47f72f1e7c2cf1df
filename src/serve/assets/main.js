// mlp2d playground: the page of `mlp2d serve`, as plain ES modules (no library, no build step).
// This one holds the page's state and wires the controls, the server's messages and the drawing
// modules together. The contract with the server is src/serve/protocol.md.

import { createConnection } from "./connection.js";
import { $ } from "./dom.js";
import { explainStep, unitMapNote } from "./explain.js";
import { hideNotice, showProblems } from "./fields.js";
import { chosenCsv, chosenFile, copyCommand, downloadExport } from "./files.js";
import { renderLayerColumns, stepWidth, widthsWithLayers } from "./layers.js";
import { buildLegend } from "./legend.js";
import { buildNetwork } from "./network.js";
import { csvInfo, hideError, renderWarnings, showError } from "./notices.js";
import { fmtInt } from "./numbers.js";
import { CHOICE_IDS, applyChoice } from "./optimizer.js";
import { updateReadouts } from "./readouts.js";
import { createRenderer } from "./render.js";
import {
  SETTING_IDS, applyLimits, clone, controlOf, kindInfo, mergeSettings, readSettings, setControls, settingsFromHash,
  updateParamVisibility, valueAt, withDefault, writeHash,
} from "./settings.js";

const DEBOUNCE_MS = 300;
const MAX_AGREEMENT_POINTS = 3000; // kept for the live agreement chart
const FALLBACK_UPLOAD_BYTES = 10 * 1024 * 1024;
/** A link whose fallbacks are refused this often is dropped for the defaults. */
const MAX_LINK_RETRIES = 3;

// ---------------------------------------------------------------------------------------------
// State: one live object, also what the automated browser test reads (window.mlp2d.state).

const state = {
  connected: false,
  hello: null,
  ready: null,       // the last `ready` message
  settings: null,    // the settings of the run, as the server accepted them
  epoch: 0,
  step: 0,
  running: false,
  verdict: null,     // null until a step was judged
  lastFrame: null,
  epochs: [],        // every epoch's metrics since the last `ready`
  agreement: [],     // [step, window_err_bound] per frame that advanced
  error: null,       // the last server `error` message, cleared by `ready`
  problems: [],      // the settings not applied, as marked at their controls (fields.js)
  csv: null,         // the last `csv` reply
  lastExport: null,
};

window.mlp2d = { state, exportRun, configure: configureFrom };

const connection = createConnection({ onOpen, onMessage, onClose });
const renderer = createRenderer(state);
let helloSeen = false;
let csvUpload = null;          // {name, text}: sent again after a reconnect
let debounceTimer = null;
let lastSentJSON = null;
let appliedKind = null;        // the kind whose parameters the inputs show
// Requests whose reply (`ready` or `error`) has not come yet, oldest first: { type, settings,
// origin: "edit" | "link" | "reconnect", retries }. The server answers each, in order; only the
// newest one's answer is shown in the controls.
const inFlight = [];
const pendingExports = [];
// Settings not applied: the controls' empty or non-numeric fields (`local`), the keys the server
// refused in the last edit sent, with the value refused (`refused`), and a link's (`fromLink`).
const problems = { local: [], refused: [], fromLink: [] };

const limits = () => (state.hello ? state.hello.limits : null);
const showParams = () => updateParamVisibility(state.hello, !!state.csv);

/** Shows settings in the controls (see settings.js's setControls). */
function showSettings(s, skipFocused) {
  if (setControls(s, skipFocused, state.hello)) renderer.mark("links");
  appliedKind = s.data.kind;
  showParams();
}

/** Marks the problems at their controls and names them in the notice. */
function renderProblems() {
  const edits = [...problems.refused, ...problems.local];
  state.problems = edits.length ? edits : problems.fromLink;
  const lead = edits.length
    ? "Not applied; the run goes on with the settings it has:"
    : "Not taken from the link; these settings keep their defaults:";
  showProblems(state.problems, lead);
}

// ---------------------------------------------------------------------------------------------
// Connection and server → page

function onOpen() {
  state.connected = true;
  renderer.mark("boundary");
}

function onClose() {
  state.connected = false;
  inFlight.length = 0;
  state.running = false;
  while (pendingExports.length) pendingExports.shift().reject(new Error("the connection closed"));
  updateReadouts(state);
  renderer.mark("boundary");
}

/** Sends a message; false (and a note in the error bar) when not connected. */
function send(message) {
  if (connection.send(message)) return true;
  showError("not connected to the server: press reconnect", false);
  return false;
}

function onMessage(msg) {
  const handlers = { hello: onHello, ready: onReady, frame: onFrame, csv: onCsv, export: onExport, error: onError };
  const handler = handlers[msg.type];
  if (handler) handler(msg);
  else console.warn("mlp2d: unknown message type", msg.type);
}

// The backend menu holds the backends the server was built with (wgpu with `--features gpu`).
function offerBackends(names) {
  const menu = $("backend");
  if (!Array.isArray(names) || names.length === 0) return;
  const chosen = menu.value;
  menu.replaceChildren(...names.map((n) => new Option(n, n)));
  menu.value = names.includes(chosen) ? chosen : names[0];
}

function onHello(msg) {
  state.hello = msg;
  applyLimits(msg.limits);
  offerBackends(msg.backends);
  if (!helloSeen) {
    // First contact: the URL's settings (a shared link, a reload), else the server's defaults.
    helloSeen = true;
    applyLink(location.hash);
    return;
  }
  // A reconnect is a new session: upload the CSV again (its reply configures), else the run's
  // settings again.
  if (state.settings && state.settings.data.kind === "csv") {
    if (csvUpload) send({ type: "csv", name: csvUpload.name, text: csvUpload.text });
    else csvInfo("upload your CSV again: the server keeps no file between sessions", "warn");
  } else {
    sendConfigure(state.settings || clone(msg.defaults), "reconnect");
  }
}

/**
 * A link's settings (`hash`) become the run: what it holds that the page cannot take (not a
 * number, no such choice) and what the server then refuses keep their defaults, and are named.
 */
function applyLink(hash) {
  const { settings, problems: bad } = settingsFromHash(hash, state.hello.defaults, state.hello);
  problems.local = [];
  problems.refused = [];
  problems.fromLink = bad;
  showSettings(settings, false);
  renderProblems();
  if (settings.data.kind === "csv" && !state.csv) {
    csvInfo("upload your CSV: the server keeps no file between sessions", "warn");
    return;
  }
  sendConfigure(settings, "link");
}

/** The server refused a link's settings: the keys it names take their defaults, and go again. */
function retryLink(entry, msg) {
  const fields = msg.fields || [];
  let s = entry.settings;
  if (!fields.length || fields.some((f) => !f.key) || entry.retries >= MAX_LINK_RETRIES) {
    problems.fromLink.push({ key: "", id: null, message: `${msg.message} (the defaults run instead)` });
    s = clone(state.hello.defaults);
  } else {
    for (const f of fields) {
      problems.fromLink.push({ key: f.key, id: controlOf(f.key), message: `${f.message} (from the link)` });
      s = withDefault(s, f.key, state.hello);
    }
  }
  showSettings(s, false);
  renderProblems();
  sendConfigure(s, "link", entry.retries + 1);
}

/** The request a `ready` or `error` answers, and whether no newer one waits for its answer. */
function answered() {
  const entry = inFlight.shift() || null;
  return { entry, newest: inFlight.length === 0 };
}

function onReady(msg) {
  const { entry, newest } = answered();
  state.ready = msg;
  state.lastFrame = null;
  state.epochs = [];
  state.agreement = [];
  state.epoch = 0;
  state.step = 0;
  state.verdict = null;
  state.error = null;
  hideError();
  if (newest) {
    state.settings = clone(msg.settings);
    showSettings(msg.settings, true);
    // The URL holds what runs, and only that.
    writeHash(msg.settings, state.hello);
    problems.local = [];
    problems.refused = [];
    if (!entry || entry.origin !== "link") problems.fromLink = [];
    renderProblems();
  }
  renderWarnings(msg.warnings || []);
  const note = unitMapNote(msg.settings.model.activation, msg.signed_units);
  renderer.setUnitCanvases(buildNetwork(msg.sizes, msg.classes, msg.plane, note));
  explainStep(msg.settings);
  buildLegend(msg.classes);
  updateReadouts(state);
  renderer.mark();
}

function onFrame(f) {
  state.lastFrame = f;
  state.epoch = f.epoch;
  state.step = f.step;
  state.running = !!f.running;
  state.verdict = f.verdict;
  if (Array.isArray(f.epochs) && f.epochs.length) {
    state.epochs.push(...f.epochs);
    renderer.mark("curves");
  }
  if (f.diverged) renderer.mark("curves");
  recordAgreement(f);
  if (f.boundary) renderer.mark("boundary");
  if (f.neurons) renderer.mark("neurons");
  updateReadouts(state);
}

/** One point per frame that advanced: the worst err_bound over the steps since the last one. */
function recordAgreement(f) {
  const a = state.agreement;
  const last = a.length ? a[a.length - 1][0] : 0;
  if (f.step <= last || f.window_err_bound === undefined) return;
  // null is a NaN err_bound (JSON has no NaN): drawn at the top of the chart.
  a.push([f.step, f.window_err_bound === null ? Infinity : f.window_err_bound]);
  if (a.length > MAX_AGREEMENT_POINTS) a.splice(0, a.length - MAX_AGREEMENT_POINTS);
  renderer.mark("agreement");
}

function onCsv(msg) {
  state.csv = msg;
  csvInfo(`${msg.name}: ${fmtInt(msg.rows)} rows × ${msg.features} features, ${msg.classes} classes`, "ok");
  $("kind").value = "csv";
  appliedKind = "csv";
  showParams();
  configureNow(true);
}

function onExport(msg) {
  state.lastExport = msg;
  $("export-command").textContent = `mlp2d compare --config ${msg.name}.toml`;
  const waiting = pendingExports.shift();
  if (waiting) waiting.resolve(msg);
}

function onError(msg) {
  const settingsReply = ["configure", "import", "reset"].includes(msg.reply_to);
  const { entry, newest } = settingsReply ? answered() : { entry: null, newest: false };
  if (msg.reply_to === "export") {
    const waiting = pendingExports.shift();
    if (waiting) waiting.reject(new Error(msg.message));
  }
  if (entry && entry.type === "configure") {
    if (!newest) return; // a newer request supersedes it
    if (entry.origin === "link") {
      retryLink(entry, msg);
      return;
    }
    // An edit the server refused: the run goes on; each key is marked until its value changes.
    problems.refused = (msg.fields && msg.fields.length ? msg.fields : [{ key: "", message: msg.message }])
      .map((f) => ({ key: f.key, id: f.key ? controlOf(f.key) : null, message: f.message,
        value: f.key ? JSON.stringify(valueAt(entry.settings, f.key)) : null }));
    renderProblems();
    return;
  }
  state.error = msg.message;
  showError(msg.message, true);
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
  const base = state.settings || clone(state.hello.defaults);
  const merged = mergeSettings(base, partial || {}, state.hello);
  showSettings(merged, false);
  sendConfigure(merged, "edit");
  return merged;
}

/**
 * Starts a new run from the controls, unless a field is empty or not a number (then the run goes
 * on, and the field says so). Unless forced, skips settings equal to the last sent.
 */
function configureNow(force = false) {
  clearTimeout(debounceTimer);
  debounceTimer = null;
  if (!state.hello) return;
  const { settings: s, problems: local } = readSettings(state.hello, state.settings);
  problems.local = local;
  problems.fromLink = [];
  // A refused key stays marked while it holds the value refused.
  problems.refused = problems.refused.filter((r) => r.key
    && !local.some((p) => p.key === r.key) && JSON.stringify(valueAt(s, r.key)) === r.value);
  renderProblems();
  if (local.length) return;
  if (s.data.kind === "csv" && !state.csv) {
    csvInfo("choose a CSV file to train on", "warn");
    return;
  }
  if (!force && JSON.stringify(s) === lastSentJSON) return;
  sendConfigure(s, "edit");
}

function configureSoon() {
  clearTimeout(debounceTimer);
  debounceTimer = setTimeout(() => configureNow(false), DEBOUNCE_MS);
}

function sendConfigure(s, origin, retries = 0) {
  lastSentJSON = JSON.stringify(s);
  if (send({ type: "configure", settings: s })) inFlight.push({ type: "configure", settings: s, origin, retries });
}

async function onCsvFile(ev) {
  const max = state.hello ? state.hello.limits.max_upload_bytes : FALLBACK_UPLOAD_BYTES;
  const csv = await chosenCsv(ev.target, max);
  if (!csv) return;
  csvUpload = csv;
  csvInfo(`reading ${csv.name}…`, "");
  send({ type: "csv", name: csv.name, text: csv.text });
}

async function onImportFile(ev) {
  const file = await chosenFile(ev.target);
  if (!file) return;
  if (send({ type: "import", toml: file.text })) inFlight.push({ type: "import", settings: null, origin: "edit" });
}

function onExportClick() {
  exportRun()
    .then(downloadExport)
    .catch((e) => showError(`export: ${e.message}`, false));
}

// ---------------------------------------------------------------------------------------------
// Wiring

function onKindChange() {
  const kind = $("kind").value;
  if (kind === appliedKind) return; // `input` and `change` both fire for one pick
  appliedKind = kind;
  // The new kind's own defaults (noise 0.1 for moons is not circles' 0.05); samples are kept.
  const info = kindInfo(state.hello, kind);
  for (const key of info.keys) {
    if (key === "samples" && $("samples").value !== "") continue;
    if (key in info.defaults && $(key)) $(key).value = String(info.defaults[key]);
  }
  showParams();
  configureNow();
}

function changeLayerCount(delta) {
  const widths = widthsWithLayers(delta, limits());
  if (!widths) return;
  renderLayerColumns(widths, limits());
  renderer.mark("links");
  configureNow();
}

function togglePlay() {
  send({ type: state.running ? "pause" : "play" });
}

function wire() {
  // First (listeners run in order): a new activation or optimizer fills its inputs' defaults.
  for (const id of CHOICE_IDS) {
    for (const type of ["input", "change"]) $(id).addEventListener(type, () => applyChoice(state.hello));
  }
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
  $("layers").addEventListener("click", (ev) => { if (stepWidth(ev, limits())) configureNow(); });
  $("add-layer").addEventListener("click", () => changeLayerCount(1));
  $("remove-layer").addEventListener("click", () => changeLayerCount(-1));
  $("regenerate").addEventListener("click", () => {
    $("seed").value = String(Math.floor(Math.random() * 1e6));
    configureNow();
  });

  $("play").addEventListener("click", togglePlay);
  $("step").addEventListener("click", () => send({ type: "step" }));
  $("epoch").addEventListener("click", () => send({ type: "epoch" }));
  $("reset").addEventListener("click", () => {
    if (send({ type: "reset" })) inFlight.push({ type: "reset", settings: state.settings, origin: "edit" });
  });

  $("csv-file").addEventListener("change", onCsvFile);
  $("import-file").addEventListener("change", onImportFile);
  $("export").addEventListener("click", onExportClick);
  $("copy-command").addEventListener("click", copyCommand);
  $("show-test").addEventListener("change", () => renderer.mark("boundary"));
  $("error-close").addEventListener("click", hideError);
  $("settings-notice-close").addEventListener("click", hideNotice);
  // A link pasted into this tab changes only the part after `#`: it is applied as on a load.
  // (The page's own writes use replaceState, which fires no hashchange.)
  window.addEventListener("hashchange", () => {
    if (state.hello) applyLink(location.hash);
  });
  $("reconnect").addEventListener("click", connection.connect);

  document.addEventListener("keydown", (ev) => {
    if (ev.target.closest("input, select, textarea, button") || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === " ") {
      ev.preventDefault();
      togglePlay();
    } else if (ev.key === "s") {
      send({ type: "step" });
    }
  });
  window.addEventListener("resize", () => renderer.mark());
}

function boot() {
  wire();
  renderLayerColumns([16, 16], limits());
  showParams(); // no kind's keys are known before the server's hello
  updateReadouts(state);
  renderer.mark();
  connection.connect();
}

boot();
