#!/usr/bin/env python3
"""The table "Every shipped config, both backends, both precisions" of docs/agreement.md: runs
every config in configs/ in the four settings (f64/f32 × flex/ndarray) and prints one Markdown
row per config: `max err_bound, ambiguous units` per setting (the units only for ReLU and the leaky
ReLU, which have kinks; "bit for bit" where the twins agreed exactly),
FAIL with the finding's name where a run fails.

    python3 scripts/settings_table.py [MLP2D_BINARY] [OUT_DIR]

Defaults: target/release/mlp2d and a temporary folder.
"""

import glob
import json
import os
import subprocess
import sys
import tempfile

SETTINGS = [("f64", "flex"), ("f64", "ndarray"), ("f32", "flex"), ("f32", "ndarray")]


def cell(summary):
    bound = summary["max_err_bound"]
    text = "0 (bit for bit)" if summary.get("bit_identical") else f"{bound:.3g}"
    if not summary["passed"]:
        d = summary.get("first_disagreement") or {}
        finding = d.get("finding")
        text = f"FAIL {bound:.3g}" + (f" ({finding})" if finding else "")
    act = summary.get("activation") or "relu"
    if not act.startswith(("relu", "leaky_relu")):  # smooth: no unit at a kink to count
        return text
    return f"{text}, {summary['ambiguous_units']}"


def main(argv):
    binary = argv[0] if argv else "target/release/mlp2d"
    out = argv[1] if len(argv) > 1 else tempfile.mkdtemp(prefix="mlp2d-settings-")
    rows = []
    for path in sorted(glob.glob("configs/*.toml")):
        name = os.path.basename(path)[:-5]
        cells, summary = [], None
        for precision, backend in SETTINGS:
            run = os.path.join(out, f"{name}-{precision}-{backend}")
            subprocess.run(
                [binary, "compare", "--config", path, "--precision", precision,
                 "--backend", backend, "--out", run, "-q"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            with open(os.path.join(run, "summary.json"), encoding="utf-8") as f:
                summary = json.load(f)
            cells.append(cell(summary))
        net = summary["sizes"]
        rows.append(f"| {name} | {net} {summary.get('activation') or 'relu'} | "
                    f"{summary.get('optimizer') or 'sgd'} | {summary['steps']} | " + " | ".join(cells) + " |")
    print("| config | net | optimizer | steps | f64 flex | f64 ndarray | f32 flex | f32 ndarray |")
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main(sys.argv[1:])
