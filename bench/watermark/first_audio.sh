#!/bin/sh
# What the watermark costs a user: first audio and whole answer of plain Wyoming
# `synthesize` from two daemons of the same build, one marking (the default) and one
# with --no-watermark, requests alternating so both see the same machine; then each
# daemon's CPU time and memory. Release build; loopback only.
# Usage: bench/watermark/first_audio.sh [ROUNDS]   (3 texts per round)
set -eu
cd "$(dirname "$0")/../.."
ROUNDS=${1:-5}
PY=${KOKOROD_PYTHON:-${XDG_CACHE_HOME:-$HOME/.cache}/kokorod/venv/bin/python}
cargo build --release --quiet --bin kokorod
K=target/release/kokorod
$K serve --no-config --uri tcp://127.0.0.1:10471 >/dev/null 2>&1 & A=$!
$K serve --no-config --uri tcp://127.0.0.1:10472 --no-watermark >/dev/null 2>&1 & B=$!
trap 'kill $A $B 2>/dev/null' EXIT
for port in 10471 10472; do
    for _ in $(seq 120); do
        "$PY" -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null && break
        sleep 0.5
    done
done
sleep 3
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$PY" bench/watermark/first_audio.py "$ROUNDS" marked=10471 unmarked=10472
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
for p in $A $B; do
    printf '%s: CPU %s s, ' "$([ $p = $A ] && echo marked || echo unmarked)" \
        "$(awk '{printf "%.1f", ($14+$15)/100}' /proc/$p/stat)"
    grep -E 'VmRSS|VmHWM' /proc/$p/status | tr -s ' \t\n' ' '; echo
done
