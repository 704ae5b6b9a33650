#!/usr/bin/env bash
# ONNX Runtime settings, each in a fresh process, ROUNDS rounds interleaved so that a
# busy moment of the machine hits every variant alike. Prints one JSON line per run,
# then the median per variant. Needs the assets (`make fetch`). Asserts nothing.
#
#   bench/ort_settings.sh                      ROUNDS=3 RUNS=5, every variant
#   VARIANTS="base opt2" bench/ort_settings.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
RUNS=${RUNS:-5}
VARIANTS=${VARIANTS:-"base opt0 opt1 opt2 save saved nopattern noprepack threads1 warm-none warm-multi"}
cargo build --release --quiet --example ort_settings
OUT=$(mktemp)
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)   cpus: $(nproc)"
for r in $(seq "$ROUNDS"); do
    for v in $VARIANTS; do
        ./target/release/examples/ort_settings "$v" "$RUNS" 2>/dev/null | tee -a "$OUT"
    done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$OUT" <<'PY'
import json, sys, statistics as st
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for r in rows:
    by.setdefault(r["variant"], []).append(r)
med = lambda rs, f: st.median(f(r) for r in rs)
print(f"\n{'variant':<11} {'load':>5} {'warm':>5} | {'short first/best':>16} {'cpu':>4} | {'medium first/best':>17} {'cpu':>4} | {'long first/best':>15} {'cpu':>5} | {'peak':>5}  (ms, MB; medians of {len(next(iter(by.values())))} runs)")
for v, rs in by.items():
    cols = [f"{v:<11} {med(rs, lambda r: r['load_ms']):>5.0f} {med(rs, lambda r: r['warm_ms']):>5.0f}"]
    for k, w in (("short", 16), ("medium", 17), ("long", 15)):
        fb = f"{med(rs, lambda r: r[k]['first_ms']):.0f}/{med(rs, lambda r: r[k]['best_ms']):.0f}"
        cols.append(f"{fb:>{w}} {med(rs, lambda r: r[k]['best_cpu_ms']):>4.0f}")
    cols.append(f"{med(rs, lambda r: r['peak_rss_mb']):>5.0f}")
    print(" | ".join(cols))
PY
rm -f "$OUT"
