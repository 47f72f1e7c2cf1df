#!/usr/bin/env python3
"""Whether a `compare --all` output folder holds the same numbers as another (the committed
results/): every metrics.csv column but the seconds and every summary.json field but the timings,
compared exactly (CSV as text, JSON as parsed). Exit 0 when all are equal, 1 otherwise.

    mlp2d compare --all configs/ --out /tmp/after
    python3 scripts/same_results.py results /tmp/after
"""
import csv, json, os, sys

if len(sys.argv) != 3:
    sys.exit("usage: same_results.py COMMITTED_DIR NEW_DIR")
committed, new = sys.argv[1], sys.argv[2]


def timing(key):
    return key.startswith("seconds")


runs = sorted(d for d in os.listdir(committed) if os.path.isfile(os.path.join(committed, d, "summary.json")))
bad = 0
compared_cols, compared_fields = set(), set()
for run in runs:
    a_rows = list(csv.DictReader(open(os.path.join(committed, run, "metrics.csv"))))
    b_rows = list(csv.DictReader(open(os.path.join(new, run, "metrics.csv"))))
    if len(a_rows) != len(b_rows):
        print(f"{run}: metrics.csv {len(a_rows)} rows vs {len(b_rows)}"); bad += 1
    for i, (a, b) in enumerate(zip(a_rows, b_rows)):
        if set(a) != set(b):
            print(f"{run}: metrics.csv columns differ: {set(a) ^ set(b)}"); bad += 1
        for k in a:
            if timing(k):
                continue
            compared_cols.add(k)
            if a[k] != b.get(k):
                print(f"{run}: metrics.csv row {i+1} {k}: {a[k]} vs {b.get(k)}"); bad += 1
    sa = json.load(open(os.path.join(committed, run, "summary.json")))
    sb = json.load(open(os.path.join(new, run, "summary.json")))
    if set(sa) != set(sb):
        print(f"{run}: summary.json fields differ: {set(sa) ^ set(sb)}"); bad += 1
    for k in sa:
        if timing(k):
            continue
        compared_fields.add(k)
        if sa[k] != sb.get(k):
            print(f"{run}: summary.json {k}: {sa[k]!r} vs {sb.get(k)!r}"); bad += 1
print(f"{len(runs)} runs: {', '.join(runs)}")
print(f"metrics.csv columns compared: {', '.join(sorted(compared_cols))}")
print(f"summary.json fields compared: {', '.join(sorted(compared_fields))}")
print("differences:", bad)
sys.exit(1 if bad else 0)
