"""Step 2: cap the pad tokens' (and optionally the final punctuation's) durations inside
the graph, then compare with the original: audio length, CPU time per inference, and the
speech after kokorod's trim (-40 dBFS, keep 40 ms before / 250 ms after).

Usage: clamp_eval.py [--wav] [runs]   (PADCLAMP_TEXTS=3w,10w limits the pieces)"""
import os
import sys
import time

import numpy as np

from pdcommon import (SAMPLES_PER_FRAME, TEXTS, WAVS, SR, SAMPLES_PER_FRAME, build_capped_input, build_capped_const, caps, loud_span,
                      mel_distance, model_inputs, path_of, session, snr_db, timed, tokens, trim, write_wav, MODEL,
                      CAP_INPUT)

PUNCT = {1, 2, 3, 4, 5, 6}  # token ids of ; : , . ! ? (kokorod's vocab: 1..6)

VARIANTS = [  # name, lead pad cap, end pad cap, last-token cap (only if it is punctuation)
    ("orig", None, None, None),
    ("lead12", 12, None, None),
    ("lead10", 10, None, None),
    ("lead8", 8, None, None),
    ("lead4", 4, None, None),
    ("lead2", 2, None, None),
    ("lead0", 0, None, None),
    ("end0", None, 0, None),
    ("punct4", None, None, 4),
    ("punct2", None, None, 2),
    ("K2 both", 2, 2, None),
]


def align(ref, x, max_lag=1200):
    """x shifted to best match ref (lag in samples within ±max_lag, by cross-correlation)."""
    n = min(len(ref), len(x))
    best, lag = -np.inf, 0
    a = ref[:n]
    for L in range(-max_lag, max_lag + 1, 1):
        if L >= 0:
            c = np.dot(a[L:n], x[:n - L])
        else:
            c = np.dot(a[:n + L], x[-L:n])
        if c > best:
            best, lag = c, L
    if lag >= 0:
        return ref[lag:], x, lag
    return ref, x[-lag:], lag


def compare_sync(ref, x, shift):
    """Frame-synchronous: x against ref moved by the `shift` samples that were cut from the
    front, over the original's kept speech region (first loud - 40 ms .. last loud + 250 ms)."""
    f, l = loud_span(ref)
    a, b = max(0, f - 40 * SR // 1000), min(len(ref), l + 1 + 250 * SR // 1000)
    r = ref[a:b]
    xs = x[max(0, a - shift):max(0, b - shift)]
    if a - shift < 0:  # x has less lead than the region needs: pad with zeros
        xs = np.concatenate([np.zeros(shift - a, x.dtype), xs])
    xs = np.pad(xs, (0, max(0, len(r) - len(xs))))
    mel, curve = mel_distance(r, xs)
    return dict(snr=snr_db(r, xs), mel=mel, onset=float(curve[:15].mean()), tail=float(curve[-30:].mean()))


def compare(ref, x):
    rt, _ = trim(ref)
    xt, _ = trim(x)
    # coarse lag by correlation on the envelope would be cheaper; the signals are short
    r2, x2, lag = align(rt, xt, 240)
    n = min(len(r2), len(x2))
    snr = snr_db(r2[:n], x2[:n])
    mel, curve = mel_distance(r2[:n], x2[:n])
    onset = float(curve[:15].mean())  # first 150 ms (40 ms lead + the first phoneme)
    return dict(len_ref=len(rt), len_x=len(xt), lag=lag, snr=snr, mel=mel, onset=onset)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    runs = int(args[0]) if args else 3
    wav = "--wav" in sys.argv
    p = path_of("capped_input.onnx")
    if not os.path.exists(p):
        build_capped_input(p)
    s = session(p)
    names = os.environ.get("PADCLAMP_TEXTS", ",".join(TEXTS)).split(",")
    orig_sess = session(MODEL)
    print("| piece | words | variant | durs (pad0, last tok, pad end) | T | audio s | CPU ms | saved | first loud ms | "
          "trimmed len ms (Δ) | sync SNR dB | sync log-mel dB | onset 150 ms | last 300 ms |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name in names:
        text = TEXTS[name]
        ids = tokens(text)
        inp = model_inputs(ids)
        # check: uncapped capped-input graph == original, bit for bit
        a0 = orig_sess.run(None, inp)[0]
        ref = None
        for vname, lead, tail, punct in VARIANTS:
            if punct is not None and ids[-1] not in PUNCT:
                continue
            c = caps(len(ids), lead, tail, punct)
            feed = dict(inp, **{CAP_INPUT: c})
            _, cpu, (audio, dur) = timed(lambda: s.run(None, feed), runs)
            d = dur[0]
            if vname == "orig":
                assert np.array_equal(audio, a0), "capped graph without caps differs from the original"
                ref, ref_cpu, ref_d0 = audio, cpu, int(d[0])
            cmp = compare(ref, audio)
            sy = compare_sync(ref, audio, (ref_d0 - int(d[0])) * SAMPLES_PER_FRAME)
            f, _ = loud_span(audio)
            if wav:
                write_wav(os.path.join(WAVS, f"{name}_{vname}.wav"), audio)
                write_wav(os.path.join(WAVS, f"{name}_{vname}_trimmed.wav"), trim(audio)[0])
            print(f"| {name} | {len(text.split())} | {vname} | {d[0]}, {d[-2]}, {d[-1]} | {int(d.sum())} | "
                  f"{len(audio)/SR:.2f} | {cpu*1000:.0f} | {100*(1-cpu/ref_cpu):.0f} % | {1000*f/SR:.0f} | "
                  f"{1000*cmp['len_x']/SR:.0f} ({1000*(cmp['len_x']-cmp['len_ref'])/SR:+.0f}) | "
                  f"{sy['snr']:.1f} | {sy['mel']:.2f} | {sy['onset']:.2f} | {sy['tail']:.2f} |", flush=True)
        # noise floor: the original with style × (1+1e-5)
        fl = dict(inp, style=inp["style"] * np.float32(1 + 1e-5))
        fa = orig_sess.run(None, fl)[0]
        cmp = compare(ref, fa)
        sy = compare_sync(ref, fa, 0)
        print(f"| {name} | | floor (style×(1+1e-5)) | | | {len(fa)/SR:.2f} | | | | "
              f"{1000*cmp['len_x']/SR:.0f} ({1000*(cmp['len_x']-cmp['len_ref'])/SR:+.0f}) | "
              f"{sy['snr']:.1f} | {sy['mel']:.2f} | {sy['onset']:.2f} | {sy['tail']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
