#!/usr/bin/env bash
# kokorod's own marking: synthesizes the first N sentences of bench/asr_sentences.tsv with
# `kokorod speak --no-watermark` (unmarked/<i>.wav) and with the default marking
# (marked/<i>.wav), then runs quality.py on the pair. Figures, not asserts.
# Usage: bench/watermark/own_quality.sh [N_SENTENCES] [VOICE]
# KOKOROD (default ./target/release/kokorod), PERTH_VENV and OUT (default: a new temp dir)
# may be set.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-40}
VOICE=${2:-af_heart}
KOKOROD=${KOKOROD:-./target/release/kokorod}
VENV=${PERTH_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/kokorod/perth-venv}
OUT=${OUT:-$(mktemp -d)}
test -x "$VENV/bin/python" || { echo "no venv at $VENV: see bench/watermark/README.md" >&2; exit 3; }
mkdir -p "$OUT/unmarked" "$OUT/marked"
i=0
while IFS=$'\t' read -r text _ref && [ "$i" -lt "$N" ]; do
  i=$((i + 1))
  "$KOKOROD" speak --log-level warn --voice "$VOICE" --no-watermark -t "$text" -o "$OUT/unmarked/$i.wav"
  "$KOKOROD" speak --log-level warn --voice "$VOICE" -t "$text" -o "$OUT/marked/$i.wav"
done < bench/asr_sentences.tsv
"$VENV/bin/python" bench/watermark/quality.py "$OUT/unmarked" "$OUT/marked" \
  bench/asr_sentences.tsv --per-file "$OUT/per_file.tsv"
echo "WAVs and per_file.tsv: $OUT"
