"""The drop-in graph (first/last duration capped at a constant k, same inputs and outputs as
the original) gives the same audio as the capped-input graph fed [k, max.., max, k].
Usage: check_const.py [k]"""
import os
import sys

import numpy as np

from pdcommon import (TEXTS, CAP_INPUT, build_capped_const, caps, model_inputs, path_of, session, tokens)


def main():
    k = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    p = path_of(f"capped_const_{k}.onnx")
    if not os.path.exists(p):
        build_capped_const(p, k)
    sc, si = session(p), session(path_of("capped_input.onnx"))
    for name in ("3w", "clause"):
        ids = tokens(TEXTS[name])
        inp = model_inputs(ids)
        a = sc.run(None, inp)[0]
        b, d = si.run(None, dict(inp, **{CAP_INPUT: caps(len(ids), k, k)}))
        print(f"{name}: const k={k} vs input caps: durations {d[0, 0]}..{d[0, -1]}, samples {len(a)}/{len(b)}, "
              f"max|diff| {np.abs(a - b).max() if len(a) == len(b) else 'len differs'}")


if __name__ == "__main__":
    main()
