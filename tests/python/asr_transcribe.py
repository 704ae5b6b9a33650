"""Offline speech recognition for intelligibility checks of synthesized speech.

    python asr_transcribe.py FILE.wav [--ref "expected text"]

Prints the lower-case transcript of FILE.wav on stdout. With --ref, also prints
`wer=<word error rate> ref=<...> hyp=<...>` on stderr (stdout stays the transcript).

Recognizer: PocketSphinx 5.x from PyPI (`pip install pocketsphinx==5.1.1 numpy`), whose
wheel ships the CMU US-English acoustic model, a 3-gram language model and the CMU
dictionary, so nothing is fetched at run time. The model wants 16 kHz mono 16-bit audio;
any PCM WAV (8/16/24/32-bit, any rate, any channel count) is downmixed and resampled here
with numpy (windowed-sinc), e.g. kokorod's 24 kHz or espeak-ng's 22.05 kHz output.

Exit codes: 0 ok, 2 bad input, 3 a python package is missing.
"""

import argparse
import re
import sys
import wave

try:
    import numpy as np
    from pocketsphinx import Decoder
except ImportError as error:
    print(
        f"python package missing ({error}): pip install pocketsphinx==5.1.1 numpy",
        file=sys.stderr,
    )
    sys.exit(3)

TARGET_RATE = 16000


def read_wav(path: str) -> tuple[np.ndarray, int]:
    """Return (mono float64 samples in [-1, 1], sample rate) of a PCM WAV file."""
    with wave.open(path, "rb") as wav:
        channels = wav.getnchannels()
        width = wav.getsampwidth()
        rate = wav.getframerate()
        raw = wav.readframes(wav.getnframes())
    if width == 1:
        samples = (np.frombuffer(raw, dtype=np.uint8).astype(np.float64) - 128.0) / 128.0
    elif width == 2:
        samples = np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0
    elif width == 3:
        bytes3 = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        ints = bytes3[:, 0] | (bytes3[:, 1] << 8) | (bytes3[:, 2] << 16)
        ints = np.where(ints >= 1 << 23, ints - (1 << 24), ints)
        samples = ints.astype(np.float64) / float(1 << 23)
    elif width == 4:
        samples = np.frombuffer(raw, dtype="<i4").astype(np.float64) / float(1 << 31)
    else:
        raise ValueError(f"unsupported sample width {width}")
    if channels > 1:
        samples = samples[: len(samples) // channels * channels].reshape(-1, channels).mean(axis=1)
    return samples, rate


def resample(samples: np.ndarray, rate_in: int, rate_out: int, half_taps: int = 32) -> np.ndarray:
    """Band-limited resampling by direct windowed-sinc interpolation (Hann window)."""
    if rate_in == rate_out or len(samples) == 0:
        return samples
    ratio = rate_out / rate_in
    # Cutoff in cycles per input sample: below the lower of the two Nyquist rates.
    cutoff = 0.5 * min(1.0, ratio) * 0.92
    n_out = int(len(samples) * ratio)
    padded = np.concatenate([np.zeros(half_taps), samples, np.zeros(half_taps + 1)])
    offsets = np.arange(-half_taps + 1, half_taps + 1)
    out = np.empty(n_out)
    chunk = 8192
    for start in range(0, n_out, chunk):
        times = np.arange(start, min(start + chunk, n_out)) / ratio  # in input samples
        base = np.floor(times).astype(np.int64)
        idx = base[:, None] + offsets[None, :]
        dist = times[:, None] - idx
        window = 0.5 + 0.5 * np.cos(np.pi * np.clip(dist / half_taps, -1.0, 1.0))
        kernel = 2.0 * cutoff * np.sinc(2.0 * cutoff * dist) * window
        out[start : start + len(times)] = (padded[idx + half_taps] * kernel).sum(axis=1)
    return out


def transcribe(path: str) -> str:
    samples, rate = read_wav(path)
    audio = resample(samples, rate, TARGET_RATE)
    pcm = (np.clip(audio, -1.0, 32767.0 / 32768.0) * 32768.0).astype("<i2").tobytes()
    # The default config loads the en-us model bundled in the pocketsphinx wheel.
    decoder = Decoder(samprate=TARGET_RATE, loglevel="FATAL")
    decoder.start_utt()
    decoder.process_raw(pcm, no_search=False, full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    if hyp is None:
        return ""
    # Drop filler/noise tokens such as <sil>, [NOISE], (alternate pronunciation markers).
    words = [re.sub(r"\(\d+\)$", "", w) for w in hyp.hypstr.split()]
    return " ".join(w for w in words if not w.startswith(("<", "["))).lower()


def normalize(text: str) -> list[str]:
    """Lower-case words without punctuation (apostrophes kept), as the recognizer writes them."""
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower().replace("-", " ")).split()


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Levenshtein distance over words divided by the number of reference words."""
    ref, hyp = normalize(reference), normalize(hypothesis)
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1] / max(len(ref), 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wav", help="PCM WAV file to transcribe")
    parser.add_argument("--ref", help="expected text: print its word error rate on stderr")
    args = parser.parse_args()
    try:
        text = transcribe(args.wav)
    except (OSError, EOFError, ValueError, wave.Error) as error:
        print(f"cannot read {args.wav}: {error}", file=sys.stderr)
        return 2
    print(text)
    if args.ref is not None:
        wer = word_error_rate(args.ref, text)
        print(f"wer={wer:.3f} ref={' '.join(normalize(args.ref))!r} hyp={text!r}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
