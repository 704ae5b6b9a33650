#!/usr/bin/env bash
# The daemon's memory over one whole answer of the longest text a request may carry
# (100,000 characters of assistant-style prose: about an hour of audio), as users run
# it (`kokorod serve`, default settings but the port, so the response cache is on at
# its default size). Samples RSS every few seconds while a Wyoming client reads the
# answer; prints the samples and a summary: RSS at ready, the highest sample, the
# kernel's high-water mark, RSS after the answer, audio length. What to expect: growth
# bounded by --cache-size (the cache stops recording an answer that outgrows it) plus
# the pipeline (two pieces in flight), not by the answer's length. Asserts nothing.
# Needs the assets (`make fetch`) and a release build; takes ~0.4 s per audio second.
#
#   bench/long_answer.sh [CHARS] [serve options…]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${KOKOROD_BIN:-${CARGO_TARGET_DIR:-target}/release/kokorod}
PORT=${PORT:-10297}
EVERY=${EVERY:-10}
CHARS=${1:-100000}
shift || true
URI=tcp://127.0.0.1:$PORT
WORK=$(mktemp -d)
"$BIN" serve --uri "$URI" "$@" 2>"$WORK/log" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$WORK"' EXIT

# Varied sentences (numbers, times, temperatures, prices), cycled with a counter so
# that no two are the same, cut to exactly CHARS characters at a word.
python3 - "$CHARS" >"$WORK/text" <<'EOF'
import sys
n = int(sys.argv[1])
templates = [
    "Step {i}: preheat the oven to {t} degrees and bake for {m} minutes.",
    "At {h}:{mm} the living room was {c}.{d} °C and the humidity {p} percent.",
    "The order of {q} items came to ${a}.{cents:02d}, delivered on day {i}.",
    "Reminder {i}: the bins go out on Thursday, and the meeting starts at {h} o'clock.",
    "Section {i} explains why the kettle, the heater and the lights share one circuit.",
]
out, i = [], 0
while sum(len(s) + 1 for s in out) < n + 100:
    t = templates[i % len(templates)]
    out.append(t.format(i=i + 1, t=150 + i % 100, m=5 + i % 55, h=1 + i % 12,
                        mm=(i * 7) % 60, c=15 + i % 12, d=i % 10, p=30 + i % 50,
                        q=2 + i % 9, a=10 + i % 90, cents=i % 100))
    i += 1
text = " ".join(out)[:n]
text = text[: text.rfind(" ")] + "."
sys.stdout.write(text.ljust(n, ".")[:n])
EOF

rss() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$PID/status"; }
for _ in $(seq 600); do
  grep -q 'phonemizers built' "$WORK/log" && break
  kill -0 $PID 2>/dev/null || { cat "$WORK/log"; exit 1; }
  sleep 0.1
done
ready=$(rss)
echo "text: $(wc -m <"$WORK/text") characters; RSS at ready: $ready MiB; load $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s)
"$BIN" say --uri "$URI" --timeout 7200 -o "$WORK/answer.wav" "$(cat "$WORK/text")" >/dev/null &
SAY=$!
max=$ready
printf '%8s %8s\n' "s" "RSS MiB"
while kill -0 $SAY 2>/dev/null; do
  now=$(rss)
  [ "$now" -gt "$max" ] && max=$now
  printf '%8s %8s\n' $(($(date +%s) - start)) "$now"
  sleep "$EVERY"
done
wait $SAY
took=$(($(date +%s) - start))
sleep 2
bytes=$(stat -c %s "$WORK/answer.wav")
echo
echo "answer: $(awk -v b="$bytes" 'BEGIN { printf "%.0f", (b - 44) / 48000 }') s of audio in $took s"
echo "RSS MiB: ready $ready, highest sample $max, after the answer $(rss); $(grep VmHWM "/proc/$PID/status" | tr -s ' ')"
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
