#!/usr/bin/env bash
# How compare's cost grows with the data: moons with N rows, [64, 64], batch 256, 2 epochs, f64.
# Prints rows, wall seconds, training seconds (both twins' steps), wall / training, peak RSS.
# Usage: benches/scaling.sh [ROWS...]   (default 10000 100000 1000000; build with --release first)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/mlp2d
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "| rows | wall s | training s (both twins) | wall / training | peak RSS MB |"
echo "|---|---|---|---|---|"
for n in "${@:-10000 100000 1000000}"; do
  for rows in $n; do
    cat > "$work/c.toml" <<TOML
name = "moons$rows"
[data]
kind = "moons"
samples = $rows
noise = 0.1
[model]
hidden = [64, 64]
init = "he"
[train]
epochs = 2
batch_size = 256
learning_rate = 0.05
TOML
    /usr/bin/time -f "%e %M" -o "$work/time" "$bin" compare --config "$work/c.toml" --out "$work/out" -q > /dev/null
    read -r wall kb < "$work/time"
    train=$(python3 -c "import json;s=json.load(open('$work/out/summary.json'));print(s['seconds_manual']+s['seconds_burn'])")
    python3 -c "print(f'| {$rows:,} | {$wall:.2f} | {$train:.2f} | {$wall/$train:.1f} | {$kb/1024:.0f} |')"
  done
done
