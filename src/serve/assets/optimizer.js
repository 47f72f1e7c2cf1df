// The activation and optimizer controls: which of their inputs apply, their values as settings,
// their pairs in the URL. The optimizers and their settings' inputs are built from the server's
// table (/optimizers.js, from src/config/optimizer.rs); `hello.activations` and
// `hello.optimizers` give each choice's keys and defaults (sgd's `with_momentum` keys apply only
// with momentum > 0); a key that does not apply is never sent: the server refuses it.

import { $, element, readField, readNumber } from "./dom.js";
import { OPTIMIZERS, SETTINGS } from "./optimizers.js";

/** [model] and [train] keys → their control's id (`weight_decay` → `weight-decay`). */
export const MODEL_KEYS = ["negative_slope"];
export const TRAIN_KEYS = SETTINGS.map((s) => s.key);
export const CONTROL = Object.fromEntries([...MODEL_KEYS, ...TRAIN_KEYS].map((k) => [k, k.replaceAll("_", "-")]));
/** Every control of this row (each change starts a new run). */
export const CHOICE_IDS = ["activation", "optimizer", ...Object.values(CONTROL)];

/** The optimizer's options and one input per setting, after the optimizer's select. */
function buildOptimizerControls() {
  const select = $("optimizer");
  for (const o of OPTIMIZERS) {
    const option = element("option", "", o.label);
    option.value = o.name;
    select.append(option);
  }
  let after = select.closest("label");
  for (const s of SETTINGS) {
    const checkbox = s.input.type === "checkbox";
    const label = element("label", checkbox ? "choice check-field" : "choice", `${s.label} `);
    label.dataset.key = s.key;
    label.title = s.help;
    const input = element("input");
    input.id = CONTROL[s.key];
    input.type = s.input.type;
    if (!checkbox) {
      input.min = String(s.input.min);
      if (s.input.max !== null) input.max = String(s.input.max);
      input.step = "any";
    }
    label.append(input);
    after.after(label);
    after = label;
  }
}
buildOptimizerControls();

const NONE = { keys: [], with_momentum: [], defaults: {} };
const activationInfo = (hello, a) => (hello && hello.activations && hello.activations[a]) || NONE;
const optimizerInfo = (hello, o) => (hello && hello.optimizers && hello.optimizers[o]) || NONE;

/** The [model] keys of activation `a`. */
const modelKeys = (hello, a) => activationInfo(hello, a).keys;

/** The [train] keys of optimizer `o` with this momentum. */
function trainKeys(hello, o, momentum) {
  const info = optimizerInfo(hello, o);
  return info.keys.filter((k) => !(info.with_momentum || []).includes(k) || momentum > 0);
}

/**
 * `s` with the chosen activation's and optimizer's keys only: the ones it has, the others at
 * their defaults; keys that do not apply are dropped.
 */
export function fitChoices(s, hello) {
  const model = { ...s.model, activation: (s.model && s.model.activation) || "relu" };
  const a = activationInfo(hello, model.activation);
  for (const k of MODEL_KEYS) {
    if (!a.keys.includes(k)) delete model[k];
    else if (!(k in model)) model[k] = a.defaults[k];
  }
  const train = { ...s.train, optimizer: (s.train && s.train.optimizer) || "sgd" };
  const o = optimizerInfo(hello, train.optimizer);
  const momentum = "momentum" in train ? train.momentum : o.defaults.momentum;
  const keys = trainKeys(hello, train.optimizer, momentum);
  for (const k of TRAIN_KEYS) {
    if (!keys.includes(k)) delete train[k];
    else if (!(k in train)) train[k] = o.defaults[k];
  }
  return { ...s, model, train };
}

/**
 * `patch`'s model and train over `base`'s; another activation or optimizer does not inherit
 * the old one's values (adamw's weight decay is not sgd's).
 */
export function mergeChoices(base, patch) {
  const model = { ...(base.model || {}) };
  const train = { ...(base.train || {}) };
  const p = patch.model || {};
  const q = patch.train || {};
  if (p.activation && p.activation !== model.activation) for (const k of MODEL_KEYS) delete model[k];
  if (q.optimizer && q.optimizer !== train.optimizer) for (const k of TRAIN_KEYS) delete train[k];
  return { model: { ...model, ...p }, train: { ...train, ...q } };
}

/**
 * The controls' { model, train } parts, and `problems`: [{ key, id, message }] for each input
 * that applies and is empty or not a number.
 */
export function readChoices(hello) {
  const problems = [];
  const read = (section, out, k) => {
    const input = $(CONTROL[k]);
    if (input.type === "checkbox") {
      out[k] = input.checked;
      return;
    }
    const { value, problem } = readField(input);
    if (problem) problems.push({ key: `${section}.${k}`, id: CONTROL[k], message: problem });
    else out[k] = value;
  };
  const model = { activation: $("activation").value };
  for (const k of modelKeys(hello, model.activation)) read("model", model, k);
  const train = { optimizer: $("optimizer").value };
  for (const k of trainKeys(hello, train.optimizer, readNumber($("momentum")))) read("train", train, k);
  return { model, train, problems };
}

// The choices the inputs were last filled for: a new pick fills its own defaults, once.
const shown = { activation: null, optimizer: null };

function setValue(key, v, skipFocused) {
  const input = $(CONTROL[key]);
  if (v === undefined || v === null || (skipFocused && input === document.activeElement)) return;
  if (input.type === "checkbox") input.checked = !!v;
  else input.value = String(v);
}

/** Shows the settings' activation and optimizer; their keys it lacks show their defaults. */
export function setChoices(s, hello, skipFocused) {
  const activation = (s.model && s.model.activation) || "relu";
  const optimizer = (s.train && s.train.optimizer) || "sgd";
  $("activation").value = activation;
  $("optimizer").value = optimizer;
  const a = activationInfo(hello, activation);
  for (const k of a.keys) setValue(k, k in s.model ? s.model[k] : a.defaults[k], skipFocused);
  const o = optimizerInfo(hello, optimizer);
  for (const k of o.keys) setValue(k, s.train && k in s.train ? s.train[k] : o.defaults[k], skipFocused);
  shown.activation = activation;
  shown.optimizer = optimizer;
  updateChoiceVisibility(hello);
}

/** After a change in the row: a new pick's inputs at its defaults; the inputs that apply shown. */
export function applyChoice(hello) {
  const activation = $("activation").value;
  const optimizer = $("optimizer").value;
  if (activation !== shown.activation) {
    const a = activationInfo(hello, activation);
    for (const k of a.keys) setValue(k, a.defaults[k], false);
    shown.activation = activation;
  }
  if (optimizer !== shown.optimizer) {
    const o = optimizerInfo(hello, optimizer);
    for (const k of o.keys) setValue(k, o.defaults[k], false);
    shown.optimizer = optimizer;
  }
  updateChoiceVisibility(hello);
}

function updateChoiceVisibility(hello) {
  const keys = [
    ...modelKeys(hello, $("activation").value),
    ...trainKeys(hello, $("optimizer").value, readNumber($("momentum"))),
  ];
  for (const label of document.querySelectorAll(".choices .choice")) label.hidden = !keys.includes(label.dataset.key);
}

/** The URL's pairs: the activation and optimizer with the keys the settings have. */
export function choicePairs(s) {
  const pairs = [["activation", s.model.activation]];
  for (const k of MODEL_KEYS) if (k in s.model) pairs.push([k, s.model[k]]);
  pairs.push(["optimizer", s.train.optimizer]);
  for (const k of TRAIN_KEYS) if (k in s.train) pairs.push([k, s.train[k]]);
  return pairs;
}

/**
 * `s` with a link's activation, optimizer and their keys. `take(name, kind, id)` reads the
 * link's value of `name` as "choice" (of select `id`), "number" or "bool": undefined when the
 * link lacks it or has a bad one (which `take` records).
 */
export function choicesFromHash(s, take, hello) {
  const patch = { model: {}, train: {} };
  const activation = take("activation", "choice", "activation");
  const optimizer = take("optimizer", "choice", "optimizer");
  if (activation !== undefined) patch.model.activation = activation;
  if (optimizer !== undefined) patch.train.optimizer = optimizer;
  for (const k of MODEL_KEYS) {
    const v = take(k, "number", CONTROL[k]);
    if (v !== undefined) patch.model[k] = v;
  }
  for (const k of TRAIN_KEYS) {
    const v = take(k, k === "nesterov" ? "bool" : "number", CONTROL[k]);
    if (v !== undefined) patch.train[k] = v;
  }
  return fitChoices({ ...s, ...mergeChoices(s, patch) }, hello);
}

/** A choice's default for a [model] or [train] key of `s`, or undefined where none applies. */
export function choiceDefault(s, section, key, hello) {
  const info = section === "model"
    ? activationInfo(hello, (s.model && s.model.activation) || "relu")
    : optimizerInfo(hello, (s.train && s.train.optimizer) || "sgd");
  return info.defaults[key];
}
