#!/usr/bin/env bash
# One kokorod on every core, or one per core (pinned with taskset, as CPUAffinity= does
# for kokorod@.service), both behind HAProxy with the shipped config
# (packaging/haproxy/kokorod.cfg): the same mixed load (examples/kokorod_load: Wyoming
# and HTTP, short and long texts) through the balancer, rounds alternating. Prints
# answers per second, first audio p50/p95, the daemons' CPU-seconds and the load
# average before and after each run. Loopback only. Needs haproxy and the assets.
#
#   bench/balance.sh                CLIENTS=6 REQUESTS=60 ROUNDS=2 by default
#   CLIENTS=1 REQUESTS=12 bench/balance.sh   one user at a time
#   KOKOROD=path/to/kokorod LOAD=path/to/kokorod_load bench/balance.sh
# The daemons run with DAEMON_ARGS, by default `--cache-size 0`: the load repeats its
# texts, and a response cache per instance would measure the cache, not the engines.
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENTS=${CLIENTS:-6}
REQUESTS=${REQUESTS:-60}
ROUNDS=${ROUNDS:-2}
SEED=${SEED:-5}
DAEMON_ARGS=${DAEMON_ARGS:---cache-size 0}
TARGET=${CARGO_TARGET_DIR:-target}
KOKOROD=${KOKOROD:-$TARGET/release/kokorod}
LOAD=${LOAD:-$TARGET/release/examples/kokorod_load}
[ -x "$KOKOROD" ] && [ -x "$LOAD" ] || {
    echo "build first: cargo build --release --bin kokorod --example kokorod_load" >&2
    exit 1
}
command -v haproxy >/dev/null || { echo "haproxy not found (apt-get install haproxy)" >&2; exit 1; }
OUT=$(mktemp -d "${TMPDIR:-/tmp}/kokorod-balance.XXXXXX")
CPUS=$(nproc)
TICK=$(getconf CLK_TCK)
PIDS=()
HAPROXY=

stop_all() {
    for p in "${PIDS[@]}" $HAPROXY; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}" $HAPROXY; do wait "$p" 2>/dev/null || true; done
    PIDS=() HAPROXY=
}
trap stop_all EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# CPU ticks (user + system) of the daemons so far.
ticks() {
    local sum=0 p
    for p in "${PIDS[@]}"; do
        sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat")))
    done
    echo "$sum"
}

# Waits until the daemons' CPU use settles (the other languages' phonemizers are built
# right after start), at most 60 s.
settle() {
    local before after i
    for i in $(seq 60); do
        before=$(ticks); sleep 1; after=$(ticks)
        [ $((after - before)) -le $((TICK / 20)) ] && return 0
    done
}

wait_health() {
    local port=$1 i
    for i in $(seq 240); do
        python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/health', timeout=1)" 2>/dev/null && return 0
        sleep 0.5
    done
    echo "kokorod on HTTP port $port did not get ready" >&2
    exit 1
}

# start MODE: "single" (one daemon, all CPUs) or "split" (one daemon per CPU).
start() {
    local mode=$1 n cpus i wy ht servers_wy= servers_ht=
    if [ "$mode" = single ]; then n=1; else n=$CPUS; fi
    for i in $(seq 0 $((n - 1))); do
        wy=$(free_port) ht=$(free_port)
        if [ "$mode" = single ]; then cpus=0-$((CPUS - 1)); else cpus=$i; fi
        taskset -c "$cpus" "$KOKOROD" --uri "tcp://127.0.0.1:$wy" --http "tcp://127.0.0.1:$ht" \
            --no-config --log-level warn $DAEMON_ARGS 2>"$OUT/kokorod-$mode-$i.log" &
        PIDS+=($!)
        servers_wy+="    server k$i 127.0.0.1:$wy"$'\n'
        servers_ht+="    server k$i 127.0.0.1:$ht"$'\n'
        wait_health "$ht"
    done
    FRONT_WY=$(free_port) FRONT_HT=$(free_port)
    # The shipped config, in the foreground as this user, with these ports and servers.
    python3 - packaging/haproxy/kokorod.cfg "$FRONT_WY" "$FRONT_HT" "$servers_wy" "$servers_ht" >"$OUT/haproxy.cfg" <<'EOF'
import re, sys
text, fw, fh, sw, sh = open(sys.argv[1]).read(), *sys.argv[2:]
for line in ("    chroot /var/lib/haproxy\n", "    user haproxy\n", "    group haproxy\n",
             "    daemon\n", "    log /dev/log local0\n", "    log global\n",
             "    stats socket /run/haproxy/admin.sock mode 660 level admin\n"):
    assert line in text, line
    text = text.replace(line, "")
text = text.replace("bind :10210", f"bind 127.0.0.1:{fw}").replace("bind :8880", f"bind 127.0.0.1:{fh}")
text = re.sub(r"(?:    server \w+ 127\.0\.0\.1:1021\d\n)+", lambda m: sw, text)
text = re.sub(r"(?:    server \w+ 127\.0\.0\.1:888\d\n)+", lambda m: sh, text)
print(text, end="")
EOF
    haproxy -db -f "$OUT/haproxy.cfg" 2>"$OUT/haproxy-$mode.log" &
    HAPROXY=$!
    settle
}

run() {
    local mode=$1 round=$2 t0 t1 load0 load1 report
    start "$mode"
    load0=$(cut -d' ' -f1-3 /proc/loadavg)
    t0=$(ticks)
    report=$("$LOAD" --uri "tcp://127.0.0.1:$FRONT_WY" --http "127.0.0.1:$FRONT_HT" \
        --clients "$CLIENTS" --requests "$REQUESTS" --seed "$SEED" 2>/dev/null || true)
    t1=$(ticks)
    load1=$(cut -d' ' -f1-3 /proc/loadavg)
    echo "$report" >"$OUT/report-$mode-$round.txt"
    python3 - "$mode" "$round" "$(( (t1 - t0) ))" "$TICK" "$load0" "$load1" "${#PIDS[@]}" <<EOF
import re, sys
mode, rnd, ticks, tick, load0, load1, n = sys.argv[1:]
r = open("$OUT/report-$mode-$round.txt").read()
done = int(re.search(r"completed \(complete, well-formed answers\): (\d+)", r).group(1))
wall = float(re.search(r"wall: ([\d.]+) s", r).group(1))
fa = re.search(r"first audio: p50 (\S+) ms, p95 (\S+) ms", r)
bad = re.search(r"unexpected errors: (.*)", r).group(1)
print(f"{mode:6} x{n} round {rnd}: {done} answers in {wall:.1f} s = {done / wall:.2f}/s, "
      f"first audio p50 {fa.group(1)} ms p95 {fa.group(2)} ms, "
      f"daemons {int(ticks) / int(tick):.1f} CPU-s, load {load0} -> {load1}, unexpected {bad}")
EOF
    stop_all
}

echo "$("$KOKOROD" --version 2>/dev/null | head -1), $CPUS CPUs, $CLIENTS clients, $REQUESTS requests a run, daemons with '$DAEMON_ARGS' (logs in $OUT)"
for round in $(seq "$ROUNDS"); do
    run single "$round"
    run split "$round"
done
