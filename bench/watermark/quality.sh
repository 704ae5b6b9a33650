#!/usr/bin/env bash
# The reference Perth package's own quality cost on kokorod speech: synthesizes the
# sentences of bench/asr_sentences.tsv with kokorod (unmarked/<i>.wav), marks them with
# resemble-perth 1.0.1 (marked/<i>.wav, 16-bit PCM) and runs quality.py on the pair.
# Figures, not asserts. Usage: bench/watermark/quality.sh [N_SENTENCES] [VOICE]
# KOKOROD (default ./target/release/kokorod) and PERTH_VENV may be set.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-40}
VOICE=${2:-af_heart}
KOKOROD=${KOKOROD:-./target/release/kokorod}
VENV=${PERTH_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/kokorod/perth-venv}
test -x "$VENV/bin/python" || { echo "no venv at $VENV: see bench/watermark/README.md" >&2; exit 3; }
OUT=$(mktemp -d)
mkdir -p "$OUT/unmarked"
i=0
while IFS=$'\t' read -r text _ref && [ "$i" -lt "$N" ]; do
  i=$((i + 1))
  "$KOKOROD" speak --log-level warn --voice "$VOICE" -t "$text" -o "$OUT/unmarked/$i.wav"
done < bench/asr_sentences.tsv
"$VENV/bin/python" bench/watermark/mark_reference.py "$OUT/unmarked" "$OUT/marked" 2>/dev/null
"$VENV/bin/python" bench/watermark/quality.py "$OUT/unmarked" "$OUT/marked" \
  bench/asr_sentences.tsv --per-file "$OUT/per_file.tsv"
echo "WAVs and per_file.tsv: $OUT"
