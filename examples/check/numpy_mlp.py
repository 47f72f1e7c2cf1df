"""One training step of the MLP in numpy, speaking `mlp2d check`'s protocol.

    mlp2d check --exec "python3 examples/check/numpy_mlp.py"
    mlp2d check --exec "python3 examples/check/numpy_mlp.py --mistake sum"

It reads the problem (argv[-2]) and writes the answer (argv[-1]): the forward pass, the loss,
every gradient and intermediate, and the parameters and the optimizer's state after one step, in
the problem's precision. Every activation (relu, leaky_relu, tanh, sigmoid, gelu, silu) and optimizer (sgd
with momentum, dampening, Nesterov and coupled weight decay; adam; adamw) of the problem's
metadata; adagrad with lr_decay; rmsprop with alpha, momentum and centered; adan with beta_3 and no_prox. The step follows
burn's formulas by default: beta_1, beta_2, epsilon, alpha, the momentum and the decay penalty
are float32, Adam's factors and RMSprop's 1 − alpha are computed in float32 (beta**t by binary
exponentiation, as Rust's f32::powi), AdaGrad's rate λ/(1 + (t − 1)·lr_decay) in float64, whatever
the problem's precision. --step textbook
takes the lecture's formulas instead, every constant a Python float (m̂ = m/(1 − β₁ᵗ),
v̂ = v/(1 − β₂ᵗ), θ − λ·m̂/(√v̂ + ε)); both are right, and `check` says which one it matched.

--mistake NAME (or MLP2D_MISTAKE=NAME) plants a classic mistake:
  sum             a sum over the rows instead of the mean
  mean-count      np.mean over the whole [n, K] array (divides by n·K)
  update-sign     θ + λ·g
  no-lr           θ − g (the learning rate forgotten)
  transpose       ∂L/∂W saved as gᵀ·h, shape [c_out, c_in]
  no-bias-grad    the bias gradient left at zero (the bias never moves)
  relu-mask       the gradient passed back through every unit, on or off
  unstable        softmax without subtracting each row's max (overflows on large logits)
  single          computed and saved in float32 whatever the problem asks
  one-layer       the last layer's ∂L/∂W from the pre-activation z below it, not h
  noncontiguous   ∂L/∂W saved as a transposed view without np.ascontiguousarray
  tanh-no-square  tanh′ = 1 − tanh
  sigmoid-prime-as-sigma  σ′ = σ
  gelu-prime-as-cdf       GELU′ = Φ (the product rule's z·φ(z) forgotten)
  silu-prime-as-sigma     SiLU′ = σ (the product rule's z·σ′ forgotten)
  adam-no-bias-correction  Adam's (AdamW's) moments used without 1/(1 − βᵗ)
  eps-inside-sqrt          √(v + ε) where the step divides by √v + ε
  nesterov-missing         SGD's step along v where Nesterov's is v·μ + g
  plain-sgd                θ − λ·g whatever the optimizer asked
  no-momentum              SGD's step along g, the momentum left out
  coupled-decay            AdamW's decay added to the gradient, as Adam's
  no-lr-decay              AdaGrad at the rate λ, its lr_decay left out
  uncentered               centered RMSprop dividing by √a + ε, the mean's square not subtracted
--relu-prime-at-zero 1 takes ReLU′(0) = 1 (the default 0; for the leaky ReLU a′(0) = 1, else
the slope); both are right.
"""
import argparse
import math
import os

import numpy as np
from safetensors import safe_open
from safetensors.numpy import save_file

MISTAKES = ["sum", "mean-count", "update-sign", "no-lr", "transpose", "no-bias-grad",
            "relu-mask", "unstable", "single", "one-layer", "noncontiguous", "tanh-no-square",
            "sigmoid-prime-as-sigma", "gelu-prime-as-cdf", "silu-prime-as-sigma",
            "adam-no-bias-correction", "eps-inside-sqrt", "nesterov-missing", "plain-sgd",
            "no-momentum", "coupled-decay", "no-lr-decay", "uncentered"]

ap = argparse.ArgumentParser()
ap.add_argument("--mistake", choices=MISTAKES, default=os.environ.get("MLP2D_MISTAKE") or None)
ap.add_argument("--relu-prime-at-zero", type=int, choices=[0, 1], default=0)
ap.add_argument("--step", choices=["burn", "textbook"], default="burn")
ap.add_argument("problem")
ap.add_argument("answer")
args = ap.parse_args()
bug = args.mistake

with safe_open(args.problem, framework="numpy") as f:
    meta = f.metadata()
    t = {k: f.get_tensor(k) for k in f.keys()}
activation = meta["activation"]
slope = float(meta.get("negative_slope", "0.01"))
dtype = np.float64 if meta["precision"] == "f64" else np.float32
if bug == "single":
    dtype = np.float32
lr = dtype(float(meta["learning_rate"]))
x, y = t["x"].astype(dtype), t["y"].astype(np.int64)
L = sum(1 for k in t if k.startswith("layers.") and k.endswith(".weight"))
W = [t[f"layers.{i}.weight"].astype(dtype) for i in range(L)]
b = [t[f"layers.{i}.bias"].astype(dtype) for i in range(L)]
n = x.shape[0]
out = {}


_erfc = np.vectorize(math.erfc, otypes=[np.float64])


def sigmoid(z):
    """σ(z) as exp(min(z, 0))/(1 + exp(−|z|)): no exp overflows, and far below 0 σ keeps its
    tiny value (1/(1 + exp(−z)) gives 0 there, which z·σ(z) multiplies into SiLU's output)."""
    e = np.exp(-np.abs(z))
    return np.where(z < 0, e, dtype(1)) / (1 + e)


def cdf(z):
    """Φ(z) = erfc(−z/√2)/2 (numpy has no erf; erfc keeps Φ's digits far below 0)."""
    return (0.5 * _erfc(-z / dtype(math.sqrt(2)))).astype(dtype)


def act(z):
    if activation == "relu":
        return np.maximum(z, 0)
    if activation == "leaky_relu":
        return np.where(z < 0, dtype(slope) * z, z)
    if activation == "tanh":
        return np.tanh(z)
    if activation == "gelu":
        return z * cdf(z)
    if activation == "silu":
        return z * sigmoid(z)
    return sigmoid(z)


def act_prime(z, h):
    """a′(z) from z and the output h = a(z)."""
    at_zero = bool(args.relu_prime_at_zero)
    if activation in ("relu", "leaky_relu"):
        on = z >= 0 if at_zero else z > 0
        off = dtype(0) if activation == "relu" else dtype(slope)
        return np.where(on, dtype(1), off)
    if activation == "tanh":
        return 1 - h if bug == "tanh-no-square" else 1 - h * h
    if activation == "gelu":
        if bug == "gelu-prime-as-cdf":
            return cdf(z)
        density = np.exp(-(z * z) / 2) / dtype(math.sqrt(2 * math.pi))
        return cdf(z) + z * density
    if activation == "silu":
        s = sigmoid(z)
        return s if bug == "silu-prime-as-sigma" else s + z * s * (1 - s)
    return h if bug == "sigmoid-prime-as-sigma" else h * (1 - h)


# Forward: keep each layer's input h and pre-activation z.
hs, zs = [x], []
for i in range(L):
    z = hs[i] @ W[i] + b[i]
    zs.append(z)
    if i < L - 1:
        hs.append(act(z))
        out[f"layers.{i}.output"] = hs[-1]
logits = zs[-1]
out["logits"] = logits

shifted = logits if bug == "unstable" else logits - logits.max(axis=1, keepdims=True)
with np.errstate(over="ignore", invalid="ignore"):
    e = np.exp(shifted)
    p = e / e.sum(axis=1, keepdims=True)
    logp = shifted - np.log(e.sum(axis=1, keepdims=True))
rows = np.arange(n)
if bug == "sum":
    loss, count = -logp[rows, y].sum(), 1
elif bug == "mean-count":
    onehot = np.zeros_like(logp)
    onehot[rows, y] = 1
    loss, count = (-onehot * logp).mean() , n * logp.shape[1]
else:
    loss, count = -logp[rows, y].mean(), n
out["loss"] = np.array(loss, dtype=dtype)

g = p.copy()
g[rows, y] -= 1
g = g / dtype(count)
out["grad.logits"] = g

grads = {}
for i in reversed(range(L)):
    out[f"grad.layers.{i}.preactivation"] = g
    a = zs[i - 1] if (bug == "one-layer" and i == L - 1 and i > 0) else hs[i]
    dW = a.T @ g
    db = np.zeros_like(b[i]) if bug == "no-bias-grad" else g.sum(axis=0)
    grads[i] = (dW, db)
    if bug == "transpose":
        out[f"grad.layers.{i}.weight"] = g.T @ a
    elif bug == "noncontiguous":
        out[f"grad.layers.{i}.weight"] = (g.T @ a).T  # a view: its buffer is gᵀ·a's
    else:
        out[f"grad.layers.{i}.weight"] = dW
    out[f"grad.layers.{i}.bias"] = db
    if i > 0:
        gh = g @ W[i].T
        out[f"grad.layers.{i - 1}.output"] = gh
        if bug == "relu-mask":
            g = gh
        else:
            g = gh * act_prime(zs[i - 1], hs[i])


# The optimizer's step, by burn's formulas (src/manual/optimizer/{sgd,adam,adamw,adagrad,rmsprop,adan}.rs).
def f32(v):
    return np.float32(v)


def powi(b, t):
    """b**t in float32 by binary exponentiation, as Rust's f32::powi."""
    r = np.float32(1)
    while True:
        if t & 1:
            r = np.float32(r * b)
        t >>= 1
        if t == 0:
            return r
        b = np.float32(b * b)


opt = meta.get("optimizer", "sgd")
if bug == "plain-sgd":
    opt, meta = "sgd", {**meta, "momentum": "0", "weight_decay": "0"}
if bug == "no-momentum":
    meta = {**meta, "momentum": "0"}
if bug == "coupled-decay" and opt == "adamw":
    opt = "adam"
steps = int(meta.get("step", "0"))
t_step = steps + 1
first = steps == 0
sgd_momentum = float(meta.get("momentum", "0.9" if opt == "rmsprop" else "0"))
lr_decay = 0.0 if bug == "no-lr-decay" else float(meta.get("lr_decay", "0"))
alpha = float(meta.get("alpha", "0.99"))
centered = meta.get("centered") == "true"
wd = float(meta.get("weight_decay", "0.0001" if meta.get("optimizer") == "adamw" else "0"))
adan_betas = (("beta_1", "0.98"), ("beta_2", "0.92"), ("beta_3", "0.99"))


def adan_step(theta, grad, i, part):
    """Adan as burn computes it: f32 betas, ε and bias corrections; the previous gradient kept
    negated; the first difference 0; proximal decay (θ − λ·d)/(1 + λ·wd), or decoupled."""
    b1, b2, b3 = (f32(meta.get(k, d)) for k, d in adan_betas)
    one = f32(1)
    f1, f2, f3 = dtype(one - b1), dtype(one - b2), dtype(one - b3)
    if first:
        m, v, n = grad * f1, (grad * grad) * f3, grad * dtype(0)
    else:
        diff = state("neg_pre_grad", i, part) + grad
        u = diff * dtype(b2) + grad
        m = state("exp_avg", i, part) * dtype(b1) + grad * f1
        v = state("exp_avg_sq", i, part) * dtype(b3) + (u * u) * f3
        n = state("exp_avg_diff", i, part) * dtype(b2) + diff * f2
    corrected = bug != "adam-no-bias-correction"
    d1 = one - powi(b1, t_step) if corrected else one
    d2 = one - powi(b2, t_step) if corrected else one
    c3 = np.sqrt(one - powi(b3, t_step), dtype=np.float32) if corrected else one
    den = np.sqrt(v) / dtype(c3) + dtype(f32(meta.get("epsilon", "1e-8")))
    d = (m / dtype(d1)) / den + ((n * dtype(b2)) / dtype(d2)) / den
    delta = d * lr
    decay_rate = float(lr) * float(f32(wd))
    if decay_rate == 0:
        new = theta - delta
    elif meta.get("no_prox") == "true":
        new = theta * dtype(1.0 - decay_rate) - delta
    else:
        new = (theta - delta) / dtype(1.0 + decay_rate)
    return new, {"exp_avg": m, "exp_avg_sq": v, "exp_avg_diff": n, "neg_pre_grad": -grad}


def state(buffer, i, part):
    return t[f"state.{buffer}.layers.{i}.{part}"].astype(dtype)


def textbook_step(theta, grad, i, part):
    """θ' and the buffers by the lecture's formulas, every constant a Python float."""
    if opt == "sgd":
        g = grad + wd * theta if wd != 0 else grad
        if sgd_momentum == 0:
            return theta - lr * g, {}
        damp = float(meta.get("dampening", "0"))
        v = g if first else sgd_momentum * state("velocity", i, part) + (1 - damp) * g
        d = g + sgd_momentum * v if meta.get("nesterov") == "true" else v
        return theta - lr * d, {"velocity": v}
    if opt == "adan":
        b1, b2, b3 = (float(meta.get(k, d)) for k, d in adan_betas)
        diff = 0 * grad if first else grad + state("neg_pre_grad", i, part)
        m = (1 - b1) * grad if first else b1 * state("exp_avg", i, part) + (1 - b1) * grad
        n = 0 * grad if first else b2 * state("exp_avg_diff", i, part) + (1 - b2) * diff
        u = grad + b2 * diff
        v = (1 - b3) * u * u if first else b3 * state("exp_avg_sq", i, part) + (1 - b3) * u * u
        den = np.sqrt(v / (1 - b3 ** t_step)) + float(meta.get("epsilon", "1e-8"))
        d = (m / (1 - b1 ** t_step) + b2 * n / (1 - b2 ** t_step)) / den
        if meta.get("no_prox") == "true":
            new = theta * (1 - float(lr) * wd) - lr * d
        else:
            new = (theta - lr * d) / (1 + float(lr) * wd)
        return new, {"exp_avg": m, "exp_avg_sq": v, "exp_avg_diff": n, "neg_pre_grad": -grad}
    eps = float(meta.get("epsilon", "1e-5"))
    if opt == "adagrad":
        g = grad + wd * theta if wd != 0 else grad
        s = g * g if first else state("sum", i, part) + g * g
        clr = float(lr) / (1 + (t_step - 1) * lr_decay)
        return theta - clr * g / (np.sqrt(s) + eps), {"sum": s}
    if opt == "rmsprop":
        g = grad + wd * theta if wd != 0 else grad
        sq = (1 - alpha) * g * g if first else alpha * state("square_avg", i, part) + (1 - alpha) * g * g
        buffers, avg = {"square_avg": sq}, sq
        if centered:
            ga = (1 - alpha) * g if first else alpha * state("grad_avg", i, part) + (1 - alpha) * g
            buffers["grad_avg"], avg = ga, sq - ga * ga
        d = g / (np.sqrt(avg) + eps)
        if sgd_momentum > 0:
            d = d if first else sgd_momentum * state("buf", i, part) + d
            buffers["buf"] = d
        return theta - lr * d, buffers
    b1, b2 = float(meta.get("beta_1", "0.9")), float(meta.get("beta_2", "0.999"))
    g = grad + wd * theta if opt == "adam" and wd != 0 else grad
    m_old = 0 if first else state("moment_1", i, part)
    v_old = 0 if first else state("moment_2", i, part)
    m = b1 * m_old + (1 - b1) * g
    v = b2 * v_old + (1 - b2) * g * g
    m_hat, v_hat = m / (1 - b1 ** t_step), v / (1 - b2 ** t_step)
    new = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    if opt == "adamw":
        new = new - lr * wd * theta
    return new, {"moment_1": m, "moment_2": v}


def step(theta, grad, i, part):
    """θ' and the buffers {name: value} of one parameter tensor."""
    if args.step == "textbook":
        return textbook_step(theta, grad, i, part)
    if opt == "sgd" and sgd_momentum == 0 and wd == 0:
        s = {"update-sign": -lr, "no-lr": 1}.get(bug, lr)
        return theta - dtype(s) * grad, {}
    if opt == "sgd":
        g = theta * dtype(f32(wd)) + grad if wd != 0 else grad
        if sgd_momentum == 0:
            return theta - g * lr, {}
        mu = dtype(f32(sgd_momentum))
        keep = dtype(1.0 - float(meta.get("dampening", "0")))
        v = g if first else g * keep + state("velocity", i, part) * mu
        nesterov = meta.get("nesterov") == "true" and bug != "nesterov-missing"
        d = v * mu + g if nesterov else v
        return theta - d * lr, {"velocity": v}
    if opt == "adan":
        return adan_step(theta, grad, i, part)
    eps = f32(meta.get("epsilon", "1e-5"))
    inside = bug == "eps-inside-sqrt"
    if opt in ("adagrad", "rmsprop"):
        g = theta * dtype(f32(wd)) + grad if wd != 0 else grad
        e = dtype(eps)
    if opt == "adagrad":
        s = g * g if first else state("sum", i, part) + g * g
        root = np.sqrt(s + e) if inside else np.sqrt(s) + e
        lr_t = dtype(float(lr) / (1 + (t_step - 1) * lr_decay))
        return theta - (g / root) * lr_t, {"sum": s}
    if opt == "rmsprop":
        a = f32(alpha)
        fa = dtype(f32(1) - a)
        sq = (g * g) * fa if first else state("square_avg", i, part) * dtype(a) + (g * g) * fa
        buffers, avg = {"square_avg": sq}, sq
        if centered:
            ga = g * fa if first else state("grad_avg", i, part) * dtype(a) + g * fa
            buffers["grad_avg"], avg = ga, (sq if bug == "uncentered" else sq - ga * ga)
        d = g / (np.sqrt(avg + e) if inside else np.sqrt(avg) + e)
        mu = f32(sgd_momentum)
        if mu > 0:
            d = d if first else state("buf", i, part) * dtype(mu) + d
            buffers["buf"] = d
        return theta - d * lr, buffers
    b1, b2 = f32(meta.get("beta_1", "0.9")), f32(meta.get("beta_2", "0.999"))
    g = grad
    if opt == "adam" and wd != 0:
        g = theta * dtype(f32(wd)) + grad
    f1, f2 = dtype(f32(1) - b1), dtype(f32(1) - b2)
    if first:
        m, v = g * f1, (g * g) * f2
    else:
        m = state("moment_1", i, part) * dtype(b1) + g * f1
        v = state("moment_2", i, part) * dtype(b2) + (g * g) * f2
    corrected = bug != "adam-no-bias-correction"
    d1 = f32(1) - powi(b1, t_step) if corrected else f32(1)
    d2 = f32(1) - powi(b2, t_step) if corrected else f32(1)
    if opt == "adam":
        c2 = np.sqrt(d2, dtype=np.float32)
        c, eps_c2 = dtype(f32(c2 / d1)), dtype(f32(eps * c2))
        root = np.sqrt(v + eps_c2) if bug == "eps-inside-sqrt" else np.sqrt(v) + eps_c2
        d = (m * c) / root
        new = theta - d * lr
    else:
        m_hat, v_hat = m / dtype(d1), v / dtype(d2)
        e = dtype(eps)
        root = np.sqrt(v_hat + e) if bug == "eps-inside-sqrt" else np.sqrt(v_hat) + e
        d = m_hat / root
        decay_rate = float(lr) * float(f32(wd))
        kept = theta * dtype(1.0 - decay_rate) if decay_rate != 0 else theta
        new = kept - d * lr
    return new, {"moment_1": m, "moment_2": v}


for i in range(L):
    dW, db = grads[i]
    for part, theta, grad in (("weight", W[i], dW), ("bias", b[i], db)):
        new, buffers = step(theta, grad, i, part)
        out[f"next.layers.{i}.{part}"] = new
        for name, value in buffers.items():
            out[f"next.state.{name}.layers.{i}.{part}"] = value

keep_view = "noncontiguous" if bug == "noncontiguous" else None
save_file({k: (v if keep_view and k.startswith("grad.layers") and k.endswith(".weight")
               else np.ascontiguousarray(v)).astype(dtype, copy=False)
           for k, v in out.items()}, args.answer)
