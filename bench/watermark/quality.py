"""What a watermark costs in speech quality: unmarked vs marked renderings of the same texts.

    ~/.cache/kokorod/perth-venv/bin/python bench/watermark/quality.py UNMARKED_DIR MARKED_DIR \
        [TSV] [--per-file OUT.tsv]

TSV (default bench/asr_sentences.tsv) holds `text<TAB>reference transcript` per line; line i
(from 1) belongs to `<i>.wav` in both directories, as bench/asr_compare.sh numbers its
k<i>.wav. Lines whose file is missing from either directory are skipped.

For each directory it prints the means of
  DNSMOS (PyPI speechmos, the ONNX models its wheel ships; input resampled to 16 kHz with
  librosa soxr_hq): P.808, SIG, BAK, OVRL. Clips under 9.01 s are tiled up to that length
  by speechmos itself, as DNSMOS is defined on 9 s segments;
  PocketSphinx word error rate (tests/python/asr_transcribe.py, as bench/asr_score.py uses
  it): the mean per sentence and the pooled one (errors / reference words);
  Perth's reference detector confidence (resemble-perth 1.0.1, unrounded): mean and min;
and the paired difference marked − unmarked of each per-file figure, with its 95 %
confidence half-width (Student t over the files).

Any WAV soundfile reads works (16-bit PCM, float, any rate); mono or averaged to mono.
"""

import argparse
import math
import os
import sys
import tempfile
import warnings

warnings.filterwarnings("ignore", message="pkg_resources is deprecated")

import librosa  # noqa: E402
import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402
import torch  # noqa: E402
from scipy import stats  # noqa: E402
from speechmos import dnsmos  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "python"))
from asr_transcribe import normalize, transcribe, word_error_rate  # noqa: E402

from perth.perth_net.perth_net_implicit.perth_watermarker import (  # noqa: E402
    PerthImplicitWatermarker,
)

METRICS = ("p808", "sig", "bak", "ovrl", "wer", "perth")


def read_mono(path):
    signal, rate = sf.read(path, dtype="float32", always_2d=True)
    return np.ascontiguousarray(signal.mean(axis=1)), int(rate)


def transcribe_any(path):
    """asr_transcribe reads PCM WAV only; other encodings go through a 16-bit copy."""
    if sf.info(path).subtype.startswith("PCM_"):
        return transcribe(path)
    signal, rate = read_mono(path)
    with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
        sf.write(tmp.name, np.clip(signal, -1.0, 1.0), rate, subtype="PCM_16")
        return transcribe(tmp.name)


def measure(path, reference, watermarker):
    signal, rate = read_mono(path)
    audio16 = librosa.resample(signal, orig_sr=rate, target_sr=16000, res_type="soxr_hq")
    mos = dnsmos.run(np.clip(audio16, -1.0, 1.0), 16000)
    with torch.no_grad():
        perth = float(watermarker.get_watermark(signal, rate, round=False))
    return {
        "p808": float(mos["p808_mos"]),
        "sig": float(mos["sig_mos"]),
        "bak": float(mos["bak_mos"]),
        "ovrl": float(mos["ovrl_mos"]),
        "wer": word_error_rate(reference, transcribe_any(path)),
        "words": len(normalize(reference)),
        "perth": perth,
    }


def half_width(values):
    """95 % confidence half-width of the mean (Student t); nan for fewer than 2 values."""
    n = len(values)
    if n < 2:
        return float("nan")
    return float(stats.t.ppf(0.975, n - 1) * np.std(values, ddof=1) / math.sqrt(n))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("unmarked")
    parser.add_argument("marked")
    parser.add_argument("tsv", nargs="?", default=os.path.join(HERE, "..", "asr_sentences.tsv"))
    parser.add_argument("--per-file", help="also write each file's figures to this TSV")
    args = parser.parse_args()

    rows = [line.rstrip("\n").split("\t") for line in open(args.tsv, encoding="utf-8")]
    stdout, sys.stdout = sys.stdout, sys.stderr  # the package prints when it loads
    try:
        watermarker = PerthImplicitWatermarker()
    finally:
        sys.stdout = stdout

    results = []  # (index, text, {dir: figures})
    for i, (text, reference) in enumerate(rows, 1):
        paths = {d: os.path.join(getattr(args, d), f"{i}.wav") for d in ("unmarked", "marked")}
        if not all(os.path.isfile(p) for p in paths.values()):
            continue
        figures = {d: measure(p, reference, watermarker) for d, p in paths.items()}
        results.append((i, text, figures))
        print(f"{i}.wav " + "  ".join(
            f"{d}: ovrl {f['ovrl']:.2f} wer {f['wer']:.2f} perth {f['perth']:.3f}"
            for d, f in figures.items()), file=sys.stderr)
    if not results:
        sys.exit(f"no <i>.wav present in both {args.unmarked} and {args.marked}")

    if args.per_file:
        with open(args.per_file, "w", encoding="utf-8") as out:
            out.write("file\tdir\t" + "\t".join(METRICS) + "\ttext\n")
            for i, text, figures in results:
                for d, f in figures.items():
                    out.write(f"{i}.wav\t{d}\t" + "\t".join(f"{f[m]:.6g}" for m in METRICS)
                              + f"\t{text}\n")

    n = len(results)
    column = {d: {m: np.array([f[d][m] for _, _, f in results]) for m in METRICS + ("words",)}
              for d in ("unmarked", "marked")}
    print(f"{n} files; means (DNSMOS on 16 kHz; WER = mean per sentence, pooled in brackets)")
    print(f"{'':10}{'P.808':>8}{'SIG':>8}{'BAK':>8}{'OVRL':>8}{'WER':>16}{'Perth mean':>12}"
          f"{'Perth min':>11}")
    for d in ("unmarked", "marked"):
        c = column[d]
        pooled = (c["wer"] * c["words"]).sum() / c["words"].sum()
        print(f"{d:10}{c['p808'].mean():8.3f}{c['sig'].mean():8.3f}{c['bak'].mean():8.3f}"
              f"{c['ovrl'].mean():8.3f}{c['wer'].mean():8.3f} ({pooled:.3f})"
              f"{c['perth'].mean():12.4f}{c['perth'].min():11.4f}")
    print("paired difference marked − unmarked: mean ± 95 % half-width")
    for m, label in zip(METRICS, ("P.808", "SIG", "BAK", "OVRL", "WER", "Perth")):
        diff = column["marked"][m] - column["unmarked"][m]
        print(f"  {label:6}{diff.mean():+9.4f} ± {half_width(diff):.4f}")


if __name__ == "__main__":
    main()
