"""Alternative to capping the durations: keep the graph's prediction (durations, F0, energy)
as it is and only decode fewer frames — cut c leading and e trailing aligned frames at the
decoder's inputs (the decoder-window experiment's part A / part B split, ~/.cache/kokorod/decwin,
made by bench/decoder_window/split_model.py). Tells whether the onset needs the pad frames in
the predictor (F0/energy) or in the decoder itself.

Usage: crop_eval.py [--wav] [runs]"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "decoder_window"))
from pdcommon import (TEXTS, WAVS, SR, CUT_ASR, CUT_F0, CUT_N, PART_A, PART_B, PHASE, model_inputs, session, timed,
                      tokens, trim, write_wav, loud_span, path_of, CAP_INPUT, caps)
from window_eval import phase_offset
from clamp_eval import compare, compare_sync


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    runs = int(args[0]) if args else 2
    wav = "--wav" in sys.argv
    sa, sb = session(PART_A), session(PART_B)
    sd = session(path_of("capped_input.onnx"))  # for the durations
    names = os.environ.get("PADCLAMP_TEXTS", "3w,h,s,clause,10w").split(",")
    print("| piece | pad0 | cut lead c | cut tail e | frames decoded | B CPU ms | saved vs whole B | first loud ms | "
          "trimmed len ms (Δ) | lag | SNR dB | log-mel dB | onset 150 ms dB | sync SNR | sync log-mel | sync onset | sync last 300 ms |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name in names:
        ids = tokens(TEXTS[name])
        inp = model_inputs(ids)
        _, dur = sd.run(None, dict(inp, **{CAP_INPUT: caps(len(ids))}))
        d0 = int(dur[0, 0])
        asr, f0, n = sa.run([CUT_ASR, CUT_F0, CUT_N], inp)
        T = asr.shape[2]
        ref = None
        f_ref, l_ref = None, None
        for c, e in [(0, 0), (d0 - 12, 0), (d0 - 10, 0), (d0 - 8, 0), (d0 - 4, 0), (d0, 0), ("tail", None)]:
            if c == "tail":
                # keep 12 frames (300 ms) after the original's last loud frame: the trim keeps <= 250 ms
                c, e = 0, max(0, T - (l_ref // 600 + 1 + 12))
            feed = {CUT_ASR: asr[:, :, c:T - e], CUT_F0: f0[:, 2 * c:2 * (T - e)], CUT_N: n[:, 2 * c:2 * (T - e)],
                    "style": inp["style"], PHASE: phase_offset(f0, 2 * c)}
            _, cpu, out = timed(lambda: sb.run(None, feed), runs)
            audio = out[0]
            if ref is None:
                ref, ref_cpu = audio, cpu
                f_ref, l_ref = loud_span(ref)
            cmp = compare(ref, audio)
            sy = compare_sync(ref, audio, c * 600)
            f, _ = loud_span(audio)
            if wav:
                write_wav(os.path.join(WAVS, f"{name}_crop{c}_{e}_trimmed.wav"), trim(audio)[0])
            print(f"| {name} | {d0} | {c} | {e} | {T - c - e} | {cpu*1000:.0f} | {100*(1-cpu/ref_cpu):.0f} % | "
                  f"{1000*f/SR:.0f} | {1000*cmp['len_x']/SR:.0f} ({1000*(cmp['len_x']-cmp['len_ref'])/SR:+.0f}) | "
                  f"{cmp['lag']} | {cmp['snr']:.1f} | {cmp['mel']:.2f} | {cmp['onset']:.2f} | "
                  f"{sy['snr']:.1f} | {sy['mel']:.2f} | {sy['onset']:.2f} | {sy['tail']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
