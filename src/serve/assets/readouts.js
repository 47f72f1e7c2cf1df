// The numbers the page shows as text: epoch and step counters, steps/s, the play button's
// state, the latest losses and accuracies, the verdict line and the agreement gate's figures,
// and what Export would export. Cheap: updated on every message, not per animation frame.

import { $ } from "./dom.js";
import { fmtInt, fmtPct, fmtSig, fmtSmall } from "./numbers.js";

/** Shows `state` (main.js's): epoch, step, running, verdict, epochs, lastFrame, ready. */
export function updateReadouts(state) {
  const f = state.lastFrame;
  $("epoch-count").textContent = fmtInt(state.epoch);
  $("step-count").textContent = fmtInt(state.step);
  $("steps-per-second").textContent = f ? fmtInt(f.steps_per_second) : "0";
  updatePlayButton(state.running);
  for (const id of ["play", "step", "epoch", "reset"]) $(id).disabled = !(state.connected && state.ready);
  updateLossAndAccuracy(state.epochs, f);
  updateAgreement(state.verdict, f);
  updateVerdictLine(state);
  updateExport(state);
  $("curve-note").textContent = {
    PASS: "the twins' curves lie on top of each other",
    FAIL: "the twins disagree (see the verdict): their curves may part",
  }[state.verdict] || "";
}

export function updatePlayButton(running) {
  const b = $("play");
  b.dataset.state = running ? "running" : "paused";
  b.setAttribute("aria-label", running ? "Pause" : "Play");
  b.title = running ? "Pause" : "Play";
}

function updateLossAndAccuracy(epochs, f) {
  const d = f && f.diverged;
  for (const id of ["loss-burn", "loss-manual", "train-acc", "test-acc"]) $(id).classList.toggle("bad", !!d);
  if (d) {
    // The last epoch's numbers are not the run's any more: say where it went instead.
    const loss = d.loss === null ? "a value that is not finite" : fmtSig(d.loss, 3);
    const why = `the loss reached ${loss} at step ${fmtInt(d.step)}`;
    for (const id of ["loss-burn", "loss-manual"]) {
      setNumber($(id), null);
      $(id).textContent = "diverged";
      $(id).title = why;
    }
    setAccuracy($("train-acc"), null, null);
    setAccuracy($("test-acc"), null, null);
    return;
  }
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
  el.title = "";
  if (x === null || x === undefined) el.removeAttribute("data-value");
  else el.dataset.value = String(x);
}

function setAccuracy(el, burn, manual) {
  el.textContent = fmtPct(burn);
  el.title = burn === null || burn === undefined ? "" : `burn ${fmtPct(burn)}, hand-written ${fmtPct(manual)}`;
}

function updateAgreement(verdictText, f) {
  const verdict = $("verdict");
  verdict.textContent = verdictText || "—";
  verdict.dataset.verdict = verdictText || "";
  verdict.title = verdictText ? "" : "no step judged yet";
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
}

/** The verdict's explanation beside it: why it fails, or how far within the limit it passes. */
function updateVerdictLine(state) {
  const f = state.lastFrame;
  const line = $("verdict-text");
  line.dataset.verdict = state.verdict || "";
  let text;
  if (!state.ready) text = "no run yet";
  else if (!state.verdict) text = "no step judged yet: each step is checked as it is taken (play, or take one step)";
  else if (f && f.message) text = f.message;
  else {
    const w = f && f.worst;
    const worst = w ? fmtSmall(w.err_bound === null ? NaN : w.err_bound) : "—";
    const steps = state.step === 1 ? "at the first step" : `at all ${fmtInt(state.step)} steps so far`;
    text = `the twins agree ${steps}: the worst err_bound is ${worst}${fmtAt(w && w.at)}, `
      + `within the limit ${fmtSmall(state.ready.err_bound_limit)}`;
  }
  line.textContent = text;
}

/** Export's button and note: what the exported config repeats, or why there is nothing yet. */
function updateExport(state) {
  const f = state.lastFrame;
  const r = state.ready;
  const d = f && f.diverged;
  let what;
  let ok = true;
  if (!r || !state.connected) {
    ok = false;
    what = "there is no run to export yet";
  } else if (d) {
    what = `it trains into the step that diverged (step ${fmtInt(d.step)}), where compare stops with the same message`;
  } else if (state.step === 0) {
    ok = false;
    what = "at step 0 there is nothing to repeat yet: take a step, or play";
  } else if (state.running) {
    what = "it trains to the step the run is at when the server gets the export (pause first to pick the step)";
  } else {
    const per = r.steps_per_epoch;
    const whole = Math.floor(state.step / per);
    const rest = state.step - whole * per;
    what = rest === 0
      ? `it trains ${fmtInt(whole)} epoch${whole === 1 ? "" : "s"}, to step ${fmtInt(state.step)}, where the page is`
      : `it trains to step ${fmtInt(state.step)}, where the page is: ${fmtInt(whole)} whole epoch${whole === 1 ? "" : "s"} `
        + `and ${rest} of epoch ${fmtInt(whole + 1)}'s ${per} steps (stop_at_step = ${state.step})`;
  }
  $("export").disabled = !ok;
  $("export").title = ok ? "Download the config and the burn twin's weights" : what;
  $("export-note").textContent = `Export downloads the config and the burn twin's weights; the command below repeats the run shown, bit for bit: ${what}.`;
}

const yesNo = (b) => (b === null || b === undefined ? "—" : b ? "yes" : "no");

function fmtAt(at) {
  if (at === null || at === undefined || at === "") return "";
  return typeof at === "number" ? ` at step ${fmtInt(at)}` : ` at ${at}`;
}
