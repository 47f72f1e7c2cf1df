"""A hand-written backward in numpy, to check with `mlp2d grads --check`.

    mlp2d data --config configs/moons.toml --normalised --split train --out train.csv
    python3 scripts/numpy_backward.py train.csv results/moons/initial.safetensors grads.safetensors [--bug NAME]
    mlp2d grads --config configs/moons.toml --params results/moons/initial.safetensors --check grads.safetensors

--activation relu|leaky_relu|tanh|sigmoid|gelu|silu (default relu; --negative-slope for
leaky_relu, default 0.01) must be the config's [model] activation.

--bug plants a classic mistake: sum (no 1/n), sign, relu-mask (the activation's backward between
layers 0 and 1 forgotten: for ReLU its mask), transpose (dW as g.T @ x), tanh-no-square
(tanh' = 1 - tanh), sigmoid-prime-as-sigma (sigma' = sigma), leaky-slope-side (the leaky ReLU's
slope above 0, 1 below), gelu-prime-as-cdf (GELU' = Phi, the product rule's z*phi(z) forgotten),
silu-prime-as-sigma (SiLU' = sigma, the product rule's z*sigma' forgotten). Needs numpy and
safetensors (pip install numpy safetensors).
"""
import argparse
import math

import numpy as np
from safetensors.numpy import load_file, save_file

ap = argparse.ArgumentParser()
ap.add_argument("rows")
ap.add_argument("params")
ap.add_argument("out")
ap.add_argument("--bug", choices=["sum", "sign", "relu-mask", "transpose", "tanh-no-square",
                                  "sigmoid-prime-as-sigma", "leaky-slope-side",
                                  "gelu-prime-as-cdf", "silu-prime-as-sigma"])
ap.add_argument("--activation", choices=["relu", "leaky_relu", "tanh", "sigmoid", "gelu", "silu"],
                default="relu")
ap.add_argument("--negative-slope", type=float, default=0.01)
args = ap.parse_args()
needs = {"tanh-no-square": "tanh", "sigmoid-prime-as-sigma": "sigmoid",
         "leaky-slope-side": "leaky_relu", "gelu-prime-as-cdf": "gelu",
         "silu-prime-as-sigma": "silu"}.get(args.bug)
if needs and args.activation != needs:
    ap.error(f"--bug {args.bug} needs --activation {needs}")
slope = args.negative_slope
erfc = np.vectorize(math.erfc, otypes=[np.float64])


def sigmoid(z):
    e = np.exp(-np.abs(z))  # no overflow: exp(z)/(1 + exp(z)) below 0
    return np.where(z < 0, e, 1.0) / (1.0 + e)


def cdf(z):
    """Phi(z) = erfc(-z/sqrt 2)/2 (numpy has no erf)."""
    return 0.5 * erfc(-z / math.sqrt(2.0))


def act(z):
    if args.activation == "relu":
        return np.maximum(z, 0.0)
    if args.activation == "leaky_relu":
        return np.where(z < 0, slope * z, z)
    if args.activation == "tanh":
        return np.tanh(z)
    if args.activation == "gelu":
        return z * cdf(z)
    if args.activation == "silu":
        return z * sigmoid(z)
    return sigmoid(z)


def act_prime(z, h):
    """a'(z), given the output h = a(z); --bug swaps in its mistaken rule."""
    if args.activation == "relu":
        return (z > 0).astype(z.dtype)
    if args.activation == "leaky_relu":
        if args.bug == "leaky-slope-side":
            return np.where(z > 0, slope, 1.0)
        return np.where(z > 0, 1.0, slope)
    if args.activation == "tanh":
        return 1.0 - h if args.bug == "tanh-no-square" else 1.0 - h * h
    if args.activation == "gelu":
        if args.bug == "gelu-prime-as-cdf":
            return cdf(z)
        return cdf(z) + z * np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    if args.activation == "silu":
        s = sigmoid(z)
        return s if args.bug == "silu-prime-as-sigma" else s + z * s * (1.0 - s)
    return h if args.bug == "sigmoid-prime-as-sigma" else h * (1.0 - h)


data = np.loadtxt(args.rows, delimiter=",", skiprows=1)
x, y = data[:, :-1], data[:, -1].astype(int)
p = load_file(args.params)
n_layers = len(p) // 2
W = [p[f"layers.{i}.weight"].astype(np.float64) for i in range(n_layers)]
b = [p[f"layers.{i}.bias"].astype(np.float64) for i in range(n_layers)]

# Forward: keep every layer's input and pre-activation.
inputs, zs, h = [], [], x
for i in range(n_layers):
    inputs.append(h)
    h = h @ W[i] + b[i]
    zs.append(h)
    if i < n_layers - 1:
        h = act(h)
z = h - h.max(axis=1, keepdims=True)
logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
n = len(y)
loss = -logp[np.arange(n), y].mean()

# Backward.
g = np.exp(logp)
g[np.arange(n), y] -= 1.0
if args.bug != "sum":
    g /= n
grads = {"loss": np.array([loss])}
for i in reversed(range(n_layers)):
    a = inputs[i]
    grads[f"layers.{i}.weight"] = g.T @ a if args.bug == "transpose" else a.T @ g
    grads[f"layers.{i}.bias"] = g.sum(axis=0)
    if i > 0:
        g = g @ W[i].T
        if not (args.bug == "relu-mask" and i == 1):
            g = g * act_prime(zs[i - 1], inputs[i])
if args.bug == "sign":
    grads = {k: (v if k == "loss" else -v) for k, v in grads.items()}
save_file(grads, args.out)
print(f"loss {loss:.6f}; gradients of {n_layers} layers on {n} rows in {args.out}")
