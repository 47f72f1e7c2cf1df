"""Time one SGD step (forward, softmax cross-entropy, backward, update) of the same MLP as
mlp2d's twins in Python peers, at the same sizes: 2 inputs, hidden [h, h], 2 classes, batch n.

Peers: a hand-written numpy backprop (the course exercise, written well), JAX
`jit(value_and_grad)` with the SGD update inside the jitted function, PyTorch eager (when
installed), and scikit-learn's MLPClassifier (solver="sgd", momentum=0, alpha=0, partial_fit
per batch). Prints one JSON object per row, like `mlp2d bench --json`.
"""

import json
import os
import sys
import time
import warnings

import numpy as np

CASES = [((16, 16), 32), ((64, 64), 64), ((256, 256), 256)]
LR = 1e-3


def sizes(hidden):
    return [2, hidden[0], hidden[1], 2]


def flops(hidden, n):
    s = sizes(hidden)
    macs = sum(a * b for a, b in zip(s, s[1:]))
    return 2.0 * n * (3 * macs - s[0] * s[1])


def data(n, dtype, seed=7):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 2)).astype(dtype)
    y = np.arange(n) % 2
    return x, y


def params(hidden, dtype, seed=7):
    rng = np.random.default_rng(seed)
    s = sizes(hidden)
    return [
        (
            (rng.standard_normal((a, b)) * np.sqrt(2.0 / a)).astype(dtype),
            np.full(b, 0.1, dtype=dtype),
        )
        for a, b in zip(s, s[1:])
    ]


def time_per_step(step, budget):
    """Median seconds per call over 9 chunks after a warm-up, about `budget` seconds in all."""
    t0 = time.perf_counter()
    calls = 0
    while calls < 3 or time.perf_counter() - t0 < budget / 10:
        step()
        calls += 1
    per_call = (time.perf_counter() - t0) / calls
    k = max(1, int(budget * 0.9 / 9 / per_call))
    times = []
    for _ in range(9):
        t = time.perf_counter()
        for _ in range(k):
            step()
        times.append((time.perf_counter() - t) / k)
    times.sort()
    return times[len(times) // 2]


# --- numpy, hand-written backprop -------------------------------------------------------------
def numpy_step(hidden, n, dtype):
    ps = params(hidden, dtype)
    x, y = data(n, dtype)
    onehot = np.eye(2, dtype=dtype)[y]
    lr = dtype(LR)

    def step():
        acts = [x]
        h = x
        for i, (w, b) in enumerate(ps):
            h = h @ w + b
            if i < len(ps) - 1:
                h = np.maximum(h, 0)
            acts.append(h)
        z = h - h.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        loss = -(z[np.arange(n), y] - np.log(s[:, 0])).mean()
        g = (e / s - onehot) / n
        for i in range(len(ps) - 1, -1, -1):
            w, b = ps[i]
            gw = acts[i].T @ g
            gb = g.sum(axis=0)
            if i > 0:
                g = (g @ w.T) * (acts[i] > 0)
            w -= lr * gw
            b -= lr * gb
        return loss

    return step


# --- JAX ----------------------------------------------------------------------------------------
def jax_step(hidden, n, dtype):
    import jax
    import jax.numpy as jnp

    ps = [(jnp.asarray(w), jnp.asarray(b)) for w, b in params(hidden, dtype)]
    x, y = data(n, dtype)
    x, y = jnp.asarray(x), jnp.asarray(y)

    def loss_fn(ps, x, y):
        h = x
        for i, (w, b) in enumerate(ps):
            h = h @ w + b
            if i < len(ps) - 1:
                h = jax.nn.relu(h)
        logp = jax.nn.log_softmax(h)
        return -jnp.take_along_axis(logp, y[:, None], axis=1).mean()

    @jax.jit
    def update(ps, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(ps, x, y)
        return loss, jax.tree_util.tree_map(lambda p, g: p - LR * g, ps, grads)

    state = {"ps": ps}

    def step():
        loss, state["ps"] = update(state["ps"], x, y)
        loss.block_until_ready()
        return loss

    return step


# --- PyTorch eager --------------------------------------------------------------------------------
def torch_step(hidden, n, dtype):
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    tdtype = torch.float32 if dtype == np.float32 else torch.float64
    ps = []
    for w, b in params(hidden, dtype):
        ps.append(torch.tensor(w, dtype=tdtype, requires_grad=True))
        ps.append(torch.tensor(b, dtype=tdtype, requires_grad=True))
    x, y = data(n, dtype)
    x, y = torch.tensor(x, dtype=tdtype), torch.tensor(y)
    opt = torch.optim.SGD(ps, lr=LR)

    def step():
        h = x
        for i in range(0, len(ps), 2):
            h = h @ ps[i] + ps[i + 1]
            if i < len(ps) - 2:
                h = torch.relu(h)
        loss = torch.nn.functional.cross_entropy(h, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss

    return step


# --- scikit-learn ---------------------------------------------------------------------------------
def sklearn_step(hidden, n, dtype):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    x, y = data(n, dtype)
    clf = MLPClassifier(
        hidden_layer_sizes=hidden,
        activation="relu",
        solver="sgd",
        momentum=0.0,
        nesterovs_momentum=False,
        alpha=0.0,
        learning_rate_init=LR,
        batch_size=n,
        random_state=7,
    )
    clf.partial_fit(x, y, classes=[0, 1])

    def step():
        clf.partial_fit(x, y)

    return step


PEERS = {
    "numpy": numpy_step,
    "jax": jax_step,
    "torch": torch_step,
    "sklearn": sklearn_step,
}


def available(name):
    try:
        __import__({"numpy": "numpy", "jax": "jax", "torch": "torch", "sklearn": "sklearn"}[name])
        return True
    except ImportError:
        return False


def main():
    budget = float(os.environ.get("PEERS_SECONDS", "0.5"))
    if "jax" in PEERS and available("jax"):
        import jax

        jax.config.update("jax_enable_x64", True)  # f64 rows need it; f32 arrays stay f32
    for peer, make in PEERS.items():
        if not available(peer):
            print(f"{peer}: not installed, skipped", file=sys.stderr)
            continue
        for hidden, n in CASES:
            for prec, dtype in (("f32", np.float32), ("f64", np.float64)):
                step = make(hidden, n, dtype)
                s = time_per_step(step, budget)
                us = s * 1e6
                print(
                    json.dumps(
                        {
                            "twin": peer,
                            "backend": "python",
                            "hidden": list(hidden),
                            "batch": n,
                            "precision": prec,
                            "us_per_step": us,
                            "samples_per_s": n / s,
                            "flop_per_step": flops(hidden, n),
                            "gflops": flops(hidden, n) / (us * 1e3),
                        }
                    ),
                    flush=True,
                )


if __name__ == "__main__":
    main()
