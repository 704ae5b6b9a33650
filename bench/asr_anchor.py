"""Synthesizes bench/asr_sentences.tsv with Python kokoro-onnx (same model and voice as
kokorod). Usage: asr_anchor.py DATA_DIR OUT_DIR TSV THREADS"""
import os, sys, tempfile, wave

import numpy as np
import onnxruntime as rt
from kokoro_onnx import Kokoro

data, out, tsv, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
npz = os.path.join(tempfile.mkdtemp(), "voices.npz")
np.savez(npz, af_heart=np.fromfile(os.path.join(data, "voices", "af_heart.bin"), dtype="<f4").reshape(510, 1, 256))
opts = rt.SessionOptions()
opts.intra_op_num_threads = threads
k = Kokoro.from_session(rt.InferenceSession(os.path.join(data, "kokoro-v1.0.int8.onnx"), opts, providers=["CPUExecutionProvider"]), npz)
for i, line in enumerate(open(tsv, encoding="utf-8"), 1):
    text = line.split("\t")[0]
    audio, sr = k.create(text, voice="af_heart", lang="en-us")
    with wave.open(os.path.join(out, f"a{i}.wav"), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(sr)
        w.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
