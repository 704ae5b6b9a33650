"""Golden fixtures for kokorod's Perth watermark, made with the reference package.

    ~/.cache/kokorod/perth-venv/bin/python bench/watermark/make_fixtures.py SOURCE.wav \
        [--start SECONDS] [--out tests/data/watermark] [--debug-dir DIR]

SOURCE.wav is kokorod speech (mono 24 kHz 16-bit PCM), e.g.
`kokorod speak -o /tmp/src.wav -t "Turning on the kitchen lights."`; the committed clip is
the 1.0 s from 0.04 s of that sentence (voice af_heart), where speech runs from start to end.
The venv is described in bench/watermark/README.md (resemble-perth==1.0.1 and what it
imports).

Writes into --out:
  speech24.wav              1.0 s of SOURCE from --start, 16-bit PCM, 24 kHz
  speech32.wav              speech24 resampled to 32 kHz (librosa soxr_hq), 16-bit PCM
  speech32_marked_ref.wav   apply_watermark(speech32 as read back, 32000), 32-bit float
  speech24_marked_ref.wav   apply_watermark(speech24 as read back, 24000), 32-bit float
  reference.json            unrounded detector confidence on each file, lengths, versions
Every signal handed to the package is the file's content as read back (int16 / 32768 as
float32 for the PCM files), so another implementation reading the same files starts from
identical values.

Writes into --debug-dir (not committed; float32 .npy), all for speech32:
  magspec.npy     normalized dB magnitude [1025, T] (the package's signal_to_magphase)
  mask.npy        the encoder's frame mask [T]
  layer0.npy      the encoder's first Conv1d + LeakyReLU output [256, T]
  residual.npy    encoder residual before it is added: layers(sub_mag) * mask [128, T]
  decoder_out_{slow,normal,fast}.npy
                  each decoder stack's [2, T'] output on speech32_marked_ref's magnitude
  phase.npy       the STFT phase [1025, T] (radians, torch.angle)
  marked_magspec.npy       the encoder's output, magspec + residual in the lowest 128 bins
  marked_file_magspec.npy  normalized dB magnitude of speech32_marked_ref (decoder input)
  keys.txt        the checkpoint's state_dict keys and shapes
"""

import argparse
import hashlib
import importlib.metadata
import json
import os
import struct
import sys

import librosa
import numpy as np
import soundfile as sf
import torch

from perth.perth_net import PREPACKAGED_MODELS_DIR
from perth.perth_net.perth_net_implicit.model import magmask
from perth.perth_net.perth_net_implicit.perth_watermarker import PerthImplicitWatermarker

WHEEL_SHA256 = "65e9c37531b1a128a4a56226b75dece4521683cf3611b0b2a5ffe234f00c9342"
CHECKPOINT = os.path.join(PREPACKAGED_MODELS_DIR, "implicit", "perth_net_250000.pth.tar")


def read(path):
    """The file's samples as float32 (PCM scaled by 1/32768) and its rate."""
    signal, rate = sf.read(path, dtype="float32", always_2d=False)
    assert signal.ndim == 1, f"{path}: mono expected"
    return signal, rate


def write_pcm16(path, signal, rate):
    # Quantize here (round, clip) rather than trusting libsndfile's float scaling.
    ints = np.clip(np.round(np.asarray(signal, dtype=np.float64) * 32768.0), -32768, 32767)
    sf.write(path, ints.astype(np.int16), rate, subtype="PCM_16")


def write_float(path, signal, rate):
    """Mono IEEE-float WAV with a plain 16-byte fmt chunk and no PEAK chunk: libsndfile's PEAK
    chunk holds a timestamp, which would make the file differ from run to run."""
    data = np.asarray(signal, dtype="<f4").tobytes()
    fmt = struct.pack("<HHIIHH", 3, 1, rate, rate * 4, 4, 32)
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(data)) + b"WAVE")
        f.write(b"fmt " + struct.pack("<I", len(fmt)) + fmt)
        f.write(b"data" + struct.pack("<I", len(data)) + data)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def confidence(wm, signal, rate):
    return float(wm.get_watermark(signal, rate, round=False))


def capture(module, store, name):
    """Keeps the module's forward output (detached, batch item 0) in store[name]."""

    def hook(_module, _inputs, output):
        store[name] = output.detach()[0].cpu().numpy().astype(np.float32)

    return module.register_forward_hook(hook)


def debug_arrays(wm, speech32, marked32, debug_dir):
    net = wm.perth_net
    os.makedirs(debug_dir, exist_ok=True)
    out = {}
    with torch.no_grad():
        magspec, phase = net.ap.signal_to_magphase(torch.from_numpy(speech32))
        mask = magmask(magspec[None])[0]
        out["phase"] = phase.numpy().astype(np.float32)
        out["marked_magspec"] = net.encoder(magspec[None])[0][0].numpy().astype(np.float32)
        out["marked_file_magspec"] = (
            net.ap.signal_to_magphase(torch.from_numpy(marked32))[0].numpy().astype(np.float32))
        handles = [
            capture(net.encoder.layers, out, "layers"),
            capture(net.encoder.layers[0], out, "layer0"),
        ]
        net.encoder(magspec[None])
        for h in handles:
            h.remove()
        handles = [
            capture(getattr(net.decoder, f"{name}_layers"), out, f"decoder_out_{name}")
            for name in ("slow", "normal", "fast")
        ]
        wm.get_watermark(marked32, 32000, round=False)
        for h in handles:
            h.remove()
    out["magspec"] = magspec.numpy().astype(np.float32)
    out["mask"] = mask.numpy().astype(np.float32)
    out["residual"] = out.pop("layers") * out["mask"][None, :]
    for name, array in out.items():
        np.save(os.path.join(debug_dir, f"{name}.npy"), array)
        print(f"  {name}.npy {array.shape}", file=sys.stderr)
    state = torch.load(CHECKPOINT, map_location="cpu", weights_only=True)["model"]
    with open(os.path.join(debug_dir, "keys.txt"), "w") as f:
        for key, tensor in state.items():
            f.write(f"{key}\t{list(tensor.shape)}\t{tensor.dtype}\n")
    return magspec.shape[1]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", help="kokorod speech, mono 24 kHz 16-bit PCM WAV")
    parser.add_argument("--start", type=float, default=0.04, help="clip start in seconds")
    parser.add_argument("--out", default=os.path.join(here, "..", "..", "tests", "data", "watermark"))
    parser.add_argument("--debug-dir", default="/work/wt/perth/debug")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    path = {name: os.path.join(args.out, f"{name}.wav") for name in
            ("speech24", "speech32", "speech32_marked_ref", "speech24_marked_ref")}

    source, rate = sf.read(args.source, dtype="int16", always_2d=False)
    if rate != 24000 or source.ndim != 1:
        sys.exit(f"{args.source}: mono 24 kHz expected, got {rate} Hz, shape {source.shape}")
    first = int(round(args.start * 24000))
    clip = source[first:first + 24000]
    if len(clip) != 24000:
        sys.exit(f"{args.source}: shorter than {args.start} s + 1 s")
    sf.write(path["speech24"], clip, 24000, subtype="PCM_16")
    x24, _ = read(path["speech24"])

    write_pcm16(path["speech32"], librosa.resample(x24, orig_sr=24000, target_sr=32000,
                                                   res_type="soxr_hq"), 32000)
    x32, _ = read(path["speech32"])

    wm = PerthImplicitWatermarker()
    with torch.no_grad():
        write_float(path["speech32_marked_ref"], wm.apply_watermark(x32, sample_rate=32000), 32000)
        write_float(path["speech24_marked_ref"], wm.apply_watermark(x24, sample_rate=24000), 24000)

    files = {}
    with torch.no_grad():
        for name, p in path.items():
            signal, rate = read(p)
            files[name] = {
                "file": os.path.basename(p),
                "sample_rate": rate,
                "samples": len(signal),
                "subtype": sf.info(p).subtype,
                "confidence": confidence(wm, signal, rate),
            }
            print(f"{name}: {files[name]}", file=sys.stderr)

    marked32, _ = read(path["speech32_marked_ref"])
    frames = debug_arrays(wm, x32, marked32, args.debug_dir)
    versions = {pkg: importlib.metadata.version(pkg) for pkg in
                ("resemble-perth", "torch", "torchaudio", "librosa", "numpy", "scipy",
                 "soundfile", "soxr")}
    reference = {
        "detector": "PerthImplicitWatermarker().get_watermark(signal, sample_rate, round=False)"
                    ", signal = the file's samples as float32",
        "files": files,
        "stft_frames_32k": frames,
        "source": {"text": "Turning on the kitchen lights.", "voice": "af_heart",
                   "start_sample_24k": first},
        "versions": versions,
        "wheel": "resemble_perth-1.0.1-py3-none-any.whl",
        "wheel_sha256": WHEEL_SHA256,
        "checkpoint": "perth/perth_net/pretrained/implicit/perth_net_250000.pth.tar",
        "checkpoint_sha256": sha256(CHECKPOINT),
    }
    with open(os.path.join(args.out, "reference.json"), "w") as f:
        json.dump(reference, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
