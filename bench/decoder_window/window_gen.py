"""Variant: run part B1 (the frame-rate AdaIN blocks: encode + decode.0-3) on the whole sentence
and window only part B2 (the generator). Shows where windowing error comes from and what B1 costs.
Usage: [DECWIN_WORDS=10,20] python window_gen.py [--wav]   (after split_model.py; WAVs to /tmp/decwin/)"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from common import (CUT_ASR, CUT_F0, CUT_GEN, CUT_N, PART_A, PART_B1, PART_B2, PHASE, SAMPLES_PER_FRAME as SPF,
                    SR, TEXTS, model_inputs, session, timed, tokens, write_wav)
from window_eval import SCHEDULES, WAV_DIR, analyse, phase_offset, ramp, schedule


def gen_window(sb2, x, f0, style, a, b, continuous):
    return sb2.run(None, {CUT_GEN: np.ascontiguousarray(x[:, :, 2 * a:2 * b]), CUT_F0: np.ascontiguousarray(f0[:, 2 * a:2 * b]),
                          "style": style, PHASE: phase_offset(f0, 2 * a) if continuous else np.zeros((1, 1, 9), np.float32)})[0]


def windowed_gen(sb2, x, f0, style, cores, C, X, continuous=True):
    T = x.shape[2] // 2
    out = np.zeros(T * SPF)
    xs = X * SPF // 2
    for i, (s, e) in enumerate(cores):
        a, b = max(0, s - C), min(T, e + C)
        y = gen_window(sb2, x, f0, style, a, b, continuous).astype(np.float64)
        w = np.zeros(T * SPF)
        w[s * SPF - (xs if i else 0):e * SPF + (xs if i < len(cores) - 1 else 0)] = 1
        if i and xs:
            w[s * SPF - xs:s * SPF + xs] = ramp(2 * xs)
        if i < len(cores) - 1 and xs:
            w[e * SPF - xs:e * SPF + xs] = ramp(2 * xs)[::-1]
        out[a * SPF:b * SPF] += w[a * SPF:b * SPF] * y
    return out


def main():
    wav = "--wav" in sys.argv
    sa, sb1, sb2 = session(PART_A), session(PART_B1), session(PART_B2)
    acc, cost = [], []
    only = [int(w) for w in os.environ.get("DECWIN_WORDS", "").split(",") if w]
    for words, text in TEXTS.items():
        if only and words not in only:
            continue
        inp = model_inputs(tokens(text))
        asr, f0, n = sa.run(None, inp)
        style = inp["style"]
        feed1 = {CUT_ASR: asr, CUT_F0: f0, CUT_N: n, "style": style}
        x = sb1.run(None, feed1)[0]
        T = asr.shape[2]
        ref = gen_window(sb2, x, f0, style, 0, T, False).astype(np.float64)
        _, b1, _ = timed(lambda: sb1.run(None, feed1), 3)
        _, b2, _ = timed(lambda: gen_window(sb2, x, f0, style, 0, T, False), 3)
        for sname, (first, g, cap) in SCHEDULES.items():
            cores = schedule(T, first, g, cap)
            for C in (10, 20):
                if sname == "40,x2":
                    _, f, _ = timed(lambda: gen_window(sb2, x, f0, style, 0, min(T, cores[0][1] + C), True), 3)
                    cost.append((words, T, C, b1, b2, f))
                y = windowed_gen(sb2, x, f0, style, cores, C, C // 2)
                acc.append((words, sname, C, analyse(ref, y, cores, C, C // 2)))
                if wav and words >= 20 and C == 20:
                    write_wav(f"{WAV_DIR}/{words}w_{sname.replace(',', '').replace(' ', '')}_C{C}_X{C // 2}_cont_genonly.wav", y)
        print(f"{words} words done", file=sys.stderr, flush=True)
    print("## Generator-only windows (B1 whole, B2 windowed, continuous phase, X=C/2)")
    print("| words | schedule | C | SNR dB | max abs diff | log-mel dB | near | interior | log-mel shape dB | worst level dB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for w, s, C, r in acc:
        print(f"| {w} | {s} | {C} | {r['snr']:.1f} | {r['maxdiff']:.3f} | {r['mel']:.2f} | {r['mel_near']:.2f} | "
              f"{r['mel_far']:.2f} | {r['mel_shape']:.2f} | {r['lvl']:+.2f} |")
    print("\n## Cost split of part B (CPU ms, min of 3, 2 threads); first window = 40,x2 schedule")
    print("| words | T | C | B1 whole | B2 whole | B1 share | B2 first window | B1 + B2 first |")
    print("|---|---|---|---|---|---|---|---|")
    for w, T, C, b1, b2, f in cost:
        print(f"| {w} | {T} | {C} | {b1*1e3:.0f} | {b2*1e3:.0f} | {b1/(b1+b2):.0%} | {f*1e3:.0f} | {(b1+f)*1e3:.0f} |")


if __name__ == "__main__":
    main()
