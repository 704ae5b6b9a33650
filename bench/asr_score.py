"""Transcribes kokorod's (k<i>.wav) and the anchor's (a<i>.wav) renderings with
PocketSphinx and prints each sentence's and the overall word error rate.
Usage: asr_score.py OUT_DIR TSV"""
import os, sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "python"))
from asr_transcribe import normalize, transcribe, word_error_rate  # noqa: E402

out, tsv = sys.argv[1], sys.argv[2]
rows = [line.rstrip("\n").split("\t") for line in open(tsv, encoding="utf-8")]
totals = {"kokorod": [0, 0], "kokoro-onnx": [0, 0]}  # errors (wer × words), words
print(f"{'kokorod':>8} {'anchor':>8}  sentence")
for i, (text, ref) in enumerate(rows, 1):
    w = {}
    for name, prefix in (("kokorod", "k"), ("kokoro-onnx", "a")):
        hyp = transcribe(os.path.join(out, f"{prefix}{i}.wav"))
        w[name] = word_error_rate(ref, hyp)
        n = len(normalize(ref))
        totals[name][0] += w[name] * n
        totals[name][1] += n
    print(f"{w['kokorod']:8.2f} {w['kokoro-onnx']:8.2f}  {text}")
for name, (err, words) in totals.items():
    print(f"{name}: WER {err / words:.3f} over {len(rows)} sentences, {words} words")
