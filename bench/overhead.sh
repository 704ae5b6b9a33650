#!/usr/bin/env bash
# The pipeline's cost over the bare model, in one run: examples/overhead.rs (pipeline,
# and the same token sequences through ONNX Runtime with kokorod's settings and with
# ONNX Runtime's defaults), then a plain Python ONNX Runtime session on those sequences.
# Needs the assets (`make fetch`). Prints figures only.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
DATA=${KOKOROD_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/kokorod}
VENV=${BENCH_WYOMING_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/kokorod/bench-wyoming-venv}
test -x "$VENV/bin/python" || python3 -m venv "$VENV"
"$VENV/bin/python" -c 'import onnxruntime' 2>/dev/null || "$VENV/bin/pip" install -q --disable-pip-version-check onnxruntime==1.32.0 numpy
TOKENS=$(mktemp --suffix=.json)
trap 'rm -f "$TOKENS"' EXIT
cargo build --release --quiet --example overhead
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)   cpus: $(nproc)"
./target/release/examples/overhead "$ROUNDS" "$TOKENS" 2>/dev/null
"$VENV/bin/python" bench/anchor_overhead.py "$DATA" "$TOKENS" "$ROUNDS"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
