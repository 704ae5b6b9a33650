"""Checks part B's sine_phase_offset: the harmonic source of a window that starts at frame a,
fed phase_offset(F0, 2a), must match the whole sentence's source from frame a on.
Usage: python check_phase.py   (after split_model.py)"""
import os
import sys

import numpy as np
import onnx

sys.path.insert(0, os.path.dirname(__file__))
from common import CUT_F0, OUT, PART_A, PART_B, PHASE, SAMPLES_PER_FRAME as SPF, TEXTS, model_inputs, session, tokens
from window_eval import phase_offset

SOURCE = "/decoder/decoder/generator/m_source/l_sin_gen/Mul_6_output_0"  # [1, samples, 9] harmonics × 0.1 × voiced


def main():
    path = os.path.join(OUT, "sine_source.onnx")
    onnx.utils.extract_model(PART_B, path, [CUT_F0, PHASE], [SOURCE], check_model=False)
    src, sa = session(path, 1), session(PART_A, 1)
    asr, f0, _ = sa.run(None, model_inputs(tokens(TEXTS[10])))
    whole = src.run(None, {CUT_F0: f0, PHASE: np.zeros((1, 1, 9), np.float32)})[0]
    for a in (40, 80):
        for name, off in (("phase 0", np.zeros((1, 1, 9), np.float32)), ("phase_offset", phase_offset(f0, 2 * a))):
            w = src.run(None, {CUT_F0: np.ascontiguousarray(f0[:, 2 * a:]), PHASE: off})[0]
            inner = slice(SPF, -SPF)  # one frame in from each end (the linear upsampling's edge)
            d = np.abs(w[:, inner] - whole[:, a * SPF:][:, inner]).max()
            print(f"window from frame {a}, {name:>12}: max |source diff| = {d:.5f} (source amplitude {np.abs(whole).max():.2f})")


if __name__ == "__main__":
    main()
