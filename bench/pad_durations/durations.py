"""Step 1: the per-token durations (frames of 25 ms) the model predicts, with the pads and
the final punctuation, and where the loud part of the audio starts/ends in frames."""
import os
import sys

import numpy as np

from pdcommon import TEXTS, build_probe, path_of, model_inputs, session, tokens, loud_span, SAMPLES_PER_FRAME, SR



def main():
    p = path_of("probe.onnx")
    if not os.path.exists(p):
        build_probe(p)
    s = session(p)
    voices = sys.argv[1:] or ["af_heart"]
    for v in voices:
        print(f"\n## voice {v}\n")
        print("| piece | tokens | T frames | audio s | dur[pad0] | dur[t1..t3] | dur[last tok] (tok) | dur[pad end] | "
              "first loud frame | last loud frame | lead s | tail s |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for name, text in TEXTS.items():
            ids = tokens(text, v)
            audio, dur, durf = s.run(None, model_inputs(ids, v))
            d = dur[0]
            T = int(d.sum())
            f, l = loud_span(audio)
            ff, lf = f / SAMPLES_PER_FRAME, l / SAMPLES_PER_FRAME
            print(f"| {name} | {len(ids)} | {T} | {len(audio)/SR:.2f} | {d[0]} ({durf[0,0]:.2f}) | {d[1:4].tolist()} | "
                  f"{d[-2]} ({ids[-1]}) | {d[-1]} ({durf[0,-1]:.2f}) | {ff:.1f} | {lf:.1f} | {f/SR:.3f} | {(len(audio)-l)/SR:.3f} |")
            if os.environ.get("PAD_VERBOSE"):
                print("   ", d.tolist())


if __name__ == "__main__":
    main()
