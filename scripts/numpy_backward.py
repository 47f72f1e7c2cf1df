"""A hand-written backward in numpy, to check with `mlp2d grads --check`.

    mlp2d data --config configs/moons.toml --normalised --split train --out train.csv
    python3 scripts/numpy_backward.py train.csv results/moons/initial.safetensors grads.safetensors [--bug NAME]
    mlp2d grads --config configs/moons.toml --params results/moons/initial.safetensors --check grads.safetensors

--bug plants a classic mistake: sum (no 1/n), sign, mask (layer 0's ReLU mask forgotten),
transpose (dW as g.T @ x). Needs numpy and safetensors (pip install numpy safetensors).
"""
import argparse

import numpy as np
from safetensors.numpy import load_file, save_file

ap = argparse.ArgumentParser()
ap.add_argument("rows")
ap.add_argument("params")
ap.add_argument("out")
ap.add_argument("--bug", choices=["sum", "sign", "mask", "transpose"])
args = ap.parse_args()

data = np.loadtxt(args.rows, delimiter=",", skiprows=1)
x, y = data[:, :-1], data[:, -1].astype(int)
p = load_file(args.params)
n_layers = len(p) // 2
W = [p[f"layers.{i}.weight"].astype(np.float64) for i in range(n_layers)]
b = [p[f"layers.{i}.bias"].astype(np.float64) for i in range(n_layers)]

# Forward: keep every layer's input.
inputs, h = [], x
for i in range(n_layers):
    inputs.append(h)
    h = h @ W[i] + b[i]
    if i < n_layers - 1:
        h = np.maximum(h, 0.0)
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
        if not (args.bug == "mask" and i == 1):
            g = g * (inputs[i] > 0)
if args.bug == "sign":
    grads = {k: (v if k == "loss" else -v) for k, v in grads.items()}
save_file(grads, args.out)
print(f"loss {loss:.6f}; gradients of {n_layers} layers on {n} rows in {args.out}")
