#!/usr/bin/env bash
# Does kokorod's mark survive the HTTP API's codecs? Starts a daemon (loopback only),
# asks POST /v1/audio/speech for the first N sentences of bench/asr_sentences.tsv in
# every response_format (pcm is wrapped into a 24 kHz 16-bit WAV here), runs the
# reference detector (perth_detect.py) on each file and prints the confidences per
# format. Then the same with a daemon started with --no-watermark (false positives).
# Figures, not asserts. Usage: bench/watermark/codecs.sh [N_SENTENCES] [VOICE]
# KOKOROD (default ./target/release/kokorod), PERTH_VENV, OUT (default: a new temp dir)
# and PORT (HTTP; the Wyoming port is PORT - 8000, default 18391) may be set.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-10}
VOICE=${2:-af_heart}
KOKOROD=${KOKOROD:-./target/release/kokorod}
VENV=${PERTH_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/kokorod/perth-venv}
PORT=${PORT:-18391}
OUT=${OUT:-$(mktemp -d)}
FORMATS="wav flac mp3 opus pcm"
test -x "$VENV/bin/python" || { echo "no venv at $VENV: see bench/watermark/README.md" >&2; exit 3; }

DAEMON=
stop() { if [ -n "$DAEMON" ]; then kill "$DAEMON" 2>/dev/null || true; wait "$DAEMON" 2>/dev/null || true; DAEMON=; fi; }
trap stop EXIT

render() { # render SET [serve flags...]: $OUT/SET/<format>/<i>.<format>
  local set=$1 i=0 text body
  shift
  for f in $FORMATS; do mkdir -p "$OUT/$set/$f"; done
  "$KOKOROD" serve --no-config --log-level warn --uri "tcp://127.0.0.1:$((PORT - 8000))" \
    --http "tcp://127.0.0.1:$PORT" "$@" 2>"$OUT/$set/daemon.log" &
  DAEMON=$!
  for _ in $(seq 120); do
    curl -sf "127.0.0.1:$PORT/health" >/dev/null && break
    sleep 1
  done
  while IFS=$'\t' read -r text _ref && [ "$i" -lt "$N" ]; do
    i=$((i + 1))
    for f in $FORMATS; do
      body=$("$VENV/bin/python" -c 'import json,sys; print(json.dumps({"model": "kokoro",
        "input": sys.argv[1], "voice": sys.argv[2], "response_format": sys.argv[3]}))' \
        "$text" "$VOICE" "$f")
      curl -sf -o "$OUT/$set/$f/$i.$f" -H 'Content-Type: application/json' -d "$body" \
        "127.0.0.1:$PORT/v1/audio/speech"
    done
    "$VENV/bin/python" -c 'import sys, numpy as np, soundfile as sf
sf.write(sys.argv[2], np.fromfile(sys.argv[1], dtype="<i2"), 24000, subtype="PCM_16")' \
      "$OUT/$set/pcm/$i.pcm" "$OUT/$set/pcm/$i.wav"
  done < bench/asr_sentences.tsv
  stop
}

summary() { # summary SET: detector confidence per format
  local set=$1 f
  for f in $FORMATS; do
    "$VENV/bin/python" bench/watermark/perth_detect.py "$OUT/$set/$f"/*.$([ "$f" = pcm ] && echo wav || echo "$f") \
      2> >(grep -v '^loaded PerthNet' >&2) | awk -v set="$set" -v f="$f" -F'\t' '
          { s += $2; n++; if (n == 1 || $2 < lo) lo = $2; if (n == 1 || $2 > hi) hi = $2
            if ($2 >= 0.5) pos++ }
          END { if (n) printf "%-9s %-5s n=%-3d mean %.4f  min %.4f  max %.4f  >=0.5: %d\n",
                set, f, n, s / n, lo, hi, pos }' || true
  done
}

render marked
render unmarked --no-watermark
summary marked
summary unmarked
echo "files: $OUT"
