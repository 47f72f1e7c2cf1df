"""One step of the MLP in PyTorch (autograd), speaking `mlp2d check`'s protocol.

    mlp2d check --exec "python3 examples/check/torch_mlp.py"

Reads the problem (argv[-2]) and writes the answer (argv[-1]) in the problem's precision:
logits, loss, every gradient autograd computes (with the hidden layers' outputs and their
gradients kept through retain_grad), through the problem's activation, and the parameters after
one step where the problem's optimizer is plain SGD (with another optimizer the answer leaves
next.* out: torch.optim's Adam is not burn's, to f32 constants). Needs torch and
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
activation = meta["activation"]
slope = float(meta.get("negative_slope", "0.01"))
plain_sgd = meta.get("optimizer", "sgd") == "sgd" and float(meta.get("momentum", "0")) == 0 \
    and float(meta.get("weight_decay", "0")) == 0
dtype = torch.float64 if meta["precision"] == "f64" else torch.float32
lr = float(meta["learning_rate"])
L = sum(1 for k in t if k.startswith("layers.") and k.endswith(".weight"))
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
        if activation == "relu":
            h = torch.relu(z)  # autograd takes ReLU'(0) = 0
        elif activation == "leaky_relu":
            h = torch.nn.functional.leaky_relu(z, slope)
        else:
            h = torch.tanh(z) if activation == "tanh" else torch.sigmoid(z)
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
        if plain_sgd:
            out[f"next.layers.{i}.weight"] = W[i] - lr * W[i].grad
            out[f"next.layers.{i}.bias"] = b[i] - lr * b[i].grad
    for i, h in enumerate(hs):
        out[f"layers.{i}.output"] = h
        out[f"grad.layers.{i}.output"] = h.grad
save_file({k: v.detach().to(dtype).contiguous() for k, v in out.items()}, answer)
