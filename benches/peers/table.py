"""Reads `mlp2d bench --json` rows and peers.py rows (JSON lines, from files named on the command
line) and prints a Markdown table: µs per step of every entry, and each peer's time divided by
the hand-written twin's (peer time / our time: above 1 means we are faster)."""

import json
import sys

rows = []
for path in sys.argv[1:]:
    with open(path) as f:
        rows += [json.loads(line) for line in f if line.startswith("{")]


def name(r):
    return r["twin"]


def key(r):
    return (tuple(r["hidden"]), r["batch"], r["precision"])


ours = {key(r): r["us_per_step"] for r in rows if r["twin"] == "manual"}
columns = []
for r in rows:
    if name(r) not in columns:
        columns.append(name(r))
cases = []
for r in rows:
    if key(r) not in cases:
        cases.append(key(r))

print("µs per step (median), and in brackets time / hand-written twin's time:\n")
print("| net/batch | prec | " + " | ".join(columns) + " |")
print("|---|---|" + "---:|" * len(columns))
for k in cases:
    cells = []
    for c in columns:
        found = [r for r in rows if name(r) == c and key(r) == k]
        if not found:
            cells.append("–")
            continue
        us = found[0]["us_per_step"]
        ratio = us / ours[k] if k in ours else float("nan")
        cells.append(f"{us:.1f}" if c == "manual" else f"{us:.1f} ({ratio:.1f}×)")
    h, n, p = k
    print(f"| [{h[0]},{h[1]}]/{n} | {p} | " + " | ".join(cells) + " |")
