#!/usr/bin/env bash
# Times mlp2d's twins (`mlp2d bench --json`) and the Python peers (peers.py) in one run on this
# machine, and prints the table of ratios (peer time / hand-written twin's time) per size.
#
#   benches/peers/run.sh            # uses $PYTHON, else /tmp/mlp2d-peers/bin/python
#
# The Python packages: python3 -m venv /tmp/mlp2d-peers &&
#   /tmp/mlp2d-peers/bin/pip install -r benches/peers/requirements.txt
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python="${PYTHON:-/tmp/mlp2d-peers/bin/python}"
out="$(mktemp -d)"
cd "$root"
cargo build --release --quiet
"${CARGO_TARGET_DIR:-target}/release/mlp2d" bench --json --ms 300 > "$out/ours.jsonl"
"$python" "$here/peers.py" > "$out/peers.jsonl"
"$python" "$here/table.py" "$out/ours.jsonl" "$out/peers.jsonl"
echo
echo "raw rows: $out/ours.jsonl $out/peers.jsonl"
