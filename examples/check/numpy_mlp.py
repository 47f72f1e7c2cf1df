"""One SGD step of the MLP in numpy, speaking `mlp2d check`'s protocol.

    mlp2d check --exec "python3 examples/check/numpy_mlp.py"
    mlp2d check --exec "python3 examples/check/numpy_mlp.py --mistake sum"

It reads the problem (argv[-2]) and writes the answer (argv[-1]): the forward pass, the loss,
every gradient and intermediate, and the parameters after one step, in the problem's precision.

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
--relu-prime-at-zero 1 takes ReLU′(0) = 1 (the default 0); both are right.
"""
import argparse
import os

import numpy as np
from safetensors import safe_open
from safetensors.numpy import save_file

MISTAKES = ["sum", "mean-count", "update-sign", "no-lr", "transpose", "no-bias-grad",
            "relu-mask", "unstable", "single", "one-layer", "noncontiguous"]

ap = argparse.ArgumentParser()
ap.add_argument("--mistake", choices=MISTAKES, default=os.environ.get("MLP2D_MISTAKE") or None)
ap.add_argument("--relu-prime-at-zero", type=int, choices=[0, 1], default=0)
ap.add_argument("problem")
ap.add_argument("answer")
args = ap.parse_args()
bug = args.mistake

with safe_open(args.problem, framework="numpy") as f:
    meta = f.metadata()
    t = {k: f.get_tensor(k) for k in f.keys()}
assert meta["activation"] == "relu", meta["activation"]
dtype = np.float64 if meta["precision"] == "f64" else np.float32
if bug == "single":
    dtype = np.float32
lr = dtype(float(meta["learning_rate"]))
x, y = t["x"].astype(dtype), t["y"].astype(np.int64)
L = sum(1 for k in t if k.endswith(".weight"))
W = [t[f"layers.{i}.weight"].astype(dtype) for i in range(L)]
b = [t[f"layers.{i}.bias"].astype(dtype) for i in range(L)]
n = x.shape[0]
out = {}

# Forward: keep each layer's input h and pre-activation z.
hs, zs = [x], []
for i in range(L):
    z = hs[i] @ W[i] + b[i]
    zs.append(z)
    if i < L - 1:
        hs.append(np.maximum(z, 0))
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
            on = zs[i - 1] >= 0 if args.relu_prime_at_zero else zs[i - 1] > 0
            g = gh * on

for i in range(L):
    dW, db = grads[i]
    step = {"update-sign": -lr, "no-lr": 1}.get(bug, lr)
    out[f"next.layers.{i}.weight"] = W[i] - dtype(step) * dW
    out[f"next.layers.{i}.bias"] = b[i] - dtype(step) * db

keep_view = "noncontiguous" if bug == "noncontiguous" else None
save_file({k: (v if keep_view and k.startswith("grad.layers") and k.endswith(".weight")
               else np.ascontiguousarray(v)).astype(dtype, copy=False)
           for k, v in out.items()}, args.answer)
