"""Quality of windowed decoding vs whole-sentence decoding, beside renderings users already accept.

Per voice and sentence: part A (int8) once; the reference is part B on the whole sentence. Renderings:
  fp32      the dequantized float model (quality_models.py; stand-in for the fp32 model)  } the accepted
  speed1.02 the int8 model at speed 1.02                                                  } spread
  plain     windows 1 s, 2 s, 4 s... (`40,x2`), C = 20 frames context, X = 10 crossfade, continuous
            phase, each window normalized by its own statistics (the earlier study's best setting)
  a_first   only the first 1 s window decoded alone, the rest as one window (same C, X)
  a_whole   the first 1 s window decoded alone, crossfaded (X) into the whole-sentence decode at 1 s:
            the rest is the reference itself, for one extra decode of the first window's frames
  b_sampled `plain` with the AdaIN statistics frozen to those of one cheap pass over 4 sampled
            10-frame stretches of the sentence (a 40-frame decode; part_b_statin.onnx)
  b_voice   `plain` with per-voice statistics: the average over 10 held-out sentences of that voice
  c_crop    the lead pad cropped to its last KEEP=8 frames, then `a_first` on the rest
Every rendering (and the reference) is scored from the crop point on (the lead-silence frames that
c_crop drops; kokorod trims them anyway): log-mel distance to the reference frame-synchronous and
DTW-aligned (speed 1.02 changes the length), a seam detector at the window joins (spectral-flux
and sample-step excess over the reference within ±150 ms of each join; measured at the same
places on the spread renderings as their floor), DNSMOS (speechmos: P.808, SIG, BAK, OVRL) and
PocketSphinx WER (tests/python/asr_transcribe.py, as bench/asr_score.py). CPU time (1 thread) of
part A, the whole decode, each variant's first window and the statistics pass: first-audio cost.

Usage:  python quality_eval.py run VOICE [N_HA]    one voice, results appended to
                                                   $DECWIN_DIR/quality/VOICE.jsonl (resumable)
        python quality_eval.py report              the markdown tables over all voices' results
WAVs go to /tmp/decwin/quality/VOICE/ (never into the repo).
"""
import json
import os
import sys
import time

import numpy as np
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "python"))
from common import CUT_ASR, CUT_F0, CUT_N, MODEL, OUT, PART_B, PHASE, SAMPLES_PER_FRAME as SPF, SR, TEXTS, \
    log_mel, model_inputs, tokens, write_wav  # noqa: E402
from quality_models import DEQ, PART_A_DUR, PART_B_PROBE, PART_B_STATIN, stat_names  # noqa: E402
from window_eval import phase_offset, ramp, schedule  # noqa: E402

RES = os.environ.get("DECWIN_QUALITY_DIR", os.path.join(OUT, "quality"))
WAVS = "/tmp/decwin/quality"
TSV = os.path.join(HERE, "..", "asr_sentences.tsv")
KEEP = 8          # lead-pad frames c_crop keeps (the onset needs ~8, see "Pad-token durations")
C, X = 20, 10     # context and crossfade, frames
FIRST = 40        # first window core, frames (1 s)
SAMPLES = (4, 10)  # b_sampled: 4 stretches of 10 frames
B_EVERY = int(os.environ.get("DECWIN_B_EVERY", "3"))
GENERAL = [  # longer general sentences beside the Home Assistant answers: (text, what is said)
    (TEXTS[10], TEXTS[10]),
    ("The package you ordered last week was delivered this morning and left by the front door.",) * 2,
    ("If the rain stops before noon, we could still take the children to the park for an hour.",) * 2,
]
VARIANTS = ["whole", "fp32", "speed1.02", "plain", "a_first", "a_whole", "b_sampled", "b_voice", "c_crop"]
SPREAD = ["fp32", "speed1.02"]


def session(path, threads=1):
    """kokorod's settings (Level3, no spinning), one thread: three voices run side by side."""
    o = ort.SessionOptions()
    o.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    o.intra_op_num_threads, o.inter_op_num_threads = threads, 1
    o.log_severity_level = 3
    o.add_session_config_entry("session.intra_op.allow_spinning", "0")
    o.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return ort.InferenceSession(path, o, providers=["CPUExecutionProvider"])


def cpu(fn):
    c0 = time.process_time()
    r = fn()
    return r, time.process_time() - c0


# ---------------------------------------------------------------- decoding

def decode(sess, asr, f0, n, style, a, b, stats=None):
    feed = {CUT_ASR: np.ascontiguousarray(asr[:, :, a:b]), CUT_F0: np.ascontiguousarray(f0[:, 2 * a:2 * b]),
            CUT_N: np.ascontiguousarray(n[:, 2 * a:2 * b]), "style": style, PHASE: phase_offset(f0, 2 * a)}
    return sess.run(["audio"], {**feed, **(stats or {})})[0].astype(np.float64)


def windowed(sess, asr, f0, n, style, cores, lo=0, stats=None):
    """Cores [s, e) decoded over [max(lo, s-C), e+C), raised-cosine crossfades of X frames at the joins;
    the output is T frames long, zero before frame lo. Returns (signal, CPU s of the first window,
    the first window's decode)."""
    T = asr.shape[2]
    out = np.zeros(T * SPF)
    xs = X * SPF // 2
    first_cpu = None
    for i, (s, e) in enumerate(cores):
        a, b = max(lo, s - C), min(T, e + C)
        y, t = cpu(lambda: decode(sess, asr, f0, n, style, a, b, stats))
        if first_cpu is None:
            first_cpu, first_y = t, y
        w = np.zeros(T * SPF)
        w[s * SPF - (xs if i else 0):e * SPF + (xs if i < len(cores) - 1 else 0)] = 1
        if i:
            w[s * SPF - xs:s * SPF + xs] = ramp(2 * xs)
        if i < len(cores) - 1:
            w[e * SPF - xs:e * SPF + xs] = ramp(2 * xs)[::-1]
        out[a * SPF:b * SPF] += w[a * SPF:b * SPF] * y
    return out, first_cpu, first_y


def first_only(T, lo=0):
    return [(lo, lo + FIRST), (lo + FIRST, T)] if T - lo - FIRST >= FIRST // 2 else [(lo, T)]


def plain_cores(T):
    return schedule(T, FIRST, 2.0, 320)


def probe_stats(probe, names, asr, f0, n, style, segs=None):
    """The AdaIN statistics of one probe run, over the given frame stretches concatenated (or all)."""
    if segs is not None:
        idx = np.concatenate([np.arange(s, s + L) for s, L in segs])
        idx2 = np.stack([2 * idx, 2 * idx + 1], 1).ravel()
        asr, f0, n = asr[:, :, idx], f0[:, idx2], n[:, idx2]
    feed = {CUT_ASR: np.ascontiguousarray(asr), CUT_F0: np.ascontiguousarray(f0), CUT_N: np.ascontiguousarray(n),
            "style": style, PHASE: np.zeros((1, 1, 9), np.float32)}
    return dict(zip(names, probe.run(names, feed)))


# ---------------------------------------------------------------- metrics

def _fb(n_fft, n_mels=80):
    hz2mel, mel2hz = (lambda f: 2595 * np.log10(1 + f / 700)), (lambda m: 700 * (10 ** (m / 2595) - 1))
    pts = mel2hz(np.linspace(0, hz2mel(SR / 2), n_mels + 2))
    bins = np.fft.rfftfreq(n_fft, 1 / SR)
    return np.stack([np.clip(np.minimum((bins - l) / (c - l), (r - bins) / (r - c)), 0, None)
                     for l, c, r in zip(pts, pts[1:], pts[2:])])


FB512 = _fb(512)


def flux(x, n_fft=512, hop=120):
    """Spectral flux, dB: mean over 80 mel bands of the positive log-power rise per 5 ms hop."""
    x = np.pad(x, (0, max(0, n_fft - len(x))))
    n = 1 + (len(x) - n_fft) // hop
    fr = np.lib.stride_tricks.sliding_window_view(x, n_fft)[::hop][:n] * np.hanning(n_fft)
    L = 10 * np.log10((np.abs(np.fft.rfft(fr, axis=1)) ** 2) @ FB512.T + 1e-8)
    return np.concatenate([[0], np.clip(np.diff(L, axis=0), 0, None).mean(axis=1)])


def dtw_mel(a, b):
    """Mean |Δ log-mel| (dB) along the DTW path (symmetric steps, normalized by N+M)."""
    import librosa
    from scipy.spatial.distance import cdist
    A, B = 10 * log_mel(a), 10 * log_mel(b)
    D, _ = librosa.sequence.dtw(C=cdist(A, B, "cityblock") / A.shape[1], weights_mul=np.array([2.0, 1.0, 1.0]))
    return float(D[-1, -1] / (len(A) + len(B)))


def seam_scores(ref, x, joins):
    """Max over joins (sample positions) of: the flux peak within ±150 ms minus the reference's there
    (dB), and the largest sample step there over the reference's (dB)."""
    fr, fx = flux(ref), flux(x)
    dr, dx = np.abs(np.diff(ref)), np.abs(np.diff(x))
    w = int(0.15 * SR)
    fl, st = [], []
    for j in joins:
        lo, hi = max(0, j - w), min(len(ref) - 1, len(x) - 1, j + w)
        if hi - lo < w:
            continue
        fl.append(fx[lo // 120:hi // 120].max() - fr[lo // 120:hi // 120].max())
        st.append(20 * np.log10((dx[lo:hi].max() + 1e-9) / (dr[lo:hi].max() + 1e-9)))
    return (max(fl) if fl else float("nan")), (max(st) if st else float("nan"))


def near_mel(ref, x, joins):
    n = min(len(ref), len(x))
    d = 10 * np.abs(log_mel(ref[:n]) - log_mel(x[:n])).mean(axis=1)
    t = np.arange(len(d)) * 240 + 512
    near = np.zeros(len(d), bool)
    for j in joins:
        near |= np.abs(t - j) <= 0.15 * SR
    return float(d.mean()), (float(d[near].mean()) if near.any() else float("nan"))


_DNSMOS = None


def dnsmos(x):
    global _DNSMOS
    import librosa
    from speechmos import dnsmos as dm
    if _DNSMOS is None:
        base = os.path.dirname(dm.__file__)
        prim, p808 = os.path.join(base, "dnsmos_models", "sig_bak_ovr.onnx"), os.path.join(base, "dnsmos_models", "model_v8.onnx")
        _DNSMOS = dm.DNSMOS(prim, p808)
        _DNSMOS.onnx_sess, _DNSMOS.p808_onnx_sess = session(prim), session(p808)
    y = np.clip(librosa.resample(x.astype(np.float32), orig_sr=SR, target_sr=16000), -1, 1)
    r = _DNSMOS(y, 16000, False)
    return {k: float(r[k]) for k in ("p808_mos", "sig_mos", "bak_mos", "ovrl_mos")}


def score(ref, x, joins, path, said):
    from asr_transcribe import transcribe, word_error_rate
    write_wav(path, x)
    hyp = transcribe(path)
    mel, near = near_mel(ref, x, joins)
    fl, st = seam_scores(ref, x, joins)
    rms = lambda v: np.sqrt(np.mean(v ** 2))
    return dict(mel=mel, near=near, dtw=dtw_mel(ref, x), seam_flux=fl, seam_step=st,
                level=float(20 * np.log10(rms(x) / rms(ref))), len_ratio=len(x) / len(ref),
                wer=word_error_rate(said, hyp), hyp=hyp, **dnsmos(x))


# ---------------------------------------------------------------- run

def sentences(n_ha):
    rows = [l.rstrip("\n").split("\t") for l in open(TSV, encoding="utf-8") if l.strip()]
    ha, gen = [("ha", t, s) for t, s in rows[:n_ha]], [("general", t, s) for t, s in GENERAL]
    step = max(1, len(ha) // max(1, len(gen)))  # interleaved, so that a cut-short run has both kinds
    todo = []
    for i in range(0, max(len(ha), step * len(gen)), step):
        todo += ha[i:i + step] + gen[i // step:i // step + 1]
    return todo, rows[30:40]


def voice_stats(voice, sa, probe, names, held_out):
    path = os.path.join(RES, f"{voice}_stats.npz")
    if not os.path.exists(path):
        acc = []
        for text, _ in held_out:
            inp = model_inputs(tokens(text, voice), voice)
            asr, f0, n, _ = sa.run(None, inp)
            acc.append(probe_stats(probe, names, asr, f0, n, inp["style"]))
        np.savez(path, **{k: np.mean([a[k] for a in acc], axis=0) for k in names})
    z = np.load(path)
    return {k: z[k] for k in names}


def run(voice, n_ha=30):
    os.makedirs(RES, exist_ok=True)
    out_path = os.path.join(RES, f"{voice}.jsonl")
    done = {json.loads(l)["text"] for l in open(out_path)} if os.path.exists(out_path) else set()
    sa, sb, sfp = session(PART_A_DUR), session(PART_B), session(DEQ)
    probe, statin = session(PART_B_PROBE), session(PART_B_STATIN)
    names = stat_names()
    todo, held_out = sentences(n_ha)
    vstats = voice_stats(voice, sa, probe, names, held_out)
    for k, (kind, text, said) in enumerate(todo):
        if text in done:
            continue
        inp = model_inputs(tokens(text, voice), voice)
        style = inp["style"]
        (asr, f0, n, dur), a_cpu = cpu(lambda: sa.run(None, inp))
        T = asr.shape[2]
        lo = max(int(dur[0, 0]) - KEEP, 0)  # c_crop's first frame; everything is scored from here
        tim = dict(A=a_cpu)
        sig = {}
        sig["whole"], tim["whole"] = cpu(lambda: decode(sb, asr, f0, n, style, 0, T))
        sig["fp32"] = sfp.run(None, inp)[0].astype(np.float64)
        a2, f2, n2, _ = sa.run(None, {**inp, "speed": np.array([1.02], np.float32)})
        sig["speed1.02"] = decode(sb, a2, f2, n2, style, 0, a2.shape[2])
        pc, fc = plain_cores(T), first_only(T)
        sig["a_first"], tim["first"], y0 = windowed(sb, asr, f0, n, style, fc)
        sig["a_whole"] = sig["whole"].copy()
        if len(fc) > 1:  # first window's core [0, 40) then the whole decode, raised-cosine crossfade at 40
            xs, e = X * SPF // 2, FIRST * SPF
            w = np.concatenate([np.ones(e - xs), ramp(2 * xs)[::-1]])
            sig["a_whole"][:e + xs] = w * y0[:e + xs] + (1 - w) * sig["whole"][:e + xs]
        sig["plain"] = sig["a_first"] if pc == fc else windowed(sb, asr, f0, n, style, pc)[0]
        if k % B_EVERY == 0:  # the (b) variants on every B_EVERY-th sentence only (CPU budget)
            L = SAMPLES[1]
            segs = [(int(s), L) for s in np.round(np.linspace(0, T - L, SAMPLES[0]))]
            st, tim["probe"] = cpu(lambda: probe_stats(probe, names, asr, f0, n, style, segs))
            sig["b_sampled"], tim["first_statin"], _ = windowed(statin, asr, f0, n, style, pc, 0, st)
            sig["b_voice"] = windowed(statin, asr, f0, n, style, pc, 0, vstats)[0]
        sig["c_crop"], tim["first_crop"], _ = windowed(sb, asr, f0, n, style, first_only(T, lo), lo)
        joins = {"plain": [s for s, _ in pc[1:]], "a_first": [s for s, _ in fc[1:]], "c_crop": [s for s, _ in first_only(T, lo)[1:]]}
        joins["a_whole"] = joins["a_first"]
        joins["b_sampled"] = joins["b_voice"] = joins["plain"]
        ref = sig["whole"][lo * SPF:]
        rec = dict(voice=voice, kind=kind, text=text, T=T, lead=int(dur[0, 0]), lo=lo, cpu=tim, m={})
        for v in [v for v in VARIANTS if v in sig]:
            j = [(s - lo) * SPF for s in joins.get(v, joins["plain"])]
            rec["m"][v] = score(ref, sig[v][lo * SPF:], j, f"{WAVS}/{voice}/{k:02d}_{v}.wav", said)
        with open(out_path, "a") as f:
            f.write(json.dumps(rec) + "\n")
        print(f"{voice} {k + 1}/{len(todo)} T={T} lo={lo} whole {tim['whole']:.2f}s first {tim['first']:.2f}s "
              f"dtw plain {rec['m']['plain']['dtw']:.2f} fp32 {rec['m']['fp32']['dtw']:.2f}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- report

def ci(d):
    d = np.asarray(d, float)
    d = d[~np.isnan(d)]
    return d.mean(), 1.96 * d.std(ddof=1) / np.sqrt(len(d))


def report():
    recs = [json.loads(l) for f in sorted(os.listdir(RES)) if f.endswith(".jsonl") for l in open(os.path.join(RES, f))]
    voices = sorted({r["voice"] for r in recs})
    print(f"{len(recs)} renderings of {len({r['text'] for r in recs})} sentences, voices {', '.join(voices)}; "
          f"{sum(r['kind'] == 'ha' for r in recs)} HA answers, {sum(r['kind'] == 'general' for r in recs)} general\n")
    whole = [r["m"]["whole"] for r in recs]
    print("Reference (whole-sentence int8 decode): DNSMOS P.808 {:.3f}, SIG {:.3f}, BAK {:.3f}, OVRL {:.3f}; WER {:.1%}\n".format(
        *[np.mean([w[k] for w in whole]) for k in ("p808_mos", "sig_mos", "bak_mos", "ovrl_mos", "wer")]))
    print("| rendering | log-mel dB (sync; n same length) | log-mel dB (DTW) | near joins dB | seam flux excess dB mean / max | "
          "seam sample step dB max | level dB | ΔP.808 | ΔSIG | ΔBAK | ΔOVRL | WER | ΔWER |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for v in VARIANTS[1:]:
        rv = [r for r in recs if v in r["m"]]
        m, wh = [r["m"][v] for r in rv], [r["m"]["whole"] for r in rv]
        d = lambda k: ci([x[k] - w[k] for x, w in zip(m, wh)])
        f = lambda k: "{:+.3f} ± {:.3f}".format(*d(k))
        same = [x["mel"] for x in m if x["len_ratio"] == 1]  # frame-synchronous only where the length is unchanged
        sync = f"{np.mean(same):.2f} ({len(same)})" if same else "—"
        near = f"{np.nanmean([x['near'] for x in m if x['len_ratio'] == 1]):.2f}" if same else "—"
        print(f"| {v} (n={len(m)}) | {sync} | {np.mean([x['dtw'] for x in m]):.2f} | {near} | "
              f"{np.nanmean([x['seam_flux'] for x in m]):.2f} / {np.nanmax([x['seam_flux'] for x in m]):.2f} | "
              f"{np.nanmax([x['seam_step'] for x in m]):+.1f} | {np.mean([x['level'] for x in m]):+.2f} | "
              f"{f('p808_mos')} | {f('sig_mos')} | {f('bak_mos')} | {f('ovrl_mos')} | "
              f"{np.mean([x['wer'] for x in m]):.1%} | {d('wer')[0]:+.1%} |")
    print("\n(± = 95 % confidence half-width of the paired mean difference from the reference.)\n")
    print("Per voice and sentence kind, log-mel DTW dB / ΔOVRL:\n")
    groups = [(v, k) for v in voices for k in ("ha", "general")]
    print("| rendering | " + " | ".join(f"{v} {k}" for v, k in groups) + " |")
    print("|---|" + "---|" * len(groups))
    for v in VARIANTS[1:]:
        cells = []
        for vo, k in groups:
            rs = [r for r in recs if r["voice"] == vo and r["kind"] == k and v in r["m"]]
            cells.append(f"{np.mean([r['m'][v]['dtw'] for r in rs]):.2f} / "
                         f"{np.mean([r['m'][v]['ovrl_mos'] - r['m']['whole']['ovrl_mos'] for r in rs]):+.3f}")
        print(f"| {v} | " + " | ".join(cells) + " |")
    print("\nLevel step at the first join (dB; from the WAVs: level change vs the reference over the first "
          "window's core minus that over the rest; spread renderings measured at the same place):\n")
    print("| rendering | n | mean abs step dB | 90th pct | max abs | first-core level vs reference dB (mean) |")
    print("|---|---|---|---|---|---|")
    order = {t: k for k, (_, t, _) in enumerate(sentences(27)[0])}
    from asr_transcribe import read_wav
    rms = lambda v: 20 * np.log10(np.sqrt(np.mean(v ** 2)) + 1e-9)
    for v in VARIANTS[1:]:
        steps, firsts = [], []
        for r in recs:
            k = order.get(r["text"])
            path = f"{WAVS}/{r['voice']}/{k:02d}_{v}.wav"
            if v not in r["m"] or k is None or not os.path.exists(path):
                continue
            ref, x = read_wav(f"{WAVS}/{r['voice']}/{k:02d}_whole.wav")[0], read_wav(path)[0]
            j = (FIRST if v == "c_crop" else FIRST - r["lo"]) * SPF
            n = min(len(ref), len(x))
            if n - j < FIRST // 2 * SPF:
                continue
            first = rms(x[:j]) - rms(ref[:j])
            steps.append(first - (rms(x[j:n]) - rms(ref[j:n])))
            firsts.append(first)
        a = np.abs(steps)
        print(f"| {v} | {len(a)} | {a.mean():.2f} | {np.percentile(a, 90):.2f} | {a.max():.2f} | {np.mean(firsts):+.2f} |")
    gain_corrected(recs, order, read_wav, rms)
    print("\nFirst-audio cost, CPU ms (1 thread, single runs on a busy machine; median over sentences):\n")
    print("| sentences | n | T frames | A | B whole | B first window (a_first, plain) | ratio | probe (b_sampled) | "
          "B first window, statin | (probe + first) / whole | B first window, c_crop | lead frames cropped |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for k in ("ha", "general"):
        rs = [r for r in recs if r["kind"] == k]
        med = lambda key: np.median([r["cpu"][key] for r in rs if key in r["cpu"]]) * 1e3
        rat = lambda f, need="whole": np.median([f(r["cpu"]) for r in rs if need in r["cpu"]])
        print(f"| {k} | {len(rs)} | {np.median([r['T'] for r in rs]):.0f} | {med('A'):.0f} | {med('whole'):.0f} | "
              f"{med('first'):.0f} | {rat(lambda c: c['first'] / c['whole']):.2f} | {med('probe'):.0f} | "
              f"{med('first_statin'):.0f} | {rat(lambda c: (c['probe'] + c['first_statin']) / c['whole'], 'probe'):.2f} | "
              f"{med('first_crop'):.0f} | {np.median([r['lo'] for r in rs]):.0f} |")


def gain_corrected(recs, order, read_wav, rms):
    """a_whole with the first window scaled by a per-voice gain: minus the mean first-core level
    change of a_whole over the voice's *other* sentences (leave-one-out). Rebuilt from the WAVs:
    x' = a_whole + (g - 1) * (a_whole - (1 - w) * whole) over the first window's span, w its weight."""
    rows = []
    for r in recs:
        k = order.get(r["text"])
        if "a_whole" in r["m"] and k is not None and r["T"] - FIRST >= FIRST // 2:
            ref = read_wav(f"{WAVS}/{r['voice']}/{k:02d}_whole.wav")[0]
            x = read_wav(f"{WAVS}/{r['voice']}/{k:02d}_a_whole.wav")[0]
            j = (FIRST - r["lo"]) * SPF
            rows.append((r, ref, x, j, rms(x[:j]) - rms(ref[:j])))
    steps, dtws, fls, gains = [], [], [], []
    xs = X * SPF // 2
    for r, ref, x, j, _ in rows:
        others = [f for q, _, _, _, f in rows if q["voice"] == r["voice"] and q is not r]
        g = 10 ** (-np.mean(others) / 20)
        gains.append(-np.mean(others))
        w = np.concatenate([np.ones(j - xs), ramp(2 * xs)[::-1]])
        y = x.copy()
        y[:j + xs] = x[:j + xs] + (g - 1) * (x[:j + xs] - (1 - w) * ref[:j + xs])
        steps.append((rms(y[:j]) - rms(ref[:j])) - (rms(y[j:]) - rms(ref[j:])))
        dtws.append(dtw_mel(ref, y))
        fls.append(seam_scores(ref, y, [j])[0])
    a = np.abs(steps)
    print(f"\na_whole with a per-voice first-window gain (leave-one-out, {np.min(gains):+.2f}…{np.max(gains):+.2f} dB), "
          f"n={len(a)}: level step mean abs {a.mean():.2f} dB, 90th pct {np.percentile(a, 90):.2f}, max {a.max():.2f}; "
          f"log-mel DTW {np.mean(dtws):.2f} dB; seam flux excess mean {np.mean(fls):.2f} / max {np.max(fls):.2f} dB")


if __name__ == "__main__":
    if sys.argv[1] == "run":
        run(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 30)
    else:
        report()
