// The words that follow the chosen activation and optimizer: the "What happens in one step?"
// sentences, the unit maps' note and the agreement table's kink row, from a run's settings
// (`ready.settings`, every key that applies filled in). Formulas as the twins compute them
// (src/manual/: sgd.rs, adam.rs, adamw.rs and the activations).

import { $ } from "./dom.js";

/** A number as the page shows a setting (no markup can come through: it is a number). */
const num = (v) => String(Number(v));

const NAMES = {
  relu: "ReLU",
  leaky_relu: "leaky ReLU",
  tanh: "tanh",
  sigmoid: "sigmoid",
  gelu: "GELU",
  silu: "SiLU",
};

export const activationName = (a) => NAMES[a] || String(a);

/** The forward pass's activation, as a phrase after "with a". */
function forward(model) {
  switch (model.activation) {
    case "leaky_relu":
      return `leaky ReLU (<code>z</code> for <code>z ≥ 0</code>, <code>s·z</code> below, s = ${num(model.negative_slope)})`;
    case "tanh":
      return "tanh (<code>tanh z</code>, between −1 and 1)";
    case "sigmoid":
      return "sigmoid (<code>σ(z) = 1 / (1 + e<sup>−z</sup>)</code>, between 0 and 1)";
    case "gelu":
      return "GELU (<code>z·Φ(z)</code>, Φ the standard normal's distribution function)";
    case "silu":
      return "SiLU (<code>z·σ(z)</code>)";
    default:
      return "ReLU (<code>max(0, z)</code>)";
  }
}

/** What the activation does to the gradient on its way back. */
function backward(model) {
  switch (model.activation) {
    case "leaky_relu":
      return `a leaky ReLU passes the gradient where its input was positive and multiplies it by
        s = ${num(model.negative_slope)} where it was negative`;
    case "tanh":
      return "a tanh multiplies the gradient by its derivative, <code>tanh′ = 1 − tanh²</code>, read from its output";
    case "sigmoid":
      return "a sigmoid multiplies the gradient by its derivative, <code>σ′ = σ(1 − σ)</code>, read from its output";
    case "gelu":
      return "a GELU multiplies the gradient by its derivative, <code>Φ(z) + z·φ(z)</code>, read from its input";
    case "silu":
      return "a SiLU multiplies the gradient by its derivative, <code>σ(z) + z·σ(z)·(1 − σ(z))</code>, read from its input";
    default:
      return "a ReLU passes the gradient only where its input was positive";
  }
}

/** The optimizer's step, with g = ∂L/∂W. */
function update(train) {
  const wd = Number(train.weight_decay) || 0;
  const coupled = wd > 0
    ? ` Weight decay first adds <code>wd·W</code> to the gradient (<code>g ← g + wd·W</code>, wd = ${num(wd)}: L2, coupled).`
    : "";
  const lambda = `λ = ${num(train.learning_rate)}`;
  switch (train.optimizer) {
    case "adam":
    case "adamw": {
      const betas = `β₁ = ${num(train.beta_1)}, β₂ = ${num(train.beta_2)}, ε = ${num(train.epsilon)}`;
      const moments = `Each weight keeps two moments, <code>m ← β₁·m + (1 − β₁)·g</code> and
        <code>v ← β₂·v + (1 − β₂)·g²</code> (from 0; ${betas}).`;
      if (train.optimizer === "adam") {
        return `Both take an Adam step (${lambda}).${coupled} ${moments} At step t the bias correction
          is <code>c₂ = √(1 − β₂ᵗ)</code>, <code>c = c₂ / (1 − β₁ᵗ)</code>, and
          <code>W ← W − λ·m·c / (√v + ε·c₂)</code>, burn's way of writing
          <code>m̂ / (√v̂ + ε)</code>.`;
      }
      return `Both take an AdamW step (${lambda}). ${moments} At step t, with
        <code>m̂ = m / (1 − β₁ᵗ)</code> and <code>v̂ = v / (1 − β₂ᵗ)</code> (the bias correction),
        <code>W ← W·(1 − λ·wd) − λ·m̂ / (√v̂ + ε)</code> (wd = ${num(wd)}): the weight decay is
        decoupled, it shrinks the weights apart from the gradient.`;
    }
    case "adagrad": {
      const decay = Number(train.lr_decay) || 0;
      const rate = decay > 0
        ? `<code>λₜ = λ / (1 + (t − 1)·lr_decay)</code> (lr_decay = ${num(decay)})`
        : "<code>λₜ = λ</code>";
      return `Both take an AdaGrad step (${lambda}).${coupled} Each weight keeps the sum of its
        squared gradients, <code>s ← s + g²</code> (from 0), and moves by
        <code>W ← W − λₜ·g / (√s + ε)</code> (ε = ${num(train.epsilon)}) with ${rate}: a weight
        that has seen large gradients takes smaller steps.`;
    }
    case "rmsprop": {
      const mu = Number(train.momentum) || 0;
      const divisor = train.centered
        ? "<code>√(a − m²) + ε</code>, with <code>m ← α·m + (1 − α)·g</code> the gradients' average (centered)"
        : "<code>√a + ε</code>";
      const step = mu > 0
        ? `a buffer <code>b ← μ·b + g / divisor</code> (μ = ${num(mu)}) and <code>W ← W − λ·b</code>`
        : "<code>W ← W − λ·g / divisor</code>";
      return `Both take an RMSprop step (${lambda}).${coupled} Each weight keeps the average of its
        squared gradients, <code>a ← α·a + (1 − α)·g²</code> (from 0; α = ${num(train.alpha)}),
        divides its gradient by ${divisor} (ε = ${num(train.epsilon)}), and moves by ${step}.`;
    }
    case "adan": {
      const betas = `β₁ = ${num(train.beta_1)}, β₂ = ${num(train.beta_2)}, β₃ = ${num(train.beta_3)}, ε = ${num(train.epsilon)}`;
      const decay = wd === 0
        ? "<code>W ← W − λ·d</code>"
        : train.no_prox
          ? `<code>W ← W·(1 − λ·wd) − λ·d</code> (wd = ${num(wd)}, decoupled)`
          : `<code>W ← (W − λ·d) / (1 + λ·wd)</code> (wd = ${num(wd)}, proximal)`;
      return `Both take an Adan step (${lambda}; ${betas}). Each weight keeps the gradients'
        average <code>m ← β₁·m + (1 − β₁)·g</code>, the average of their differences
        <code>n ← β₂·n + (1 − β₂)·(g − g_prev)</code> and of the squares
        <code>v ← β₃·v + (1 − β₃)·(g + β₂·(g − g_prev))²</code> (from 0; the first difference is 0).
        At step t, with <code>den = √(v / (1 − β₃ᵗ)) + ε</code>, the direction is
        <code>d = (m / (1 − β₁ᵗ) + β₂·n / (1 − β₂ᵗ)) / den</code>, and ${decay}.`;
    }
    default: {
      const mu = Number(train.momentum) || 0;
      if (mu === 0 && wd === 0) {
        return `Both take a plain SGD step, <code>W ← W − λ·∂L/∂W</code> (${lambda}).`;
      }
      if (mu === 0) return `Both take an SGD step (${lambda}).${coupled} Then <code>W ← W − λ·g</code>.`;
      const step = train.nesterov
        ? "<code>W ← W − λ·(g + μ·v)</code> (Nesterov)"
        : "<code>W ← W − λ·v</code>";
      return `Both take an SGD step with momentum (${lambda}, μ = ${num(mu)}, dampening
        ${num(train.dampening || 0)}).${coupled} Each weight keeps a velocity, <code>v ← g</code> on the
        first step, then <code>v ← g·(1 − dampening) + μ·v</code>; the step is ${step}.`;
    }
  }
}

/** The step's explanation for a run's settings. */
export function explainStep(settings) {
  const model = settings.model || {};
  const train = settings.train || {};
  $("explain-activation").innerHTML = forward(model);
  $("explain-backward").innerHTML = backward(model);
  $("explain-update").innerHTML = update(train);
  const a = model.activation || "relu";
  const kinked = a === "relu" || a === "leaky_relu";
  $("ambiguous-label").textContent = kinked
    ? `ambiguous ${activationName(a)} units`
    : `ambiguous units (${activationName(a)} has no kink)`;
}

/** The unit maps' note: what a square shows, in the colours it is painted with. */
export function unitMapNote(activation, signed) {
  const after = `that unit's output after its ${activationName(activation || "relu")} over the plane`;
  return signed
    ? `each square: ${after} (orange below 0, white 0, blue above; scaled by its largest magnitude)`
    : `each square: ${after} (white 0, dark blue its largest)`;
}
