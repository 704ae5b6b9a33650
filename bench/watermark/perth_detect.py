"""Perth's own detector on audio files: prints `path<TAB>confidence` per file.

    ~/.cache/kokorod/perth-venv/bin/python bench/watermark/perth_detect.py FILE...

Confidence is the reference package's unrounded output (resemble-perth 1.0.1,
`PerthImplicitWatermarker().get_watermark(signal, rate, round=False)`, which clips to
0..1), at the file's own sample rate: the package resamples to 32 kHz itself. Near 1 means
marked, near 0 unmarked; the package's own verdict is the value rounded.

Decoding is soundfile's (libsndfile): WAV (PCM and float), FLAC, Ogg Vorbis, Ogg Opus and
MP3 work with the soundfile 0.14 wheel; a FLAC stream whose header has no length (as
kokorod's FLAC) is decoded by ffmpeg. A file soundfile cannot open is tried with
librosa.load (audioread, which needs an ffmpeg or GStreamer on the machine; with Debian's
ffmpeg, AAC in .m4a works that way). Channels are
averaged to mono: the package's detector takes one channel.

A file that cannot be decoded prints `path<TAB>error: ...` on stderr; the exit status is
0 unless every file failed (then 2).
"""

import subprocess
import sys
import warnings

warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
warnings.filterwarnings("ignore", message="PySoundFile failed")
warnings.filterwarnings("ignore", category=FutureWarning)

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402
import torch  # noqa: E402

from perth.perth_net.perth_net_implicit.perth_watermarker import (  # noqa: E402
    PerthImplicitWatermarker,
)


def read_ffmpeg(path):
    """Decodes with ffmpeg, for streams whose header gives no length (a FLAC STREAMINFO
    with 0 total samples): libsndfile reports 2^63 frames, soundfile's read() tries to
    allocate them and a block-wise read fails at the end of the stream."""
    rate = sf.info(path).samplerate
    pcm = subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", path, "-f", "f32le",
                          "-ac", "1", "-"], check=True, capture_output=True).stdout
    return np.frombuffer(pcm, dtype="<f4")[:, None], rate


def decode(path):
    """(mono float32 samples, sample rate) of an audio file."""
    try:
        try:
            signal, rate = sf.read(path, dtype="float32", always_2d=True)
        except ValueError:
            signal, rate = read_ffmpeg(path)
        signal = signal.mean(axis=1)
    except (sf.LibsndfileError, RuntimeError, TypeError):
        import librosa

        signal, rate = librosa.load(path, sr=None, mono=True, dtype=np.float32)
    return np.ascontiguousarray(signal, dtype=np.float32), int(rate)


def main(paths):
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    # The package prints a line when it loads its checkpoint; keep stdout for results.
    stdout, sys.stdout = sys.stdout, sys.stderr
    try:
        watermarker = PerthImplicitWatermarker()
    finally:
        sys.stdout = stdout
    failed = 0
    for path in paths:
        try:
            signal, rate = decode(path)
            with torch.no_grad():
                confidence = float(watermarker.get_watermark(signal, rate, round=False))
        except Exception as error:  # one bad file must not hide the others' results
            print(f"{path}\terror: {type(error).__name__}: {error}", file=sys.stderr)
            failed += 1
            continue
        print(f"{path}\t{confidence}", flush=True)
    return 2 if failed == len(paths) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
