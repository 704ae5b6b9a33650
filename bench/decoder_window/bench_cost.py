"""Cost of part A (text encoder + duration/prosody predictor) vs part B (decoder/vocoder),
the fixed per-inference overhead of the full model, and part B's cost per window size.
Run split_model.py first. Usage: python bench_cost.py [RUNS]   (default 5; min over runs)

Timings: wall = time.perf_counter, CPU = time.process_time (all threads of this process),
each the min over RUNS after one warm-up. The machine is shared, so wall times are noisy;
CPU times are steadier (spinning is off, as in kokorod, so idle workers burn no CPU)."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from common import (CUT_ASR, CUT_F0, CUT_N, MODEL, PART_A, PART_B, PHASE, SR, TEXTS, model_inputs,
                    session, timed, tokens)

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
ZERO = np.zeros((1, 1, 9), np.float32)


def b_feed(asr, f0, n, style, a=0, b=None):
    b = asr.shape[2] if b is None else b
    return {CUT_ASR: np.ascontiguousarray(asr[:, :, a:b]), CUT_F0: np.ascontiguousarray(f0[:, 2 * a:2 * b]),
            CUT_N: np.ascontiguousarray(n[:, 2 * a:2 * b]), "style": style, PHASE: ZERO}


def main():
    toks = {w: tokens(t) for w, t in TEXTS.items()}
    for threads in (2, 1):
        sf, sa, sb = session(MODEL, threads), session(PART_A, threads), session(PART_B, threads)
        print(f"\n## intra-op threads = {threads}, min of {RUNS} runs (ms)")
        print("| words | tokens | audio s | full wall | full CPU | A wall | A CPU | B wall | B CPU | B share (CPU) | RTF full (wall) |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for w, ids in toks.items():
            inp = model_inputs(ids)
            sf.run(None, inp)
            fw, fc, audio = timed(lambda: sf.run(None, inp), RUNS)
            aw, ac, (asr, f0, n) = timed(lambda: sa.run(None, inp), RUNS)
            feed = b_feed(asr, f0, n, inp["style"])
            sb.run(None, feed)
            bw, bc, _ = timed(lambda: sb.run(None, feed), RUNS)
            secs = len(audio[0]) / SR
            print(f"| {w} | {len(ids)} | {secs:.2f} | {fw*1e3:.0f} | {fc*1e3:.0f} | {aw*1e3:.0f} | {ac*1e3:.0f} | "
                  f"{bw*1e3:.0f} | {bc*1e3:.0f} | {bc/(ac+bc):.0%} | {fw/secs:.3f} |")
        # Fixed per-inference overhead of the full model.
        print(f"\nfull model, short inputs (threads={threads}):")
        print("| tokens | audio s | wall ms | CPU ms |\n|---|---|---|---|")
        for ids in (toks[5][:3], toks[5][:10], toks[5][:20]):
            inp = model_inputs(ids)
            sf.run(None, inp)
            fw, fc, audio = timed(lambda: sf.run(None, inp), RUNS * 2)
            print(f"| {len(ids)} | {len(audio[0]) / SR:.2f} | {fw*1e3:.1f} | {fc*1e3:.1f} |")
        # Part B cost against window length (asr frames; 40 frames = 1 s), from the 40-word sentence.
        inp = model_inputs(toks[40])
        asr, f0, n = sa.run(None, inp)
        print(f"\npart B per window (threads={threads}), frames taken from the 40-word sentence:")
        print("| frames | audio s | wall ms | CPU ms | CPU ms per audio s |\n|---|---|---|---|---|")
        xs, ys = [], []
        for fr in (10, 20, 40, 80, 160, 320):
            feed = b_feed(asr, f0, n, inp["style"], 100, 100 + fr)
            sb.run(None, feed)
            bw, bc, _ = timed(lambda: sb.run(None, feed), RUNS)
            xs.append(fr); ys.append(bc)
            print(f"| {fr} | {fr * 600 / SR:.2f} | {bw*1e3:.1f} | {bc*1e3:.1f} | {bc*1e3 / (fr * 600 / SR):.0f} |")
        c1, c0 = np.polyfit(xs, ys, 1)
        print(f"linear fit of B CPU: {c0*1e3:.1f} ms + {c1*1e3:.2f} ms/frame ({c1*40*1e3:.0f} ms per audio second)")


if __name__ == "__main__":
    main()
