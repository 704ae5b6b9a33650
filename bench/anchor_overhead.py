"""The bare-model anchor for bench/overhead.sh: the token sequences the pipeline ran,
through a plain Python ONNX Runtime session (its default settings, as many Kokoro
servers run it), same model, voice and thread count. Prints the same columns.
Usage: python anchor_overhead.py DATA_DIR TOKENS.json ROUNDS"""
import json
import os
import sys
import time

import numpy as np
import onnxruntime as rt

data, tokens_file, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
spec = json.load(open(tokens_file))
voice = np.fromfile(os.path.join(data, "voices", "af_heart.bin"), dtype="<f4").reshape(510, 256)
opts = rt.SessionOptions()
opts.intra_op_num_threads = len(os.sched_getaffinity(0))
opts.inter_op_num_threads = 1
sess = rt.InferenceSession(os.path.join(data, "kokoro-v1.0.int8.onnx"), opts, providers=["CPUExecutionProvider"])
names = {i.name for i in sess.get_inputs()}
tok_name = "tokens" if "tokens" in names else "input_ids"


def run(seq):
    ids = np.array([[0, *seq, 0]], dtype=np.int64)
    style = voice[len(seq)][None, :].astype(np.float32)
    return sess.run(None, {tok_name: ids, "style": style, "speed": np.ones(1, dtype=np.float32)})[0]


run([50, 83, 156, 54])  # warm-up
for text in spec["texts"]:
    wall = cpu = 0.0
    for _ in range(rounds):
        t, c = time.perf_counter(), time.process_time()
        for seq in text["sequences"]:
            run(seq)
        wall += time.perf_counter() - t
        cpu += time.process_time() - c
    print(f"python-ort {text['name']:<10} {sum(map(len, text['sequences'])):>6} {len(text['sequences']):>5} | "
          f"{wall / rounds * 1e3:.0f}/{cpu / rounds * 1e3:.0f} ms wall/cpu")
