"""Windowed decoding of part B against whole-sentence decoding.

For each sentence: part A once, part B on the whole sentence (the reference), then part B over
frame windows. A window's core is [s, e) aligned frames (1 frame = 600 samples = 25 ms); it is
decoded over [s-C, e+C) (C = context frames, clipped at the sentence ends) and the neighbours
are crossfaded over X frames centred on each boundary (raised-cosine, equal gain; X=0 = hard
cut). Phase: `restart` feeds sine_phase_offset = 0 (every window's harmonic source starts at
phase 0), `continuous` feeds the phase the whole-sentence source has at the window's first frame.

Usage: python window_eval.py [--wav]     (WAVs go to /tmp/decwin/, never into the repo)
Prints markdown tables; timings are CPU time (time.process_time), 2 threads: part A min of 3
runs, whole and first-window decodes min of 2, all windows one run.
DECWIN_WORDS=5,10 and DECWIN_SCHEDULES="40,x2;40 fixed" limit the run.
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from common import (CUT_ASR, CUT_F0, CUT_N, PART_A, PART_B, PHASE, SAMPLES_PER_FRAME as SPF, SR, TEXTS,
                    log_mel, mel_distance, model_inputs, session, snr_db, timed, tokens, write_wav)

WAV_DIR = "/tmp/decwin"
HARMONICS = np.arange(1, 10, dtype=np.float32)


def schedule(T, first, growth, cap):
    """Window cores: `first` frames, then each window `growth` times the previous, capped."""
    cores, s, w = [], 0, first
    while s < T:
        e = min(T, s + w)
        if T - e < w // 2:  # don't leave a tiny last window
            e = T
        cores.append((s, e))
        s, w = e, min(cap, int(w * growth))
    return cores


def phase_offset(f0, frame):
    """SineGen's CumSum value before F0 frame `frame` (2 per aligned frame), per harmonic, reduced
    mod 1/300 (the graph multiplies by 2*pi*300, so whole cycles drop out)."""
    if frame <= 0:
        return np.zeros((1, 1, 9), np.float32)
    rad = (f0[0, :frame, None] * HARMONICS / np.float32(24000)) % np.float32(1)  # [frames, 9], float32 like the graph
    cyc = (rad.astype(np.float64).sum(axis=0) * 300) % 1.0
    return (cyc / 300).astype(np.float32).reshape(1, 1, 9)


def decode_window(sb, asr, f0, n, style, a, b, continuous, cache=None):
    if cache is not None:
        key = (a, b, continuous)
        if key not in cache:
            cache[key] = decode_window(sb, asr, f0, n, style, a, b, continuous)
        return cache[key]
    feed = {CUT_ASR: np.ascontiguousarray(asr[:, :, a:b]), CUT_F0: np.ascontiguousarray(f0[:, 2 * a:2 * b]),
            CUT_N: np.ascontiguousarray(n[:, 2 * a:2 * b]), "style": style,
            PHASE: phase_offset(f0, 2 * a) if continuous else np.zeros((1, 1, 9), np.float32)}
    return sb.run(None, feed)[0]


def ramp(n):
    """Rising raised-cosine of n samples; ramp(n) + ramp(n)[::-1] == 1."""
    return 0.5 - 0.5 * np.cos(np.pi * (np.arange(n) + 0.5) / n)


def windowed(sb, asr, f0, n, style, cores, C, X, continuous, cache=None, seams=None):
    """The crossfaded signal; if `seams` is a list, appends (level dB, correlation) of windows i and
    i+1 over [e-C/2, e+C/2) around each boundary e (both decoded it, at least C/2 frames from either
    window's edge): the mismatch the crossfade has to hide."""
    T = asr.shape[2]
    prev = None
    out = np.zeros(T * SPF, np.float64)
    xs = X * SPF // 2  # half crossfade in samples
    for i, (s, e) in enumerate(cores):
        a, b = max(0, s - C), min(T, e + C)
        y = decode_window(sb, asr, f0, n, style, a, b, continuous, cache).astype(np.float64)
        w = np.zeros(T * SPF)
        lo = s * SPF - (xs if i > 0 else 0)
        hi = e * SPF + (xs if i < len(cores) - 1 else 0)
        w[lo:hi] = 1
        if i > 0 and xs:
            w[s * SPF - xs:s * SPF + xs] = ramp(2 * xs)
        if i < len(cores) - 1 and xs:
            w[e * SPF - xs:e * SPF + xs] = ramp(2 * xs)[::-1]
        out[a * SPF:b * SPF] += w[a * SPF:b * SPF] * y
        if seams is not None and prev is not None:
            pa, py = prev
            lo, hi = s - C // 2, s + C // 2
            u, v = py[(lo - pa) * SPF:(hi - pa) * SPF], y[(lo - a) * SPF:(hi - a) * SPF]
            if hi > lo and np.sqrt(np.mean(u ** 2)) > 0.01:
                seams.append((20 * np.log10(np.sqrt(np.mean(v ** 2)) / np.sqrt(np.mean(u ** 2))),
                              float(np.corrcoef(u, v)[0, 1])))
        prev = (a, y)
    return out


def mel_shape_distance(ref, x):
    """Like mel_distance but with each 10 ms frame's mean log-mel difference (its level) removed."""
    n = min(len(ref), len(x))
    dd = 10 * (log_mel(ref[:n]) - log_mel(x[:n]))
    return float(np.abs(dd - dd.mean(axis=1, keepdims=True)).mean())


def analyse(ref, x, cores, C, X):
    """SNR, max|diff|, mel distance overall / near boundaries (±max(X/2,2) frames) / interior (> C
    frames from any boundary), and the worst per-window level change (dB RMS, window cores)."""
    _, d = mel_distance(ref, x)  # per 10 ms
    shape = mel_shape_distance(ref, x)
    t = (np.arange(len(d)) * 240 + 512) / SR  # mel-frame centres, s
    bounds = np.array([s * SPF / SR for s, _ in cores[1:]])
    near = np.zeros(len(d), bool)
    far = np.ones(len(d), bool)
    for bt in bounds:
        near |= np.abs(t - bt) <= max(X / 2, 2) * SPF / SR
        far &= np.abs(t - bt) > C * SPF / SR
    lvl = []
    for s, e in cores:
        r, y = ref[s * SPF:e * SPF], x[s * SPF:e * SPF]
        if np.sqrt(np.mean(r ** 2)) > 0.01:  # skip near-silent cores
            lvl.append(20 * np.log10(np.sqrt(np.mean(y ** 2)) / np.sqrt(np.mean(r ** 2))))
    return dict(snr=snr_db(ref, x), maxdiff=float(np.abs(ref - x).max()), mel=float(d.mean()),
                mel_near=float(d[near].mean()) if near.any() else float("nan"),
                mel_far=float(d[far].mean()) if far.any() else float("nan"),
                mel_shape=shape, lvl=max(lvl, key=abs) if lvl else 0.0)


SCHEDULES = {  # name: (first, growth, cap) in aligned frames (40 = 1 s)
    "20,x2": (20, 2.0, 320),     # 0.5 s, 1 s, 2 s, 4 s, 8 s ...
    "40,x2": (40, 2.0, 320),     # 1 s, 2 s, 4 s, 8 s ...
    "40 fixed": (40, 1.0, 40),   # 1 s windows throughout (worst case for the statistics)
}


def floor_rows(sb, asr, f0, n, style, ref, T):
    """The noise floor of the comparison: the whole sentence decoded again from inputs changed by
    amounts far below anything meaningful. The int8 decoder re-rounds its dynamic quantization,
    so tiny input changes already move the waveform."""
    rng = np.random.default_rng(0)
    cases = {
        "whole, asr*(1+1e-5)": (asr * np.float32(1 + 1e-5), f0),
        "whole, F0*(1+1e-5)": (asr, f0 * np.float32(1 + 1e-5)),
    }
    out = []
    for name, (a2, f2) in cases.items():
        y = decode_window(sb, a2, f2, n, style, 0, T, False).astype(np.float64)
        out.append((name, analyse(ref, y, [(0, T)], 0, 0)))
    y = decode_window(sb, asr, f0, n, style, 0, T - 1, False).astype(np.float64)
    out.append(("whole minus last frame", analyse(ref[:(T - 1) * SPF], y, [(0, T - 1)], 0, 0)))
    return out


def main():
    wav = "--wav" in sys.argv
    sa, sb = session(PART_A, 2), session(PART_B, 2)
    rows, timing, floors = [], [], []
    only = [int(w) for w in os.environ.get("DECWIN_WORDS", "").split(",") if w]
    for words, text in TEXTS.items():
        if only and words not in only:
            continue
        inp = model_inputs(tokens(text))
        asr, f0, n = sa.run(None, inp)
        style = inp["style"]
        T = asr.shape[2]
        ref = decode_window(sb, asr, f0, n, style, 0, T, False).astype(np.float64)
        if wav:
            write_wav(f"{WAV_DIR}/{words}w_whole.wav", ref)
        floors += [(words, name, r) for name, r in floor_rows(sb, asr, f0, n, style, ref, T)]
        # Time to first audio: A + B(first window with its right context) vs A + B(whole).
        _, a_cpu, _ = timed(lambda: sa.run(None, inp), 3)
        _, whole_cpu, _ = timed(lambda: decode_window(sb, asr, f0, n, style, 0, T, False), 2)
        scheds = [x for x in os.environ.get("DECWIN_SCHEDULES", "").split(";") if x] or list(SCHEDULES)
        for sname in scheds:
            first, g, cap = SCHEDULES[sname]
            cores = schedule(T, first, g, cap)
            for C in (10, 20):
                e0 = cores[0][1]
                _, f_cpu, _ = timed(lambda: decode_window(sb, asr, f0, n, style, 0, min(T, e0 + C), True), 2)
                for cont in (True, False):
                    cache = {}  # the same window decodes serve every crossfade length
                    for X in sorted({0, C // 2, C}):
                        seams = []
                        c0 = time.process_time()
                        x = windowed(sb, asr, f0, n, style, cores, C, X, cont, cache, seams)
                        if cont and X == 0:  # the call that decodes every window (one run)
                            timing.append((words, T, sname, C, len(cores), a_cpu, whole_cpu, f_cpu, time.process_time() - c0))
                        r = analyse(ref, x, cores, C, X)
                        r["seam_lvl"] = max((abs(l) for l, _ in seams), default=float("nan"))
                        r["seam_corr"] = min((c for _, c in seams), default=float("nan"))
                        rows.append((words, sname, C, X, "continuous" if cont else "restart", r))
                        if wav and words >= 10 and X == C // 2:
                            write_wav(f"{WAV_DIR}/{words}w_{sname.replace(',', '').replace(' ', '')}_C{C}_X{X}_"
                                      f"{'cont' if cont else 'restart'}.wav", x)
        print(f"{words} words: T={T} frames ({T * SPF / SR:.2f} s) done", file=sys.stderr, flush=True)

    print("## Noise floor: whole-sentence decoding of imperceptibly changed inputs")
    print("| words | case | SNR dB | max abs diff | log-mel dB | log-mel shape dB | level dB |")
    print("|---|---|---|---|---|---|---|")
    for w, name, r in floors:
        print(f"| {w} | {name} | {r['snr']:.1f} | {r['maxdiff']:.3f} | {r['mel']:.2f} | {r['mel_shape']:.2f} | {r['lvl']:+.2f} |")
    head = ("| SNR dB | max abs diff | log-mel dB (all) | near boundaries | interior (>C) | log-mel shape dB "
            "| worst window level dB | seam level dB | seam corr |")
    print("\n## Accuracy against whole-sentence decoding (per sentence)")
    print("| words | schedule | C | X | phase " + head)
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    fmt = lambda r: (f"{r['snr']:.1f} | {r['maxdiff']:.3f} | {r['mel']:.2f} | {r['mel_near']:.2f} | "
                     f"{r['mel_far']:.2f} | {r['mel_shape']:.2f} | {r['lvl']:+.2f} | {r['seam_lvl']:.2f} | {r['seam_corr']:.2f} |")
    for w, sname, C, X, ph, r in rows:
        print(f"| {w} | {sname} | {C} | {X} | {ph} | " + fmt(r))
    print("\n## Averaged over the sentences (max abs diff, levels and seam corr: the worst)")
    print("| schedule | C | X | phase " + head)
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    keys = sorted({(s, C, X, ph) for _, s, C, X, ph, _ in rows}, key=lambda k: (list(SCHEDULES).index(k[0]), k[1], k[2], k[3]))
    for k in keys:
        rs = [r for _, s, C, X, ph, r in rows if (s, C, X, ph) == k]
        avg = {f: float(np.nanmean([r[f] for r in rs])) for f in ("snr", "mel", "mel_near", "mel_far", "mel_shape")}
        avg["maxdiff"] = max(r["maxdiff"] for r in rs)
        avg["lvl"] = max((r["lvl"] for r in rs), key=abs)
        avg["seam_lvl"] = float(np.nanmax([r["seam_lvl"] for r in rs]))
        avg["seam_corr"] = float(np.nanmin([r["seam_corr"] for r in rs]))
        print(f"| {k[0]} | {k[1]} | {k[2]} | {k[3]} | " + fmt(avg))
    print("\n## Time to first audio (CPU ms, 2 threads; A min of 3, B whole / first window min of 2, all windows one run)")
    print("| words | T | schedule | C | windows | A | B whole | A+B whole | B first window | A+B first | B all windows | windowing overhead |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for w, T, s, C, nw, a, bw, f, tot in timing:
        print(f"| {w} | {T} | {s} | {C} | {nw} | {a*1e3:.0f} | {bw*1e3:.0f} | {(a+bw)*1e3:.0f} | {f*1e3:.0f} | "
              f"{(a+f)*1e3:.0f} | {tot*1e3:.0f} | {tot/bw - 1:+.0%} |")


if __name__ == "__main__":
    main()
