"""Strength trade-off of the reference Perth mark: quality cost and detectability when the
encoder's residual is scaled by α.

    ~/.cache/kokorod/perth-venv/bin/python bench/watermark/strength.py UNMARKED_DIR OUT_DIR \
        [--alpha 1.0 0.5 0.25] [--mp3-kbps 64]

The package's encoder adds `layers(magspec[:, :128]) * mask` to the normalized dB
magnitude. Here `encoder.layers` is replaced by a module returning α · layers(x), so the
residual added is α times the package's (mask unchanged; α = 1 is the package itself).
Each UNMARKED_DIR/<i>.wav is marked with `apply_watermark` at its own rate (the package
resamples to 32 kHz and back, as mark_reference.py does) into OUT_DIR/a<α>/<i>.wav
(16-bit PCM, rounded, clipped), then sent through an MP3 round trip with ffmpeg's
libmp3lame at --mp3-kbps (CBR, mono, the file's rate) into OUT_DIR/a<α>/<i>.mp3.

Prints per α: DNSMOS (speechmos, as quality.py: 16 kHz soxr_hq, clips tiled to 9.01 s)
paired differences marked − unmarked with 95 % half-widths, and the reference detector's
confidence (unrounded) on the WAV and on the decoded MP3: mean, min, and how many < 0.5.
The unmarked files' own confidences (WAV and MP3) are printed first. `--alpha 0` gives the
package's processing without a mark: resampling to 32 kHz and back, STFT/ISTFT, and the
end cut to whole 10 ms hops at 32 kHz.
"""

import argparse
import os
import shutil
import subprocess
import sys
import warnings

warnings.filterwarnings("ignore", message="pkg_resources is deprecated")

import librosa  # noqa: E402
import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402
import torch  # noqa: E402
from speechmos import dnsmos  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from quality import half_width, read_mono  # noqa: E402

from perth.perth_net.perth_net_implicit.perth_watermarker import (  # noqa: E402
    PerthImplicitWatermarker,
)


class Scaled(torch.nn.Module):
    """α times the wrapped module's output."""

    def __init__(self, inner, alpha):
        super().__init__()
        self.inner = inner
        self.alpha = alpha

    def forward(self, x):
        return self.alpha * self.inner(x)


def mos(signal, rate):
    audio16 = librosa.resample(signal, orig_sr=rate, target_sr=16000, res_type="soxr_hq")
    m = dnsmos.run(np.clip(audio16, -1.0, 1.0), 16000)
    return np.array([m["p808_mos"], m["sig_mos"], m["bak_mos"], m["ovrl_mos"]], dtype=float)


def mp3_round_trip(wav, mp3, kbps):
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", wav,
                    "-c:a", "libmp3lame", "-b:a", f"{kbps}k", "-ac", "1", mp3], check=True)


def detect(watermarker, path):
    signal, rate = read_mono(path)
    with torch.no_grad():
        return float(watermarker.get_watermark(signal, rate, round=False))


def confidences(label, values):
    v = np.array(values)
    return f"{label} mean {v.mean():.4f} min {v.min():.4f} max {v.max():.4f} <0.5: {(v < 0.5).sum()}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("unmarked")
    parser.add_argument("out")
    parser.add_argument("--alpha", type=float, nargs="+", default=[1.0, 0.5, 0.25])
    parser.add_argument("--mp3-kbps", type=int, default=64)
    args = parser.parse_args()
    if shutil.which("ffmpeg") is None:
        sys.exit("ffmpeg (with libmp3lame) is needed for the MP3 round trip")

    stdout, sys.stdout = sys.stdout, sys.stderr  # the package prints when it loads
    try:
        watermarker = PerthImplicitWatermarker()
    finally:
        sys.stdout = stdout
    encoder = watermarker.perth_net.encoder
    layers = encoder.layers

    names = sorted((n for n in os.listdir(args.unmarked) if n.endswith(".wav")),
                   key=lambda n: int(n[:-4]) if n[:-4].isdigit() else n)
    base = {}
    plain_dir = os.path.join(args.out, "a0")
    os.makedirs(plain_dir, exist_ok=True)
    wav0, mp30 = [], []
    for name in names:
        path = os.path.join(args.unmarked, name)
        signal, rate = read_mono(path)
        base[name] = (signal, rate, mos(signal, rate))
        mp3 = os.path.join(plain_dir, name[:-4] + ".mp3")
        mp3_round_trip(path, mp3, args.mp3_kbps)
        wav0.append(detect(watermarker, path))
        mp30.append(detect(watermarker, mp3))
    print(f"{len(names)} files from {args.unmarked}; MP3 = ffmpeg libmp3lame {args.mp3_kbps} kbit/s")
    print(f"unmarked: {confidences('WAV', wav0)} | {confidences('MP3', mp30)}", flush=True)

    for alpha in args.alpha:
        encoder.layers = Scaled(layers, alpha)
        out = os.path.join(args.out, f"a{alpha:g}")
        os.makedirs(out, exist_ok=True)
        diffs, wav_conf, mp3_conf = [], [], []
        for name in names:
            signal, rate, mos0 = base[name]
            with torch.no_grad():
                marked = watermarker.apply_watermark(signal, sample_rate=rate)
            ints = np.clip(np.round(marked.astype(np.float64) * 32768.0), -32768, 32767)
            wav = os.path.join(out, name)
            sf.write(wav, ints.astype(np.int16), rate, subtype="PCM_16")
            mp3 = os.path.join(out, name[:-4] + ".mp3")
            mp3_round_trip(wav, mp3, args.mp3_kbps)
            marked16, _ = read_mono(wav)
            diffs.append(mos(marked16, rate) - mos0)
            wav_conf.append(detect(watermarker, wav))
            mp3_conf.append(detect(watermarker, mp3))
        d = np.array(diffs)
        cols = "  ".join(f"{label} {d[:, k].mean():+.3f} ± {half_width(d[:, k]):.3f}"
                         for k, label in enumerate(("P.808", "SIG", "BAK", "OVRL")))
        print(f"α={alpha:g}: Δ {cols}")
        print(f"       {confidences('WAV', wav_conf)} | {confidences('MP3', mp3_conf)}",
              flush=True)
    encoder.layers = layers


if __name__ == "__main__":
    main()
