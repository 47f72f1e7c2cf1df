"""One step of the MLP in numpy by PyTorch's formulas, speaking `mlp2d check`'s protocol.

    mlp2d check --exec "python3 examples/check/numpy_pytorch.py"

The same forward and backward passes as numpy_mlp.py, GELU and SiLU by PyTorch's own kernels'
formulas (GELU: x·(1 + erf(x/√2))/2, its derivative Φ + x·φ with Φ through 1 + erf, not erfc;
SiLU: x/(1 + exp(−x)), its derivative σ·(1 + x·(1 − σ))); the step as torch.optim writes it,
with its constants as Python floats (f64) that each operation rounds to the problem's precision:

  SGD    g ← g + wd·θ;  buf ← μ·buf + (1 − dampening)·g (buf = g on the first step);
         Nesterov: g ← g + μ·buf, else g ← buf;  θ ← θ − λ·g
  Adam   g ← g + wd·θ;  m ← m + (1 − β₁)·(g − m)  (torch's lerp);  v ← β₂·v + (1 − β₂)·g·g;
         θ ← θ − λ/(1 − β₁ᵗ) · m / (√v/√(1 − β₂ᵗ) + ε)
  AdamW  θ ← θ·(1 − λ·wd), then Adam's step without the coupled decay
  Adagrad  g ← g + wd·θ;  s ← s + g·g;  θ ← θ − λ/(1 + (t − 1)·lr_decay) · g / (√s + ε)
  RMSprop  g ← g + wd·θ;  v ← α·v + (1 − α)·g·g;  centered: ḡ ← ḡ + (1 − α)·(g − ḡ) (lerp),
         a = √(v − ḡ²) + ε, else a = √v + ε;  momentum μ > 0: b ← μ·b + g/a, θ ← θ − λ·b,
         else θ ← θ − λ·g/a

in float32 or float64 as the problem asks. Needs numpy and safetensors; CI runs it
(tests/check_conventions.rs).
"""
import math
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import save_file

problem, answer = sys.argv[-2], sys.argv[-1]
with safe_open(problem, framework="numpy") as f:
    meta = f.metadata()
    t = {k: f.get_tensor(k) for k in f.keys()}
activation = meta["activation"]
slope = float(meta.get("negative_slope", "0.01"))
dtype = np.float64 if meta["precision"] == "f64" else np.float32
lr = float(meta["learning_rate"])
x, y = t["x"].astype(dtype), t["y"].astype(np.int64)
L = sum(1 for k in t if k.startswith("layers.") and k.endswith(".weight"))
W = [t[f"layers.{i}.weight"].astype(dtype) for i in range(L)]
b = [t[f"layers.{i}.bias"].astype(dtype) for i in range(L)]
n = x.shape[0]
out = {}


_erf = np.vectorize(math.erf, otypes=[np.float64])


def erf(v):
    """erf in the problem's precision (numpy has none: math.erf, rounded)."""
    return _erf(v).astype(dtype)


def act(z):
    if activation == "relu":
        return np.maximum(z, 0)
    if activation == "leaky_relu":
        return np.where(z < 0, slope * z, z)
    if activation == "tanh":
        return np.tanh(z)
    if activation == "gelu":
        return z * 0.5 * (1 + erf(z * math.sqrt(0.5)))
    with np.errstate(over="ignore"):  # exp(−z) = inf far below 0: σ = 0, as PyTorch's kernel
        if activation == "silu":
            return z / (1 + np.exp(-z))
        return 1 / (1 + np.exp(-z))


def act_prime(z, h):
    """a′(z) from z and the output h = a(z); ReLU′(0) = 0."""
    if activation == "relu":
        return (z > 0).astype(dtype)
    if activation == "leaky_relu":
        return np.where(z > 0, dtype(1), dtype(slope))
    if activation == "tanh":
        return 1 - h * h
    if activation == "gelu":
        cdf = 0.5 * (1 + erf(z * math.sqrt(0.5)))
        pdf = np.exp(-0.5 * z * z) * (2 / math.sqrt(math.pi) * math.sqrt(0.5) * 0.5)
        return cdf + z * pdf
    if activation == "silu":
        with np.errstate(over="ignore"):
            s = 1 / (1 + np.exp(-z))
        return s * (1 + z * (1 - s))
    return h * (1 - h)


hs, zs = [x], []
for i in range(L):
    z = hs[i] @ W[i] + b[i]
    zs.append(z)
    if i < L - 1:
        hs.append(act(z))
        out[f"layers.{i}.output"] = hs[-1]
logits = zs[-1]
out["logits"] = logits
shifted = logits - logits.max(axis=1, keepdims=True)
e = np.exp(shifted)
rows = np.arange(n)
logp = shifted - np.log(e.sum(axis=1, keepdims=True))
out["loss"] = np.array(-logp[rows, y].mean(), dtype=dtype)
g = e / e.sum(axis=1, keepdims=True)
g[rows, y] -= 1
g = g / dtype(n)
out["grad.logits"] = g
grads = {}
for i in reversed(range(L)):
    out[f"grad.layers.{i}.preactivation"] = g
    grads[i] = (hs[i].T @ g, g.sum(axis=0))
    out[f"grad.layers.{i}.weight"], out[f"grad.layers.{i}.bias"] = grads[i]
    if i > 0:
        gh = g @ W[i].T
        out[f"grad.layers.{i - 1}.output"] = gh
        g = gh * act_prime(zs[i - 1], hs[i])

name = meta.get("optimizer", "sgd")
steps = int(meta.get("step", "0"))
wd = float(meta.get("weight_decay", "0.0001" if name == "adamw" else "0"))
momentum = float(meta.get("momentum", "0.9" if name == "rmsprop" else "0"))
lr_decay = float(meta.get("lr_decay", "0"))
alpha = float(meta.get("alpha", "0.99"))
centered = meta.get("centered") == "true"
dampening = float(meta.get("dampening", "0"))
nesterov = meta.get("nesterov") == "true"
beta_1, beta_2 = float(meta.get("beta_1", "0.9")), float(meta.get("beta_2", "0.999"))
eps = float(meta.get("epsilon", "1e-5"))
if name == "adan":
    beta_1, beta_2 = float(meta.get("beta_1", "0.98")), float(meta.get("beta_2", "0.92"))
    eps = float(meta.get("epsilon", "1e-8"))
beta_3 = float(meta.get("beta_3", "0.99"))
no_prox = meta.get("no_prox") == "true"


def state(buffer, i, part):
    return t[f"state.{buffer}.layers.{i}.{part}"].astype(dtype)


def step(theta, grad, i, part):
    """θ' and the buffers {name: value} of one parameter tensor, as torch.optim steps it."""
    if name == "sgd":
        if wd != 0:
            grad = grad + wd * theta
        if momentum == 0:
            return theta + (-lr) * grad, {}
        buf = grad.copy() if steps == 0 else state("velocity", i, part) * momentum \
            + (1 - dampening) * grad
        d = grad + momentum * buf if nesterov else buf
        return theta + (-lr) * d, {"velocity": buf}
    if name in ("adagrad", "rmsprop") and wd != 0:
        grad = grad + wd * theta
    if name == "adagrad":
        s = (np.zeros_like(theta) if steps == 0 else state("sum", i, part)) + grad * grad
        clr = lr / (1 + steps * lr_decay)
        return theta + (-clr) * (grad / (np.sqrt(s) + eps)), {"sum": s}
    if name == "rmsprop":
        zero = np.zeros_like(theta)
        v = (zero if steps == 0 else state("square_avg", i, part)) * alpha \
            + ((1 - alpha) * grad) * grad
        buffers = {"square_avg": v}
        if centered:
            ga = zero if steps == 0 else state("grad_avg", i, part)
            ga = ga + (1 - alpha) * (grad - ga)
            buffers["grad_avg"] = ga
            a = np.sqrt(v - ga * ga) + eps
        else:
            a = np.sqrt(v) + eps
        if momentum > 0:
            b = (zero if steps == 0 else state("buf", i, part)) * momentum + grad / a
            buffers["buf"] = b
            return theta + (-lr) * b, buffers
        return theta + (-lr) * (grad / a), buffers
    if name == "adan":
        # The Adan authors' PyTorch step (sail-sg/Adan): the first difference 0.
        zero, first = np.zeros_like(theta), steps == 0
        diff = zero if first else grad + state("neg_pre_grad", i, part)
        m = (zero if first else state("exp_avg", i, part)) * beta_1 + (1 - beta_1) * grad
        n = (zero if first else state("exp_avg_diff", i, part)) * beta_2 + (1 - beta_2) * diff
        u = grad + beta_2 * diff
        v = (zero if first else state("exp_avg_sq", i, part)) * beta_3 + ((1 - beta_3) * u) * u
        t_step = steps + 1
        denom = np.sqrt(v) / (1 - beta_3 ** t_step) ** 0.5 + eps
        update = (m / (1 - beta_1 ** t_step) + beta_2 * n / (1 - beta_2 ** t_step)) / denom
        if no_prox:
            new = theta * (1 - lr * wd) + (-lr) * update
        else:
            new = (theta + (-lr) * update) / (1 + lr * wd)
        return new, {"exp_avg": m, "exp_avg_sq": v, "exp_avg_diff": n, "neg_pre_grad": -grad}
    if name == "adamw":
        theta = theta * (1 - lr * wd)
    elif wd != 0:
        grad = grad + wd * theta
    m = np.zeros_like(theta) if steps == 0 else state("moment_1", i, part)
    v = np.zeros_like(theta) if steps == 0 else state("moment_2", i, part)
    m = m + (1 - beta_1) * (grad - m)
    v = v * beta_2 + ((1 - beta_2) * grad) * grad
    t_step = steps + 1
    step_size = lr / (1 - beta_1 ** t_step)
    denom = np.sqrt(v) / (1 - beta_2 ** t_step) ** 0.5 + eps
    return theta + (-step_size) * (m / denom), {"moment_1": m, "moment_2": v}


for i in range(L):
    dW, db = grads[i]
    for part, theta, grad in (("weight", W[i], dW), ("bias", b[i], db)):
        new, buffers = step(theta, grad, i, part)
        out[f"next.layers.{i}.{part}"] = new
        for buffer, value in buffers.items():
            out[f"next.state.{buffer}.layers.{i}.{part}"] = value

save_file({k: np.ascontiguousarray(v).astype(dtype, copy=False) for k, v in out.items()},
          answer)
