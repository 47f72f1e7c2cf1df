// The numbers the page shows as text: epoch and step counters, steps/s, the play button's
// state, the latest losses and accuracies, and the agreement gate's verdict and figures. Cheap:
// updated on every message, not per animation frame.

import { $ } from "./dom.js";
import { fmtInt, fmtPct, fmtSig, fmtSmall } from "./numbers.js";

/** Shows `state` (main.js's): epoch, step, running, verdict, epochs, lastFrame. */
export function updateReadouts(state) {
  const f = state.lastFrame;
  $("epoch-count").textContent = fmtInt(state.epoch);
  $("step-count").textContent = fmtInt(state.step);
  $("steps-per-second").textContent = f ? fmtInt(f.steps_per_second) : "0";
  updatePlayButton(state.running);
  updateLossAndAccuracy(state.epochs, f);
  updateAgreement(state.verdict, f);
}

export function updatePlayButton(running) {
  const b = $("play");
  b.dataset.state = running ? "running" : "paused";
  b.setAttribute("aria-label", running ? "Pause" : "Play");
  b.title = running ? "Pause" : "Play";
}

function updateLossAndAccuracy(epochs, f) {
  const e = epochs.length ? epochs[epochs.length - 1] : null;
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

function updateAgreement(verdictText, f) {
  const verdict = $("verdict");
  verdict.textContent = verdictText || "…";
  verdict.dataset.verdict = verdictText || "";
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
