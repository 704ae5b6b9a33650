"""Marks every WAV of a directory with the reference Perth package, as a baseline for
quality.py.

    ~/.cache/kokorod/perth-venv/bin/python bench/watermark/mark_reference.py IN_DIR OUT_DIR \
        [--float]

Each IN_DIR/*.wav (mono or averaged to mono, any rate) is passed through resemble-perth
1.0.1's `PerthImplicitWatermarker().apply_watermark(signal, sample_rate=rate)` and written
to OUT_DIR under the same name at the same rate: 16-bit PCM (rounded, clipped), which is
what kokorod serves, or 32-bit float with --float. The package returns a signal cut to a
whole number of 10 ms hops at 32 kHz, so a marked file can be up to ~10 ms shorter.
"""

import argparse
import os
import sys
import warnings

warnings.filterwarnings("ignore", message="pkg_resources is deprecated")

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402
import torch  # noqa: E402

from perth.perth_net.perth_net_implicit.perth_watermarker import (  # noqa: E402
    PerthImplicitWatermarker,
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--float", action="store_true", help="write 32-bit float WAVs")
    args = parser.parse_args()
    os.makedirs(args.output, exist_ok=True)
    stdout, sys.stdout = sys.stdout, sys.stderr  # the package prints when it loads
    try:
        watermarker = PerthImplicitWatermarker()
    finally:
        sys.stdout = stdout
    for name in sorted(os.listdir(args.input)):
        if not name.endswith(".wav"):
            continue
        signal, rate = sf.read(os.path.join(args.input, name), dtype="float32", always_2d=True)
        signal = np.ascontiguousarray(signal.mean(axis=1))
        with torch.no_grad():
            marked = watermarker.apply_watermark(signal, sample_rate=rate)
        path = os.path.join(args.output, name)
        if args.float:
            sf.write(path, marked.astype(np.float32), rate, subtype="FLOAT")
        else:
            ints = np.clip(np.round(marked.astype(np.float64) * 32768.0), -32768, 32767)
            sf.write(path, ints.astype(np.int16), rate, subtype="PCM_16")
        print(f"{name}: {len(signal)} -> {len(marked)} samples at {rate} Hz", file=sys.stderr)


if __name__ == "__main__":
    main()
