#!/usr/bin/env bash
# The intelligibility measurement: the same sentences (numbers, times, units, money) synthesized
# by kokorod and by Python kokoro-onnx (same model and voice; espeak-based G2P, no
# normalizer of ours), both transcribed by PocketSphinx; prints each side's word error
# rate against what a person would say. Figures, not asserts. Needs `make fetch`.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${KOKOROD_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/kokorod}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/kokorod
ASR_VENV=${ASR_VENV:-$CACHE/venv}           # the `make test` venv: pocketsphinx, numpy
ANCHOR_VENV=${BENCH_VENV:-$CACHE/bench-venv} # kokoro-onnx
test -x "$ASR_VENV/bin/python" || python3 -m venv "$ASR_VENV"
"$ASR_VENV/bin/python" -c 'import pocketsphinx, numpy' 2>/dev/null || "$ASR_VENV/bin/pip" install -q pocketsphinx==5.1.1 numpy==2.4.6
test -x "$ANCHOR_VENV/bin/python" || python3 -m venv "$ANCHOR_VENV"
"$ANCHOR_VENV/bin/python" -c 'import kokoro_onnx' 2>/dev/null || "$ANCHOR_VENV/bin/pip" install -q kokoro-onnx==0.6.1
cargo build --release --quiet
OUT=$(mktemp -d)
i=0
while IFS=$'\t' read -r text ref; do
  i=$((i + 1))
  ./target/release/kokorod speak --log-level warn -t "$text" -o "$OUT/k$i.wav"
done < bench/asr_sentences.tsv
THREADS=$(python3 -c 'import os; print(len(os.sched_getaffinity(0)))')
"$ANCHOR_VENV/bin/python" bench/asr_anchor.py "$DATA" "$OUT" bench/asr_sentences.tsv "$THREADS"
"$ASR_VENV/bin/python" bench/asr_score.py "$OUT" bench/asr_sentences.tsv
echo "WAVs: $OUT"
