"""CPU time per inference vs decoded frames, variants interleaved round-robin (fairer on a
shared machine than clamp_eval.py's back-to-back runs): the original, 4 frames fewer (what a
4-frame lead crop saves) and the whole lead pad gone (the upper bound of any lead trick).
Cost depends on the number of frames only, so the capped-input graph stands in for both.
Usage: timing.py [rounds]"""
import os
import sys

import numpy as np

from pdcommon import TEXTS, CAP_INPUT, caps, model_inputs, path_of, session, timed, tokens, SR


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    s = session(path_of("capped_input.onnx"))
    names = os.environ.get("PADCLAMP_TEXTS", "3w,4w,6w,10w,20w").split(",")
    print("| piece | T frames | orig CPU ms | −4 frames | saved | lead pad → 0 (−d0 frames) | saved |")
    print("|---|---|---|---|---|---|---|")
    for name in names:
        ids = tokens(TEXTS[name])
        inp = model_inputs(ids)
        _, d = s.run(None, dict(inp, **{CAP_INPUT: caps(len(ids))}))
        d0 = int(d[0, 0])
        feeds = [dict(inp, **{CAP_INPUT: caps(len(ids), lead)}) for lead in (None, d0 - 4, 0)]
        best = [np.inf] * 3
        for _ in range(rounds):
            for i, f in enumerate(feeds):
                best[i] = min(best[i], timed(lambda: s.run(None, f), 1)[1])
        o, a, b = (1000 * x for x in best)
        print(f"| {name} | {int(d.sum())} | {o:.0f} | {a:.0f} | {o - a:.0f} ms ({100 * (1 - a / o):.0f} %) | {b:.0f} | "
              f"{o - b:.0f} ms ({100 * (1 - b / o):.0f} %), d0 = {d0} |", flush=True)


if __name__ == "__main__":
    main()
