#!/usr/bin/env bash
# The running daemon's memory, as users run it (`kokorod serve`, default settings but
# the port): after ready and every installed phonemizer built, after one answer in each
# language, after a burst of 20 answers, and after the same round again. Per stage:
# RSS, PSS, anonymous and file-backed memory (/proc/PID/smaps_rollup), the main heap and
# glibc's thread arenas; at the end the largest mappings (/proc/PID/smaps). Extra
# arguments go to `kokorod serve`; environment (MALLOC_ARENA_MAX=2, …) reaches the
# daemon. Prints figures only. Needs the assets (`make fetch`) and a release build.
#
#   bench/memory.sh [serve options…]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${KOKOROD_BIN:-${CARGO_TARGET_DIR:-target}/release/kokorod}
PORT=${PORT:-10299}
BURST=${BURST:-20}
URI=tcp://127.0.0.1:$PORT
LOG=$(mktemp)
OUT=$(mktemp -d)
"$BIN" serve --uri "$URI" "$@" 2>"$LOG" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$LOG" "$OUT"' EXIT

# KiB of a field of smaps_rollup.
field() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$PID/smaps_rollup"; }
# KiB resident in the heap, and in glibc's thread arenas (anonymous read-write mappings that
# start on a 64 MiB boundary).
heap() { awk '/^[0-9a-f]+-[0-9a-f]+ /{ h = ($6 == "[heap]") } h && $1 == "Rss:" { s += $2 } END { print s + 0 }' "/proc/$PID/smaps"; }
arenas() {
  awk '/^[0-9a-f]+-[0-9a-f]+ /{ split($1, r, "-"); a = (NF == 5 && $2 == "rw-p" && r[1] ~ /[048c]000000$/) }
       a && $1 == "Rss:" { s += $2 } END { print s + 0 }' "/proc/$PID/smaps"
}
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
row() {
  local rss pss anon
  rss=$(field Rss) pss=$(field Pss) anon=$(field Anonymous)
  printf '%-34s %6s %6s %6s %6s %6s %6s   %s\n' "$1" "$(mib "$rss")" "$(mib "$pss")" "$(mib "$anon")" \
    "$(mib $((rss - anon)))" "$(mib "$(heap)")" "$(mib "$(arenas)")" "$(cut -d' ' -f1-3 /proc/loadavg)"
}
say() { "$BIN" say --uri "$URI" --timeout 900 --voice "$1" -o "$OUT/$RANDOM.wav" "$2" >/dev/null; }

start=$(date +%s.%N)
for _ in $(seq 600); do
  grep -q 'phonemizers built' "$LOG" && break
  kill -0 $PID 2>/dev/null || { cat "$LOG"; exit 1; }
  sleep 0.1
done
grep -o 'phonemizers built.*' "$LOG" || true
printf '%-34s %6s %6s %6s %6s %6s %6s   %s\n' "stage (MiB)" RSS PSS anon file heap arenas load
row "ready, phonemizers built ($(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f s", e - s }'))"
sleep 2
row "2 s later"

round() {
  say af_heart "Turned on the kitchen lights."
  say bf_emma "The kettle is on, and the heating is set to twenty degrees."
  say ef_dora "Las luces de la cocina están encendidas."
  say ff_siwis "Les lumières de la cuisine sont allumées."
  say hf_alpha "रसोई की बत्तियाँ जल गई हैं।"
  say if_sara "Le luci della cucina sono accese."
  say jf_alpha "台所の電気をつけました。"
  say pf_dora "As luzes da cozinha estão acesas."
  say zf_xiaobei "厨房的灯已经打开了。"
}
round
row "one answer per language"
pids=()
for i in $(seq "$BURST"); do
  say af_heart "Timer number $i is set for $((i * 3)) minutes, starting now." &
  pids+=($!)
done
[ ${#pids[@]} -eq 0 ] || wait "${pids[@]}" || echo "some answers failed"
row "burst of $BURST (concurrent)"
round
row "the same round again"
pids=()
for i in $(seq "$BURST"); do
  say bf_emma "Reminder $i: the bins go out on Thursday at $((i % 12 + 1)) o'clock." &
  pids+=($!)
done
[ ${#pids[@]} -eq 0 ] || wait "${pids[@]}" || echo "some answers failed"
row "another burst of $BURST"
sleep 2
row "2 s later"

echo
echo "largest mappings (RSS MiB, anonymous MiB, name):"
awk '/^[0-9a-f]+-[0-9a-f]+ /{ name = (NF >= 6 ? $6 : "[anonymous, " $1 "]") }
     $1 == "Rss:" { rss[name] += $2 } $1 == "Anonymous:" { an[name] += $2 }
     END { for (n in rss) if (rss[n] >= 1024) printf "%8.1f %8.1f  %s\n", rss[n] / 1024, an[n] / 1024, n }' \
  "/proc/$PID/smaps" | sort -rn | head -25
grep -E 'VmHWM|VmRSS|Threads' "/proc/$PID/status"
kill $PID
wait $PID || true
trap 'rm -rf "$LOG" "$OUT"' EXIT
