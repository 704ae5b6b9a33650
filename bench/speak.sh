#!/usr/bin/env bash
# Engine figures, kokorod beside its anchor (Python kokoro-onnx, same model, voice,
# threads) in one run. Needs the assets (`make fetch`). Prints figures only.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
DATA=${KOKOROD_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/kokorod}
VENV=${BENCH_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/kokorod/bench-venv}
THREADS=$(python3 -c 'import os; print(len(os.sched_getaffinity(0)))')
test -x "$VENV/bin/python" || python3 -m venv "$VENV"
"$VENV/bin/python" -c 'import kokoro_onnx' 2>/dev/null || "$VENV/bin/pip" install -q --disable-pip-version-check kokoro-onnx==0.6.1
cargo run --release --quiet --example bench_speak -- "$RUNS"
"$VENV/bin/python" bench/anchor_kokoro_onnx.py "$DATA" "$THREADS" "$RUNS"
