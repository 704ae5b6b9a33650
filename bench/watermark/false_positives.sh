#!/usr/bin/env bash
# The reference detector on speech that carries no mark: every DIR/*.wav given (e.g. the
# unmarked/ dirs own_quality.sh leaves) plus espeak-ng renderings of
# bench/asr_sentences.tsv (its default voice, and en-gb at 150 wpm for the first 20).
# Prints count, mean, max and how many reach 0.5 per group and overall.
# Usage: bench/watermark/false_positives.sh [DIR...]   (PERTH_VENV, OUT may be set)
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=${PERTH_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/kokorod/perth-venv}
OUT=${OUT:-$(mktemp -d)}
command -v espeak-ng >/dev/null || { echo "needs espeak-ng (apt-get install espeak-ng)" >&2; exit 3; }
mkdir -p "$OUT/espeak-us" "$OUT/espeak-gb"
i=0
while IFS=$'\t' read -r text _ref; do
  i=$((i + 1))
  espeak-ng -w "$OUT/espeak-us/$i.wav" "$text"
  [ "$i" -le 20 ] && espeak-ng -v en-gb -s 150 -w "$OUT/espeak-gb/$i.wav" "$text"
done < bench/asr_sentences.tsv
files=()
for d in "$@" "$OUT/espeak-us" "$OUT/espeak-gb"; do files+=("$d"/*.wav); done
"$VENV/bin/python" bench/watermark/perth_detect.py "${files[@]}" \
  2> >(grep -v '^loaded PerthNet' >&2) > "$OUT/confidences.tsv"
awk -F'\t' '{ g = $1; sub(/\/[^\/]*$/, "", g)
              n[g]++; s[g] += $2; if ($2 > m[g]) m[g] = $2; if ($2 >= 0.5) c[g]++
              N++; S += $2; if ($2 > M) M = $2; if ($2 >= 0.5) C++ }
     END { for (g in n) printf "%s: n=%d mean %.4f max %.4f >=0.5: %d\n", g, n[g], s[g] / n[g], m[g], c[g]
           printf "all: n=%d mean %.4f max %.4f >=0.5: %d\n", N, S / N, M, C }' "$OUT/confidences.tsv"
echo "confidences.tsv: $OUT"
