//! `check --autograder DIR --assignment FILE`: the folder Gradescope's autograder is made of.
//! Zipped (its files at the root of the zip), it is uploaded as the assignment's autograder:
//! Gradescope unpacks it into /autograder/source, runs `setup.sh` once as root when it builds
//! the image, and `run_autograder` (copied to /autograder) for each submission, which must
//! leave /autograder/results/results.json.
//!
//! `setup.sh` builds mlp2d from the copy of its source placed beside it (`mlp2d/`), installing
//! Rust first where it is missing, and installs numpy and safetensors. `run_autograder` runs the
//! submission from /autograder/submission (an executable `run`, or its one `.py` file with
//! python3) over the assignment's problems and writes Gradescope's results.json; a submission
//! that cannot be run gets a results.json with score 0 that says why.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// What of mlp2d's source a build needs (the bench's file too: the manifest names it).
const SOURCE_PARTS: [&str; 5] = [
    "Cargo.toml",
    "Cargo.lock",
    "src",
    "assets",
    "benches/step.rs",
];

const SETUP: &str = r#"#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (written by
# `mlp2d check --autograder`): mlp2d built from the source beside this file, and the Python
# packages a numpy submission needs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends build-essential ca-certificates curl python3 python3-pip
if ! command -v cargo >/dev/null 2>&1; then
    if [[ ! -x "$HOME/.cargo/bin/cargo" ]]; then
        curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    fi
    export PATH="$HOME/.cargo/bin:$PATH"
fi
cargo install --locked --path "$here/mlp2d" --root /usr/local
# Newer Ubuntu images refuse a system-wide pip install without --break-system-packages.
python3 -m pip install numpy safetensors ||
    python3 -m pip install --break-system-packages numpy safetensors
mlp2d --version
"#;

const RUN: &str = r#"#!/usr/bin/env bash
# Gradescope runs this for each submission (written by `mlp2d check --autograder`): the
# submission's code over the assignment's problems, judged by `mlp2d check`, the results in
# results/results.json. To try it elsewhere: MLP2D_AUTOGRADER_ROOT is the folder that holds
# source/, submission/ and results/ (default /autograder), MLP2D the mlp2d binary (default: the
# one on PATH).
set -uo pipefail
root="${MLP2D_AUTOGRADER_ROOT:-/autograder}"
mlp2d="${MLP2D:-mlp2d}"
submission="$root/submission"
results="$root/results"
mkdir -p "$results"

# A results.json with score 0 and the reason, for a submission that cannot be judged.
fail() {
    python3 -c 'import json, sys
print(json.dumps({"score": 0, "output": sys.argv[1], "tests": []}, indent=2))' "$1" \
        >"$results/results.json"
    exit 0
}

cd "$submission" 2>/dev/null || fail "no submission folder $submission"
shopt -s nullglob
scripts=(*.py)
if [[ -f run ]]; then
    chmod +x run 2>/dev/null
    cmd="$(printf '%q' "$submission/run")"
elif ((${#scripts[@]} == 1)); then
    cmd="python3 $(printf '%q' "$submission/${scripts[0]}")"
else
    fail "the submission must hold an executable named run, or exactly one .py file (it holds ${#scripts[@]} .py files): it is run as CMD PROBLEM ANSWER for each problem"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$mlp2d" check --assignment "$root/source/assignment.toml" --exec "$cmd" --out "$work/check" \
    --format json >"$work/results.json" 2>"$work/stderr"
code=$?
# 0: every problem agrees, 1: some do not; anything else is no judgement at all.
if ((code == 0 || code == 1)); then
    mv "$work/results.json" "$results/results.json"
else
    fail "mlp2d check could not judge the submission (exit $code): $(tail -n 5 "$work/stderr")"
fi
"#;

/// Where mlp2d's source is: MLP2D_SOURCE, else the folder this binary was built from.
fn source_dir() -> Result<PathBuf> {
    let dir = std::env::var_os("MLP2D_SOURCE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap_or_default();
    if !manifest.contains("name = \"mlp2d\"") {
        bail!(
            "mlp2d's source is not at {} (the autograder builds mlp2d from a copy of it): set MLP2D_SOURCE to a checkout of mlp2d",
            dir.display()
        );
    }
    Ok(dir)
}

fn copy(from: &Path, to: &Path) -> Result<()> {
    if from.is_dir() {
        std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
        for entry in
            std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))?
        {
            let entry = entry?;
            copy(&entry.path(), &to.join(entry.file_name()))?;
        }
        Ok(())
    } else {
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::copy(from, to)
            .map(|_| ())
            .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))
    }
}

fn write(path: &Path, text: &str, executable: bool) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    if executable {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
            .with_context(|| format!("cannot make {} executable", path.display()))?;
    }
    Ok(())
}

/// Writes the autograder for `assignment` (already read and checked) into `dir`, a new or
/// empty folder. On an error, what was written is removed again.
pub fn write_autograder(dir: &Path, assignment: &Path) -> Result<()> {
    let source = source_dir()?;
    let text = std::fs::read_to_string(assignment)
        .with_context(|| format!("cannot read the assignment {}", assignment.display()))?;
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .with_context(|| format!("{} is not a folder", dir.display()))?
            .next()
            .is_none();
        if !empty {
            bail!(
                "{} is not empty: the autograder is a whole folder (zipped as it is), so give a new one",
                dir.display()
            );
        }
    }
    let created = !dir.exists();
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let written = (|| -> Result<()> {
        for part in SOURCE_PARTS {
            copy(&source.join(part), &dir.join("mlp2d").join(part))?;
        }
        write(&dir.join("assignment.toml"), &text, false)?;
        write(&dir.join("setup.sh"), SETUP, true)?;
        write(&dir.join("run_autograder"), RUN, true)
    })();
    if written.is_err() {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let p = e.path();
                let _ = if p.is_dir() {
                    std::fs::remove_dir_all(&p)
                } else {
                    std::fs::remove_file(&p)
                };
            }
        }
        if created {
            let _ = std::fs::remove_dir(dir);
        }
    }
    written
}
