"""One step of the MLP in PyTorch, speaking `mlp2d check`'s protocol.

    mlp2d check --exec "python3 examples/check/torch_mlp.py"

Reads the problem (argv[-2]) and writes the answer (argv[-1]) in the problem's precision. The
forward and backward passes (relu, leaky_relu, tanh, sigmoid, gelu with approximate="none",
silu) run through torch.autograd (the hidden layers' outputs and their
gradients kept with retain_grad), and the step through torch.optim itself: SGD (momentum,
dampening, Nesterov, weight decay), Adam, AdamW, Adagrad, RMSprop or Adan (its authors' step: torch.optim has none) as the problem's metadata
asks, with the optimizer's state loaded from the problem (momentum_buffer, exp_avg, exp_avg_sq,
sum, square_avg, grad_avg, step) and written back as next.state.*. PyTorch holds beta_1, beta_2, epsilon, the momentum and the decay
as Python floats (f64), not as burn's f32.

Needs torch and safetensors (pip install torch safetensors); tests/check_conventions.rs runs it
where torch imports.
"""
import math
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
        elif activation == "gelu":
            h = torch.nn.functional.gelu(z, approximate="none")  # z·Φ(z), not the tanh form
        elif activation == "silu":
            h = torch.nn.functional.silu(z)
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
    for i, h in enumerate(hs):
        out[f"layers.{i}.output"] = h
        out[f"grad.layers.{i}.output"] = h.grad
    # The gradients as they are before the step (the step reads them, and must not see a copy
    # that another entry of `out` shares).
    out = {k: v.detach().clone() for k, v in out.items()}

class Adan(torch.optim.Optimizer):
    """torch.optim has no Adan: its authors' PyTorch step (sail-sg/Adan, betas as decays, the
    first difference 0), keeping the previous gradient negated as burn's state names it."""

    def __init__(self, params, lr, betas, eps, weight_decay, no_prox):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      no_prox=no_prox))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            (b1, b2, b3), lr, wd = group["betas"], group["lr"], group["weight_decay"]
            for p in group["params"]:
                g, st = p.grad, self.state[p]
                if not st:
                    st["step"] = torch.tensor(0.0)
                    for k in ("exp_avg", "exp_avg_sq", "exp_avg_diff"):
                        st[k] = torch.zeros_like(p)
                    st["neg_pre_grad"] = -g
                st["step"] += 1
                t_step = st["step"].item()
                diff = g + st["neg_pre_grad"]
                st["exp_avg"].mul_(b1).add_(g, alpha=1 - b1)
                st["exp_avg_diff"].mul_(b2).add_(diff, alpha=1 - b2)
                u = g + b2 * diff
                st["exp_avg_sq"].mul_(b3).addcmul_(u, u, value=1 - b3)
                denom = (st["exp_avg_sq"].sqrt() / math.sqrt(1 - b3 ** t_step)).add_(group["eps"])
                update = (st["exp_avg"] / (1 - b1 ** t_step)
                          + b2 * st["exp_avg_diff"] / (1 - b2 ** t_step)).div_(denom)
                if group["no_prox"]:
                    p.mul_(1 - lr * wd).add_(update, alpha=-lr)
                else:
                    p.add_(update, alpha=-lr).div_(1 + lr * wd)
                st["neg_pre_grad"] = -g.clone()


# torch.optim's optimizer and its state, by the problem's names.
name = meta.get("optimizer", "sgd")
steps = int(meta.get("step", "0"))
wd = float(meta.get("weight_decay", "0.0001" if name == "adamw" else "0"))
params = [p for i in range(L) for p in (W[i], b[i])]
if name == "sgd":
    momentum = float(meta.get("momentum", "0"))
    dampening = float(meta.get("dampening", "0"))
    nesterov = meta.get("nesterov") == "true"
    # torch.optim.SGD refuses Nesterov with dampening when it is built; its step takes both
    # (buf = μ·buf + (1 − dampening)·g, then g + μ·buf), as the problem asks.
    opt = torch.optim.SGD(params, lr=lr, momentum=momentum, dampening=0.0,
                          nesterov=nesterov, weight_decay=wd)
    opt.param_groups[0]["dampening"] = dampening
    buffers = {"velocity": "momentum_buffer"} if momentum != 0 else {}
elif name == "adagrad":
    opt = torch.optim.Adagrad(params, lr=lr, lr_decay=float(meta.get("lr_decay", "0")),
                              eps=float(meta.get("epsilon", "1e-5")), weight_decay=wd)
    buffers = {"sum": "sum"}
elif name == "adan":
    betas = tuple(float(meta.get(k, d)) for k, d in
                  (("beta_1", "0.98"), ("beta_2", "0.92"), ("beta_3", "0.99")))
    opt = Adan(params, lr=lr, betas=betas, eps=float(meta.get("epsilon", "1e-8")),
               weight_decay=wd, no_prox=meta.get("no_prox") == "true")
    buffers = {b: b for b in ("exp_avg", "exp_avg_sq", "exp_avg_diff", "neg_pre_grad")}
elif name == "rmsprop":
    momentum = float(meta.get("momentum", "0.9"))
    centered = meta.get("centered") == "true"
    opt = torch.optim.RMSprop(params, lr=lr, alpha=float(meta.get("alpha", "0.99")),
                              eps=float(meta.get("epsilon", "1e-5")), weight_decay=wd,
                              momentum=momentum, centered=centered)
    buffers = {"square_avg": "square_avg"}
    if centered:
        buffers["grad_avg"] = "grad_avg"
    if momentum > 0:
        buffers["buf"] = "momentum_buffer"
else:
    betas = (float(meta.get("beta_1", "0.9")), float(meta.get("beta_2", "0.999")))
    eps = float(meta.get("epsilon", "1e-5"))
    kind = torch.optim.Adam if name == "adam" else torch.optim.AdamW
    opt = kind(params, lr=lr, betas=betas, eps=eps, weight_decay=wd)
    buffers = {"moment_1": "exp_avg", "moment_2": "exp_avg_sq"}


def part(p):
    i = next(j for j in range(L) if p is W[j] or p is b[j])
    return i, "weight" if p is W[i] else "bias"


if steps > 0:
    for p in params:
        i, which = part(p)
        state = {torch_name: t[f"state.{ours}.layers.{i}.{which}"].to(dtype).clone()
                 for ours, torch_name in buffers.items()}
        if name != "sgd":
            state["step"] = torch.tensor(float(steps))
        if state:
            opt.state[p] = state
opt.step()

with torch.no_grad():
    for p in params:
        i, which = part(p)
        out[f"next.layers.{i}.{which}"] = p.detach().clone()
        for ours, torch_name in buffers.items():
            out[f"next.state.{ours}.layers.{i}.{which}"] = opt.state[p][torch_name].clone()

# Each tensor its own contiguous copy: save_file refuses tensors that share memory.
save_file({k: v.to(dtype).contiguous().clone() for k, v in out.items()}, answer)
