"""One SGD step of the MLP in PyTorch (autograd), speaking `mlp2d check`'s protocol.

    mlp2d check --exec "python3 examples/check/torch_mlp.py"

Reads the problem (argv[-2]) and writes the answer (argv[-1]) in the problem's precision:
logits, loss, every gradient autograd computes (with the hidden layers' outputs and their
gradients kept through retain_grad), and the parameters after one SGD step. Needs torch and
safetensors (pip install torch safetensors); tests/check_command.rs runs it when torch imports.
"""
import sys

import torch
from safetensors import safe_open
from safetensors.torch import save_file

problem, answer = sys.argv[-2], sys.argv[-1]
with safe_open(problem, framework="pt") as f:
    meta = f.metadata()
    t = {k: f.get_tensor(k) for k in f.keys()}
assert meta["activation"] == "relu", meta["activation"]
dtype = torch.float64 if meta["precision"] == "f64" else torch.float32
lr = float(meta["learning_rate"])
L = sum(1 for k in t if k.endswith(".weight"))
x, y = t["x"].to(dtype), t["y"].long()
W = [t[f"layers.{i}.weight"].to(dtype).requires_grad_() for i in range(L)]
b = [t[f"layers.{i}.bias"].to(dtype).requires_grad_() for i in range(L)]

out, zs, hs = {}, [], []
h = x
for i in range(L):
    z = h @ W[i] + b[i]
    z.retain_grad()
    zs.append(z)
    if i < L - 1:
        h = torch.relu(z)  # autograd takes ReLU'(0) = 0
        h.retain_grad()
        hs.append(h)
logits = zs[-1]
loss = torch.nn.functional.cross_entropy(logits, y)  # a mean over the rows, stabilised
loss.backward()

with torch.no_grad():
    out["logits"] = logits
    out["loss"] = loss.reshape(1)
    out["grad.logits"] = zs[-1].grad
    for i in range(L):
        out[f"grad.layers.{i}.preactivation"] = zs[i].grad
        out[f"grad.layers.{i}.weight"] = W[i].grad
        out[f"grad.layers.{i}.bias"] = b[i].grad
        out[f"next.layers.{i}.weight"] = W[i] - lr * W[i].grad
        out[f"next.layers.{i}.bias"] = b[i] - lr * b[i].grad
    for i, h in enumerate(hs):
        out[f"layers.{i}.output"] = h
        out[f"grad.layers.{i}.output"] = h.grad
save_file({k: v.detach().to(dtype).contiguous() for k, v in out.items()}, answer)
