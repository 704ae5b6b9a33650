"""The anchor for bench_speak: Python kokoro-onnx on the same model, voice and
thread count. Prints the same figures. Usage: python anchor_kokoro_onnx.py DATA_DIR THREADS RUNS"""
import json, os, resource, sys, tempfile, time

import numpy as np
import onnxruntime as rt
from kokoro_onnx import Kokoro

data, threads, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
texts = json.load(open(os.path.join(os.path.dirname(__file__), "texts.json")))
t0 = time.perf_counter()
# kokoro-onnx reads an npz of [510, 1, 256] arrays; build it from the .bin files.
npz = os.path.join(tempfile.mkdtemp(), "voices.npz")
np.savez(npz, af_heart=np.fromfile(os.path.join(data, "voices", "af_heart.bin"), dtype="<f4").reshape(510, 1, 256))
opts = rt.SessionOptions()
opts.intra_op_num_threads = threads
opts.inter_op_num_threads = 1
sess = rt.InferenceSession(os.path.join(data, "kokoro-v1.0.int8.onnx"), opts, providers=["CPUExecutionProvider"])
k = Kokoro.from_session(sess, npz)
k.create("Hello there.", voice="af_heart", lang="en-us")  # warm-up, as kokorod does
print(f"anchor   kokoro-onnx threads={threads} start-to-ready={(time.perf_counter() - t0) * 1e3:.0f}ms")
for key in ("sentence", "paragraph"):
    text = texts[key]
    total = 0.0
    for _ in range(runs):
        t = time.perf_counter()
        audio, sr = k.create(text, voice="af_heart", lang="en-us")
        total += time.perf_counter() - t
    mean = total / runs
    secs = len(audio) / sr
    print(f"anchor   {key:<9} words={len(text.split()):<3} audio={secs:.2f}s synth={mean * 1e3:.0f}ms rtf={mean / secs:.3f}")
print(f"anchor   peak-rss={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}MB")
