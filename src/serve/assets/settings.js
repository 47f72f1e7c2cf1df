// Settings ⇄ controls ⇄ URL: the run's settings (a config's sections as JSON) read from and shown
// in the controls, written to and read from the page's URL (#kind=moons&…), and merged. `hello`
// is the server's hello (each data kind's keys and defaults, the limits), or null before it.
// A problem is { key: "train.learning_rate" (a settings key, "" for none), id: its control's
// id or null, message }.

import { $, readField } from "./dom.js";
import { readHiddenField, setHidden } from "./layers.js";
import {
  CHOICE_IDS, CONTROL, MODEL_KEYS, TRAIN_KEYS, choiceDefault, choicePairs, choicesFromHash, fitChoices,
  mergeChoices, readChoices, setChoices,
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

/** A settings key (`data.noise`, `seed`) → the id of its control, or null when it has none. */
export function controlOf(key) {
  const [section, name] = key.includes(".") ? key.split(".") : ["", key];
  const ids = {
    "": { seed: "seed" },
    data: { kind: "kind", test_fraction: "test-fraction", ...Object.fromEntries(KIND_PARAMS.map((k) => [k, k])) },
    model: { hidden: "layers", init: "init", activation: "activation", negative_slope: CONTROL.negative_slope },
    train: { learning_rate: "lr", batch_size: "batch", optimizer: "optimizer", ...CONTROL },
    compare: { precision: "precision", backend: "backend" },
  };
  return (ids[section] && Object.hasOwn(ids[section], name) && ids[section][name]) || null;
}

/**
 * The settings the controls show and their `problems` (fields empty or not a number); the
 * settings are only to send when there are none. `current`: the run's, for keys without a control.
 */
export function readSettings(hello, current) {
  const base = current || hello.defaults;
  const problems = [];
  const number = (key, id) => {
    const { value, problem } = readField($(id));
    if (problem) problems.push({ key, id, message: problem });
    return value;
  };
  const kind = $("kind").value;
  const info = kindInfo(hello, kind);
  const data = { kind };
  for (const key of info.keys) {
    const input = $(key);
    if (!input) data[key] = base.data.kind === kind && key in base.data ? base.data[key] : info.defaults[key];
    else if (input.tagName === "SELECT") data[key] = input.value;
    else data[key] = number(`data.${key}`, key);
  }
  data.test_fraction = number("data.test_fraction", "test-fraction");
  if ("shuffle" in base.data) data.shuffle = base.data.shuffle;
  const seed = number("seed", "seed");
  const hidden = readHiddenField();
  if (hidden.problem) problems.push({ key: "model.hidden", id: "layers", message: hidden.problem });
  const lr = number("train.learning_rate", "lr");
  const batch = number("train.batch_size", "batch");
  const choices = readChoices(hello);
  problems.push(...choices.problems);
  const known = ["batch_size", "learning_rate", "epochs", "stop_at_step", "optimizer", ...TRAIN_KEYS];
  const settings = {
    seed,
    data,
    model: { hidden: hidden.widths, init: $("init").value, ...choices.model },
    train: { ...extras(base.train, known), batch_size: batch, learning_rate: lr, ...choices.train },
    compare: { ...extras(base.compare, ["precision", "backend"]), precision: $("precision").value, backend: $("backend").value },
  };
  return { settings, problems };
}

/** The value of settings key `key` (`section.name` or a top-level name) in `s`. */
export function valueAt(s, key) {
  const [section, name] = key.includes(".") ? key.split(".") : ["", key];
  const table = section ? s[section] : s;
  return table && Object.hasOwn(table, name) ? table[name] : undefined;
}

/**
 * `s` with `key` at its default where `s` stands (its kind's, activation's or optimizer's own,
 * else the server's first run's), or without it where none applies.
 */
export function withDefault(s, key, hello) {
  const out = clone(s);
  const [section, name] = key.includes(".") ? key.split(".") : ["", key];
  const table = section ? (out[section] = out[section] || {}) : out;
  let v;
  if (section === "data" && name !== "kind" && name !== "test_fraction") v = kindInfo(hello, out.data.kind).defaults[name];
  else if ((section === "model" && MODEL_KEYS.includes(name)) || (section === "train" && TRAIN_KEYS.includes(name))) {
    v = choiceDefault(out, section, name, hello);
  } else v = valueAt(hello.defaults, key);
  if (v === undefined) delete table[name];
  else table[name] = clone(v);
  return out;
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

/** The link's name of each setting (writeHash's), and the settings key it stands for. */
const LINK_KEYS = {
  test_fraction: "data.test_fraction", shuffle: "data.shuffle", seed: "seed", hidden: "model.hidden",
  init: "model.init", lr: "train.learning_rate", batch: "train.batch_size", train_shuffle: "train.shuffle",
  precision: "compare.precision", backend: "compare.backend", kind: "data.kind", activation: "model.activation",
  optimizer: "train.optimizer",
  ...Object.fromEntries(KIND_PARAMS.map((k) => [k, `data.${k}`])),
  ...Object.fromEntries(MODEL_KEYS.map((k) => [k, `model.${k}`])),
  ...Object.fromEntries(TRAIN_KEYS.map((k) => [k, `train.${k}`])),
};

/** The values a select offers. */
const optionsOf = (id) => [...$(id).options].map((o) => o.value);

/**
 * A link's settings (`hash`, as writeHash writes them) on top of `defaults`, and its `problems`:
 * a value that is not a number, not one the control offers or not a setting at all keeps the
 * default and is named. Ranges are the server's to check.
 */
export function settingsFromHash(hash, defaults, hello) {
  const p = new URLSearchParams(hash.replace(/^#/, ""));
  const problems = [];
  const bad = (name, text, id) => problems.push({
    key: LINK_KEYS[name] || "", id: id || null, message: `the link's ${name}=${p.get(name)} ${text}`,
  });
  for (const name of new Set(p.keys())) if (!LINK_KEYS[name]) bad(name, "is not a setting");
  /** The link's value of `name`: a "number", a "bool", a "choice" of select `id`, or "text". */
  const take = (name, kind, id) => {
    if (!p.has(name)) return undefined;
    const raw = p.get(name);
    if (kind === "number") {
      const v = Number(raw);
      if (raw.trim() !== "" && Number.isFinite(v)) return v;
      bad(name, "is not a number", id);
    } else if (kind === "bool") {
      if (raw === "true" || raw === "false") return raw === "true";
      bad(name, "is neither true nor false", id);
    } else if (kind === "choice") {
      const offered = optionsOf(id);
      if (offered.includes(raw)) return raw;
      bad(name, `is not one of ${offered.join(", ")}`, id);
    } else return raw;
    return undefined;
  };
  const s = clone(defaults);
  const kind = take("kind", "choice", "kind");
  if (kind !== undefined && kind !== s.data.kind) {
    s.data = { kind, test_fraction: s.data.test_fraction, ...clone(kindInfo(hello, kind).defaults) };
  }
  for (const key of KIND_PARAMS) {
    const isKey = kindInfo(hello, s.data.kind).keys.includes(key);
    const v = take(key, key === "layout" ? "choice" : "number", key);
    if (v !== undefined && isKey) s.data[key] = v;
    else if (v !== undefined) bad(key, `does not apply to kind ${s.data.kind}`, key);
  }
  const set = (name, kind, id, apply) => {
    const v = take(name, kind, id);
    if (v !== undefined) apply(v);
  };
  set("test_fraction", "number", "test-fraction", (v) => { s.data.test_fraction = v; });
  set("shuffle", "bool", null, (v) => { if (!v) s.data.shuffle = false; });
  set("seed", "number", "seed", (v) => { s.seed = v; });
  s.model = s.model || {};
  s.train = s.train || {};
  s.compare = s.compare || {};
  set("hidden", "text", "layers", (h) => {
    const widths = h.trim() === "" ? [] : h.split(",").map((w) => Number(w));
    if (widths.every((w) => Number.isFinite(w))) s.model.hidden = widths;
    else bad("hidden", "is not a list of layer widths (such as 16,16)", "layers");
  });
  set("init", "choice", "init", (v) => { s.model.init = v; });
  set("lr", "number", "lr", (v) => { s.train.learning_rate = v; });
  set("batch", "number", "batch", (v) => { s.train.batch_size = v; });
  set("train_shuffle", "bool", null, (v) => { if (!v) s.train.shuffle = false; });
  set("precision", "choice", "precision", (v) => { s.compare.precision = v; });
  set("backend", "choice", "backend", (v) => { s.compare.backend = v; });
  return { settings: choicesFromHash(s, take, hello), problems };
}
