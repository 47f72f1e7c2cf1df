// Settings ⇄ controls ⇄ URL: the run's settings (a config's sections as JSON) read from and shown
// in the controls, written to and read from the page's URL (#kind=moons&…), and merged. `hello`
// is the server's hello (each data kind's keys and defaults, the limits), or null before it.

import { $, readNumber } from "./dom.js";
import { readHidden, setHidden } from "./layers.js";
import {
  CHOICE_IDS, TRAIN_KEYS, choicePairs, choicesFromHash, fitChoices, mergeChoices, readChoices, setChoices,
} from "./optimizer.js";

/** Per-kind data keys that have a control (its id is the key itself). */
export const KIND_PARAMS = ["samples", "noise", "factor", "centers", "cluster_std", "classes", "rows", "cols", "layout"];
/** Every control whose change starts a new run. */
export const SETTING_IDS = [
  ...KIND_PARAMS, "test-fraction", "seed", "init", "lr", "batch", "precision", "backend", ...CHOICE_IDS,
];

export const clone = (v) => (v == null ? v : JSON.parse(JSON.stringify(v)));

export function kindInfo(hello, kind) {
  const kinds = (hello && hello.kinds) || {};
  return kinds[kind] || { keys: [], defaults: {} };
}

/** The settings the controls show, or null while one is empty. `current`: the last sent. */
export function readSettings(hello, current) {
  if (!hello) return null;
  const base = current || hello.defaults;
  const kind = $("kind").value;
  const info = kindInfo(hello, kind);
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
  const choices = readChoices(hello);
  if ([data.test_fraction, seed, lr, batch].includes(undefined) || hidden.includes(undefined) || !choices) return null;
  const known = ["batch_size", "learning_rate", "epochs", "optimizer", ...TRAIN_KEYS];
  return {
    seed,
    data,
    model: { hidden, init: $("init").value, ...choices.model },
    train: { ...extras(base.train, known), batch_size: batch, learning_rate: lr, ...choices.train },
    compare: { ...extras(base.compare, ["precision", "backend"]), precision: $("precision").value, backend: $("backend").value },
  };
}

/** The keys of `obj` the page has no control for (e.g. [train] shuffle from an imported config). */
function extras(obj, known) {
  const out = {};
  for (const [k, v] of Object.entries(obj || {})) if (!known.includes(k)) out[k] = v;
  return out;
}

/**
 * Shows a settings object in the controls. `skipFocused` spares the field the user is typing in.
 * True when the hidden-layer columns were rebuilt.
 */
export function setControls(s, skipFocused, hello) {
  const set = (input, v) => {
    if (!input || v === undefined || v === null) return;
    if (skipFocused && input === document.activeElement) return;
    input.value = String(v);
  };
  let rebuilt = false;
  set($("kind"), s.data.kind);
  for (const key of KIND_PARAMS) {
    const v = key in s.data ? s.data[key] : kindInfo(hello, s.data.kind).defaults[key];
    set($(key), v);
  }
  set($("test-fraction"), s.data.test_fraction);
  set($("seed"), s.seed);
  if (s.model) {
    rebuilt = setHidden(s.model.hidden || [], skipFocused, hello && hello.limits);
    set($("init"), s.model.init);
  }
  setChoices({ model: s.model || {}, train: s.train || {} }, hello, skipFocused);
  if (s.train) {
    set($("lr"), s.train.learning_rate);
    set($("batch"), s.train.batch_size);
  }
  if (s.compare) {
    set($("precision"), s.compare.precision);
    set($("backend"), s.compare.backend);
  }
  return rebuilt;
}

/** Shows the chosen kind's parameters only; the upload is wanted for a CSV not yet loaded. */
export function updateParamVisibility(hello, csvLoaded) {
  const kind = $("kind").value;
  const keys = kindInfo(hello, kind).keys;
  for (const label of document.querySelectorAll(".param")) label.hidden = !keys.includes(label.dataset.key);
  document.querySelector(".upload").classList.toggle("wanted", kind === "csv" && !csvLoaded);
}

export function applyLimits(limits) {
  if (!limits) return;
  $("samples").max = limits.max_samples;
  for (const input of document.querySelectorAll("#layers input.width")) input.max = limits.max_width;
}

/**
 * `patch` over `base`, section by section; another data kind brings its own defaults, and so do
 * another activation and optimizer (optimizer.js).
 */
export function mergeSettings(base, patch, hello) {
  const out = clone(base);
  if ("seed" in patch) out.seed = patch.seed;
  for (const section of ["data", "model", "train", "compare"]) {
    if (!patch[section]) continue;
    if (section === "data" && patch.data.kind && patch.data.kind !== base.data.kind) {
      // Another kind: its own keys with its defaults, the shared keys kept.
      const shared = { test_fraction: base.data.test_fraction };
      if ("shuffle" in base.data) shared.shuffle = base.data.shuffle;
      out.data = { ...shared, ...clone(kindInfo(hello, patch.data.kind).defaults), ...patch.data };
    } else if (section === "model" || section === "train") {
      out[section] = mergeChoices(out, patch)[section];
    } else {
      out[section] = { ...(out[section] || {}), ...patch[section] };
    }
  }
  return fitChoices(out, hello);
}

/** The settings as `#kind=moons&samples=1000&…` (only the chosen kind's keys). */
export function writeHash(s, hello) {
  const keys = kindInfo(hello, s.data.kind).keys;
  const pairs = [["kind", s.data.kind]];
  for (const k of keys) if (k in s.data) pairs.push([k, s.data[k]]);
  pairs.push(
    ["test_fraction", s.data.test_fraction], ["seed", s.seed],
    ["hidden", (s.model.hidden || []).join(",")], ["init", s.model.init],
    ["lr", s.train.learning_rate], ["batch", s.train.batch_size],
    ...choicePairs(s),
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
export function settingsFromHash(defaults, hello) {
  const p = new URLSearchParams(location.hash.replace(/^#/, ""));
  const s = clone(defaults);
  const num = (v) => (v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : v);
  const kind = p.get("kind");
  if (kind && kind !== s.data.kind) {
    s.data = { kind, test_fraction: s.data.test_fraction, ...clone(kindInfo(hello, kind).defaults) };
  }
  for (const key of kindInfo(hello, s.data.kind).keys) {
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
  return choicesFromHash(s, p, hello);
}
