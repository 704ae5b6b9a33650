"""Helpers for bench/wyoming.sh; runs in the bench venv (wyoming, wyoming-bench).

  bench ARGS..                  wyoming-bench's own CLI (`wyoming-bench ARGS..`) with a silent
                                nonce in every sentence instead of its own after the last (_unique)
  freeport                      print a free TCP port on 127.0.0.1
  wait PORT PID START [SECONDS] poll `describe` until `info` comes back (or PID dies);
                                prints seconds since START (epoch seconds)
  concurrent OUT.json N K PORT.. N clients at once per server, K requests each, with
                                wyoming-bench's own measure_once, both modes, its
                                default texts (client i starts at text i)
  firsts OUT.json R PORT..      per server, mode and text (wyoming-bench's texts), R
                                requests: mean first audio, mean whole answer, ratio
                                (concurrent and firsts also time every audio chunk:
                                the silences inside answers, see _silences)
  proc PID.. SECONDS            per PID: VmRSS, VmHWM, threads, CPU used over SECONDS
  table LOG CONC.json PROC..    the compact table from wyoming-bench's summary
"""

import asyncio
import contextvars
import json
import os
import re
import secrets
import socket
import sys
import time


def _unique(text: str) -> str:
    """wyoming-bench's nonce, but in every sentence rather than after the last one, and
    silent. Streamed text reaches the server a sentence at a time, and a sentence
    repeated from an earlier round is a cache hit for a server that caches answers per
    sentence (as kokorod's response cache does), not the cold synthesis the nonce is
    there for. A spoken nonce (wyoming-bench's hex, read out as letters and numbers)
    makes every sentence longer than the corpus's; 32 random bits written as zero-width
    spaces and non-joiners before the sentence's end make the text new while both
    servers speak the corpus's own words (each drops those characters before G2P)."""
    from wyoming_bench.tts.texts import split_sentences

    out = []
    for s in split_sentences(text):
        bits = secrets.randbits(32)
        mark = "".join("\u200c" if bits >> i & 1 else "\u200b" for i in range(32))
        body, end = (s[:-1], s[-1]) if s[-1] in ".!?" else (s, "")
        out.append(f"{body}{mark}{end}")
    return " ".join(out)


def bench(*args: str) -> None:
    """wyoming-bench's CLI, unchanged but for where its nonce goes (see _unique)."""
    import wyoming_bench.tts.bench as wb
    from wyoming_bench.cli import main

    wb._maybe_unique = lambda text, unique: _unique(text) if unique else text
    sys.argv = ["wyoming-bench", *args]
    sys.exit(main())


def freeport() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


async def _describe(port: int) -> bool:
    from wyoming.client import AsyncTcpClient
    from wyoming.info import Describe, Info

    async with AsyncTcpClient("127.0.0.1", port) as client:
        await client.write_event(Describe().event())
        while True:
            event = await asyncio.wait_for(client.read_event(), 2.0)
            if event is None:
                return False
            if Info.is_type(event.type):
                return bool(Info.from_event(event).tts)


def wait(port: str, pid: str, start: str, seconds: str = "180") -> None:
    deadline = time.monotonic() + float(seconds)
    while time.monotonic() < deadline:
        if not os.path.exists(f"/proc/{pid}") or _zombie(pid):
            sys.exit(f"process {pid} exited before answering describe on port {port}")
        try:
            if asyncio.run(_describe(int(port))):
                print(f"{time.time() - float(start):.1f}")
                return
        except (OSError, asyncio.TimeoutError):
            pass
        time.sleep(0.1)  # poll interval
    sys.exit(f"no info from 127.0.0.1:{port} within {seconds} s")


def _zombie(pid: str) -> bool:
    try:
        stat = open(f"/proc/{pid}/stat").read()
    except OSError:
        return True
    return stat[stat.rindex(")") + 2] in "ZX"


# Silences inside an answer: a client that plays each chunk as it arrives (as Home
# Assistant's satellites do) falls silent when a chunk arrives after the audio before it
# has run out. Shorter stretches than SILENCE_S are left out: a player's buffer hides them.
SILENCE_S = 0.05
_CHUNKS = contextvars.ContextVar("chunks", default=None)


def _record_chunks() -> None:
    """Makes wyoming-bench's client note when each audio chunk arrives and how long it plays.
    Only observes: the measurement itself stays wyoming-bench's measure_once."""
    from wyoming.audio import AudioChunk
    from wyoming_bench.tts import client as wb

    if getattr(wb.AsyncTcpClient, "records_chunks", False):
        return

    class Recording(wb.AsyncTcpClient):
        records_chunks = True

        async def read_event(self):
            event = await super().read_event()
            log = _CHUNKS.get()
            if event is not None and log is not None and AudioChunk.is_type(event.type):
                log.append((time.perf_counter(), AudioChunk.from_event(event).seconds))
            return event

    wb.AsyncTcpClient = Recording


async def _measure(port: int, mode: str, text: str):
    """wyoming-bench's measure_once, plus the silences (s) a playing client hears."""
    from wyoming_bench.tts.client import measure_once

    _record_chunks()
    log = []
    token = _CHUNKS.set(log)  # tasks measure_once starts inherit it
    try:
        m = await measure_once("127.0.0.1", port, mode, text, None, None, 60.0, 120.0)
    finally:
        _CHUNKS.reset(token)
    return m, _silences(log)


def _silences(log: list) -> list:
    """Playback from the first chunk on, each chunk as soon as it is there and the one
    before it has played: the stretches the player waited for audio."""
    out, end = [], None
    for arrived, seconds in log:
        start = arrived if end is None or arrived > end else end
        if end is not None and arrived - end >= SILENCE_S:
            out.append(arrived - end)
        end = start + seconds
    return out


def _silence_stats(per_answer: list) -> dict:
    """per_answer: the silences of each answer (lists of seconds)."""
    totals = sorted(sum(s) for s in per_answer)
    longest = max((max(s) for s in per_answer if s), default=0.0)
    p95 = totals[min(len(totals) - 1, int(round(0.95 * (len(totals) - 1))))] if totals else None
    return {"answers": len(per_answer), "with_silence": sum(1 for s in per_answer if s),
            "total_mean_s": sum(totals) / len(totals) if totals else None, "total_p95_s": p95,
            "longest_s": longest}


async def _concurrent(n: int, k_each: int, port: int, mode: str) -> dict:
    from wyoming_bench.reporting import stats
    from wyoming_bench.tts.texts import DEFAULT_TEXTS

    async def client(i: int) -> list:
        out = []
        # Each client goes through k_each texts, starting at a different one.
        for k in range(k_each):
            text = DEFAULT_TEXTS[(i + k) % len(DEFAULT_TEXTS)]
            out.append(await _measure(port, mode, _unique(text)))
        return out

    t0 = time.perf_counter()
    runs = [r for rs in await asyncio.gather(*(client(i) for i in range(n))) for r in rs]
    wall = time.perf_counter() - t0
    ms = [m for m, _ in runs]
    ok = [m for m in ms if m.ok]
    audio = sum(m.audio_duration_s for m in ok)
    return {
        "clients": n,
        "mode": mode,
        "ok": len(ok),
        "fail": len(ms) - len(ok),
        "errors": sorted({m.error for m in ms if not m.ok}),
        "ttft": stats([m.ttft_s for m in ok]),
        "total": stats([m.total_s for m in ok]),
        "rtf": stats([m.rtf for m in ok]),
        "wall_s": wall,
        "audio_s": audio,
        "throughput": audio / wall if wall else None,  # seconds of audio per second
        "silences": _silence_stats([gaps for m, gaps in runs if m.ok]),
    }


MODES = ("non_streaming", "streaming")


def concurrent(out: str, n: str, k_each: str, *ports: str) -> None:
    """Keys: PORT for the non-streaming run, PORT/streaming for the streaming one."""
    result = {}
    for mode in MODES:
        for port in ports:
            key = port if mode == "non_streaming" else f"{port}/{mode}"
            result[key] = asyncio.run(_concurrent(int(n), int(k_each), int(port), mode))
            r = result[key]
            print(f"  127.0.0.1:{port} {mode}: {r['ok']} ok, {r['fail']} failed, {r['wall_s']:.1f} s wall", flush=True)
    json.dump(result, open(out, "w"), indent=1)


async def _firsts(port: int, rounds: int) -> list:
    from wyoming_bench.tts.texts import DEFAULT_TEXTS

    rows = []
    for mode in MODES:
        for i, text in enumerate(DEFAULT_TEXTS):
            runs = [await _measure(port, mode, _unique(text)) for _ in range(rounds)]
            ok = [m for m, _ in runs if m.ok]
            first = sum(m.ttft_s for m in ok) / len(ok) if ok else None
            whole = sum(m.total_s for m in ok) / len(ok) if ok else None
            rows.append({"mode": mode, "text": i + 1, "words": len(text.split()), "ok": len(ok), "first_s": first,
                         "whole_s": whole, "ratio": first / whole if ok and whole else None,
                         "silences": [gaps for m, gaps in runs if m.ok]})
    return rows


def firsts(out: str, rounds: str, *ports: str) -> None:
    """How early the first audio comes within each answer: first ÷ whole per text."""
    result = {port: asyncio.run(_firsts(int(port), int(rounds))) for port in ports}
    json.dump(result, open(out, "w"), indent=1)


def _cpu_ticks(pid: str) -> int:
    stat = open(f"/proc/{pid}/stat").read()
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)


def _status_kib(pid: str, key: str) -> int:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def proc(*args: str) -> None:
    """proc PID... SECONDS: all PIDs are sampled over the same window."""
    *pids, seconds = args
    hz = os.sysconf("SC_CLK_TCK")
    before = {pid: _cpu_ticks(pid) for pid in pids}
    t0 = time.monotonic()
    time.sleep(float(seconds))  # the measurement window itself
    dt = time.monotonic() - t0
    for pid in pids:
        ticks = _cpu_ticks(pid) - before[pid]
        print(json.dumps({
            "pid": pid,
            "rss_kib": _status_kib(pid, "VmRSS"),
            "hwm_kib": _status_kib(pid, "VmHWM"),
            "threads": _status_kib(pid, "Threads"),
            "idle_cpu_s": ticks / hz,
            "idle_window_s": dt,
        }))


def _ms(v) -> str:
    return "n/a" if v is None else f"{v * 1000:.0f}"


def _x(v) -> str:
    return "n/a" if v is None else f"{v:.2f}"


def _rows(log: str, conc: str, *named: str):
    servers = []
    for item in named:
        name, port, procfile = item.split("=", 2)
        servers.append((name, port, procfile))
    name_of = {port: name for name, port, _ in servers}
    rows = []
    mode = None
    in_summary = False
    for line in open(log):
        if line.startswith("Summary"):
            in_summary = True
        if not in_summary:
            continue
        m = re.match(r"^\[(\w+)\]$", line.strip())
        if m:
            mode = m.group(1)
            continue
        m = re.match(r"^\s+127\.0\.0\.1:(\d+)\s.*?\s(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)s$", line)
        if m and mode:
            port, ok, ttft, p95, total, rtf_norm, _adj, rtf_act, audio = m.groups()
            rows.append((name_of.get(port, port), mode.replace("_", "-"), ok, ttft, p95, total, rtf_act, rtf_norm, audio))
    conc_data = json.load(open(conc)) if conc and os.path.exists(conc) else {}
    for name, port, _ in servers:
        for key, label in ((port, "non-streaming"), (f"{port}/streaming", "streaming")):
            c = conc_data.get(key)
            if c:
                rows.append((name, f"{c['clients']} clients, {label}", str(c["ok"]), _ms(c["ttft"]["mean"]), _ms(c["ttft"]["p95"]),
                             _ms(c["total"]["mean"]), _x(c["rtf"]["mean"]), "", f"{c['throughput']:.2f}x"))
    rows.sort(key=lambda r: ([s[0] for s in servers].index(r[0]) if r[0] in name_of.values() else 99))
    return servers, rows


HEAD = ("server", "mode", "n", "TTFA mean", "TTFA p95", "total mean", "RTF", "RTF norm", "audio / x rt")


def _ratios(rows, anchor: str = "wyoming-piper") -> list:
    """The first-audio ratios the targets are stated in: plain ÷ streaming per kokorod,
    kokorod ÷ the anchor per mode (mean and p95)."""
    by = {(r[0], r[1]): r for r in rows}
    num = lambda v: float(v) if v not in ("n/a", "", None) else None
    out = []
    for name in dict.fromkeys(r[0] for r in rows):
        if name == anchor:
            continue
        plain, stream = by.get((name, "non-streaming")), by.get((name, "streaming"))
        if plain and stream and num(plain[3]) and num(stream[3]):
            out.append(f"{name}: first audio plain ÷ streaming {num(plain[3]) / num(stream[3]):.2f}")
        for (n, mode), r in by.items():
            a = by.get((anchor, mode))
            if n != name or not a or not num(a[3]) or not num(r[3]):
                continue
            p95 = f", p95 {num(r[4]) / num(a[4]):.2f}x" if num(r[4]) and num(a[4]) else ""
            out.append(f"{name} ÷ {anchor}, {mode}: mean first audio {num(r[3]) / num(a[3]):.2f}x{p95}")
    return out


def table(log: str, conc: str, *named: str) -> None:
    """named: NAME=PORT=PROCJSON for each server."""
    servers, rows = _rows(log, conc, *named)
    head = HEAD
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]

    def fmt(r):
        return "  ".join(str(v).ljust(widths[i]) if i < 2 else str(v).rjust(widths[i]) for i, v in enumerate(r))

    print(fmt(head))
    for r in rows:
        print(fmt(r))
    print("(ms; RTF = total / audio, mean per request; RTF norm = wyoming-bench's RTF_norm;")
    print(" last column: mean audio per request, or for N clients audio seconds per wall second)")
    print()
    for line in _ratios(rows):
        print(line)
    print()
    for name, _, procfile in servers:
        p = json.loads(open(procfile).read())
        cpu_pct = 100 * p["idle_cpu_s"] / p["idle_window_s"]
        print(f"{name:<14} RSS {p['rss_kib'] / 1024:.0f} MiB (peak {p['hwm_kib'] / 1024:.0f} MiB), "
              f"{p['threads']} threads, idle CPU {p['idle_cpu_s'] * 1000:.0f} ms over {p['idle_window_s']:.0f} s "
              f"({cpu_pct:.2f} %)")


async def _hot(port: int, text: str, n: int) -> dict:
    from wyoming_bench.const import MODE_NON_STREAMING
    from wyoming_bench.reporting import stats
    from wyoming_bench.tts.client import measure_once

    cold = await measure_once("127.0.0.1", port, MODE_NON_STREAMING, text, None, None, 60.0, 120.0)
    hot = [await measure_once("127.0.0.1", port, MODE_NON_STREAMING, text, None, None, 60.0, 120.0) for _ in range(n)]
    ok = [m for m in hot if m.ok]
    return {"text": text, "cold_ttft": cold.ttft_s if cold.ok else None, "hot_ok": len(ok), "hot_fail": n - len(ok),
            "hot_ttft": stats([m.ttft_s for m in ok]), "hot_total": stats([m.total_s for m in ok])}


def hot(out: str, n: str, *ports: str) -> None:
    """The same answer once (cold, after a nonce makes it new to any cache) and n times more (hot)."""
    text = f"Turned on the kitchen lights. {os.getpid()}"
    result = {port: asyncio.run(_hot(int(port), text, int(n))) for port in ports}
    json.dump(result, open(out, "w"), indent=1)


def _sh(cmd: str) -> str:
    import subprocess
    return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()


def _firsts_md(firstsfile: str, servers) -> list:
    """Markdown: first audio ÷ whole answer per server, mode and text."""
    data = json.load(open(firstsfile)) if firstsfile and os.path.exists(firstsfile) else {}
    if not data:
        return []
    md = ["", "How early the first audio comes (mean over the rounds; 1.00 = only when the whole answer is done):", "",
          "| server | mode | text (words) | first audio | whole answer | first ÷ whole |", "|---|---|---|---|---|---|"]
    for name, port, _ in servers:
        for r in data.get(port, []):
            md.append(f"| {name} | {r['mode'].replace('_', '-')} | {r['text']} ({r['words']}) | {_ms(r['first_s'])} ms | "
                      f"{_ms(r['whole_s'])} ms | {_x(r['ratio'])} |")
    return md


def _silences_md(firstsfile: str, conc: str, servers) -> list:
    """Markdown: the silences a client playing each chunk as it arrives hears after its
    first audio, alone (the firsts run) and among N clients (the concurrent run)."""
    firsts = json.load(open(firstsfile)) if firstsfile and os.path.exists(firstsfile) else {}
    conc_data = json.load(open(conc)) if conc and os.path.exists(conc) else {}
    md = ["", f"Silences inside answers: a client plays each chunk as soon as it has arrived and the audio before",
          f"it has played (as Home Assistant does); a silence is a wait of {SILENCE_S * 1000:.0f} ms or more for the next chunk",
          "after the first audio. Per answer: the silences added up.", "",
          "| server | run | answers | with a silence | silence per answer, mean | p95 | longest silence |",
          "|---|---|---|---|---|---|---|"]
    rows = 0
    for name, port, _ in servers:
        runs = []
        for mode in MODES:
            per_answer = [a for r in firsts.get(port, []) if r["mode"] == mode for a in r.get("silences", [])]
            if per_answer:
                runs.append((f"1 client, {mode.replace('_', '-')}", _silence_stats(per_answer)))
        for key, label in ((port, "non-streaming"), (f"{port}/streaming", "streaming")):
            c = conc_data.get(key)
            if c and c.get("silences"):
                runs.append((f"{c['clients']} clients, {label}", c["silences"]))
        for label, st in runs:
            rows += 1
            md.append(f"| {name} | {label} | {st['answers']} | {st['with_silence']} | {_ms(st['total_mean_s'])} ms | "
                      f"{_ms(st['total_p95_s'])} ms | {_ms(st['longest_s'])} ms |")
    return md if rows else []


def firsts_table(firstsfile: str, conc: str, *named: str) -> None:
    servers = [tuple(item.split("=", 2)) for item in named]
    print("\n".join(_firsts_md(firstsfile, servers)[2:]))
    print("\n".join(_silences_md(firstsfile, conc, servers)))


def report(out_md: str, log: str, conc: str, hotfile: str, firstsfile: str, ready: str, loads: str, *named: str) -> None:
    """Writes the benchmark as Markdown (table, then the same data as JSON) to out_md.
    ready: NAME=SECONDS,...; loads: 'before|after' load averages."""
    servers, rows = _rows(log, conc, *named)
    hot_data = json.load(open(hotfile)) if hotfile and os.path.exists(hotfile) else {}
    ready_s = dict(kv.split("=") for kv in ready.split(",") if kv)
    procs = {name: json.loads(open(pf).read()) for name, _, pf in servers}
    cpu = _sh("lscpu | sed -n 's/^Model name: *//p'") or "unknown CPU"
    mem = _sh("free -g | awk '/^Mem:/{print $2}'")
    machine = f"{cpu}, {os.cpu_count()} CPUs, {mem} GiB RAM, Linux {os.uname().release}, {_sh('. /etc/os-release && echo $PRETTY_NAME')}"
    before, after = loads.split("|")
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    commit = _sh("git describe --always --dirty")
    md = [
        "# Performance",
        "",
        "Written by `make bench` (bench/wyoming.sh): kokorod (default settings, and with `--cache-size 0`)",
        "and wyoming-piper (en_US-joe-medium) on 127.0.0.1, measured in one run by the third-party",
        "`wyoming-bench` (its default corpus) and by bench/wyoming_helper.py for the concurrent,",
        "first-audio-ratio, hot-cache and idle figures. Every sentence of every request carries a",
        "random nonce written in zero-width characters, which both servers drop before speaking",
        "(wyoming-bench appends a spoken hex nonce after the last sentence only; streamed text",
        "arrives a sentence at a time, so the earlier sentences would repeat across rounds and come",
        "from the response cache): every figure but the hot-cache one is a cold synthesis of the",
        "corpus's own words, and the daemon's count of cache hits at the end shows it. Numbers from",
        "one machine on one day: compare the servers of one run, not across runs.",
        "",
        f"- date: {when}; kokorod {commit}",
        f"- machine: {machine}",
        f"- load average before: {before}; after: {after}",
        "",
        "| " + " | ".join(HEAD) + " |",
        "|" + "---|" * len(HEAD),
    ]
    md += ["| " + " | ".join(str(v) for v in r) + " |" for r in rows]
    md += ["", "ms; RTF = total / audio (mean per request); RTF norm = wyoming-bench's; last column: mean audio",
           "per request, or for N clients the seconds of audio per wall second.", ""]
    md += [f"- {line}" for line in _ratios(rows)]
    if os.environ.get("CACHE_NOTE"):
        md += [f"- {os.environ['CACHE_NOTE']}"]
    md += ["",
           "| server | start to ready | RSS after | peak RSS | threads | idle CPU |", "|---|---|---|---|---|---|"]
    for name, _, _ in servers:
        p = procs[name]
        md.append(f"| {name} | {float(ready_s.get(name, 'nan')):.2f} s | {p['rss_kib'] / 1024:.0f} MiB | {p['hwm_kib'] / 1024:.0f} MiB | "
                  f"{p['threads']} | {p['idle_cpu_s'] * 1000:.0f} ms over {p['idle_window_s']:.0f} s |")
    if hot_data:
        md += ["", "Repeated answer (\"Turned on the kitchen lights.\" + a nonce, once cold then again):", "",
               "| server | cold TTFA | hot TTFA mean | hot TTFA p95 | hot n |", "|---|---|---|---|---|"]
        for name, port, _ in servers:
            h = hot_data.get(port)
            if h:
                md.append(f"| {name} | {_ms(h['cold_ttft'])} ms | {_ms(h['hot_ttft']['mean'])} ms | {_ms(h['hot_ttft']['p95'])} ms | {h['hot_ok']} |")
    md += _firsts_md(firstsfile, servers)
    md += _silences_md(firstsfile, conc, servers)
    data = {"date": when, "commit": commit, "machine": machine, "load_before": before, "load_after": after,
            "rows": [dict(zip(HEAD, r)) for r in rows], "proc": procs, "ready_s": ready_s, "hot": hot_data,
            "concurrent": json.load(open(conc)) if conc and os.path.exists(conc) else {},
            "firsts": json.load(open(firstsfile)) if firstsfile and os.path.exists(firstsfile) else {}}
    md += ["", "Raw data:", "", "```json", json.dumps(data, indent=1), "```", ""]
    open(out_md, "w").write("\n".join(md))
    print(f"wrote {out_md}")


if __name__ == "__main__":
    cmd, *rest = sys.argv[1:]
    {"bench": bench, "freeport": freeport, "wait": wait, "concurrent": concurrent, "proc": proc, "table": table, "hot": hot,
     "firsts": firsts, "firsts_table": firsts_table, "report": report}[cmd](*rest)
