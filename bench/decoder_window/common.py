"""Shared helpers for the decoder-window experiment (see README.md)."""
import json
import os
import subprocess
import time

import numpy as np
import onnxruntime as ort

DATA = os.environ.get("KOKOROD_DATA_DIR", os.path.expanduser("~/.local/share/kokorod"))
MODEL = os.path.join(DATA, "kokoro-v1.0.int8.onnx")
OUT = os.environ.get("DECWIN_DIR", os.path.expanduser("~/.cache/kokorod/decwin"))
PART_A = os.path.join(OUT, "part_a.onnx")
PART_B = os.path.join(OUT, "part_b.onnx")
PART_B1 = os.path.join(OUT, "part_b1.onnx")  # part B up to the generator's input (frame-rate AdaIN blocks)
PART_B2 = os.path.join(OUT, "part_b2.onnx")  # the generator (iSTFTNet upsampler + harmonic source + iSTFT)
KOKOROD = os.environ.get("KOKOROD_BIN", "/work/main/target/release/kokorod")
SR = 24000
SAMPLES_PER_FRAME = 600  # one aligned ("asr") frame = 2 F0/N frames = 600 samples = 25 ms

# The cut: part A's outputs = part B's inputs (plus the `style` graph input).
CUT_ASR = "/encoder/MatMul_1_output_0"   # [1, 512, T]  aligned text features (en @ alignment)
CUT_F0 = "/encoder/Reshape_output_0"     # [1, 2T]      F0 curve (Hz)
CUT_N = "/encoder/Reshape_1_output_0"    # [1, 2T]      energy curve
CUT_GEN = "/decoder/decoder/decode.3/Div_4_output_0"  # [1, 512, 2T] the generator's input x
PHASE = "sine_phase_offset"              # [1, 1, 9] extra input added to part B (see split_model.py)

TEXTS = {
    5: "The weather is nice today.",
    10: "She opened the old wooden door and stepped into the garden.",
    20: "After the meeting ended, the team walked down to the harbor, where a small boat was "
        "waiting to take them across the bay.",
    40: "The library had been closed for almost three years, but when it finally reopened, people "
        "lined up around the block to see the new reading rooms, the restored windows, and the "
        "enormous collection of maps that a retired sailor had donated to the town.",
}


def tokens(text, voice="af_heart"):
    """Token ids from the daemon's own G2P (`kokorod phonemize --tokens`)."""
    out = subprocess.run([KOKOROD, "phonemize", "--tokens", "--log-level", "error", "--voice", voice, text],
                         check=True, capture_output=True, text=True).stdout
    line = [l for l in out.splitlines() if l.startswith("[")][-1]
    return json.loads(line)


def voice(name="af_heart"):
    return np.fromfile(os.path.join(DATA, "voices", name + ".bin"), dtype="<f4").reshape(510, 1, 256)


def model_inputs(ids, name="af_heart", speed=1.0):
    ids = list(ids)
    return {
        "tokens": np.array([[0] + ids + [0]], dtype=np.int64),
        "style": voice(name)[len(ids)].astype(np.float32),  # [1, 256]
        "speed": np.array([speed], dtype=np.float32),
    }


def session(path, threads=2):
    """Same settings as kokorod's engine/model.rs: Level3 graph optimization, no spinning."""
    o = ort.SessionOptions()
    o.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    o.intra_op_num_threads = threads
    o.inter_op_num_threads = 1
    o.add_session_config_entry("session.intra_op.allow_spinning", "0")
    o.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return ort.InferenceSession(path, o, providers=["CPUExecutionProvider"])


def timed(fn, runs):
    """(min wall s, min CPU s over all threads of this process, last result) over `runs` calls."""
    walls, cpus, r = [], [], None
    for _ in range(runs):
        c0, w0 = time.process_time(), time.perf_counter()
        r = fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus), r


def snr_db(ref, x):
    n = min(len(ref), len(x))
    ref, x = ref[:n].astype(np.float64), x[:n].astype(np.float64)
    return 10 * np.log10(np.sum(ref ** 2) / max(np.sum((ref - x) ** 2), 1e-30))


def _mel_fb(n_fft=1024, n_mels=80, sr=SR, fmin=0.0, fmax=None):
    fmax = fmax or sr / 2
    hz2mel = lambda f: 2595 * np.log10(1 + f / 700)
    mel2hz = lambda m: 700 * (10 ** (m / 2595) - 1)
    pts = mel2hz(np.linspace(hz2mel(fmin), hz2mel(fmax), n_mels + 2))
    bins = np.fft.rfftfreq(n_fft, 1 / sr)
    fb = np.zeros((n_mels, len(bins)))
    for i in range(n_mels):
        l, c, r = pts[i], pts[i + 1], pts[i + 2]
        fb[i] = np.clip(np.minimum((bins - l) / (c - l), (r - bins) / (r - c)), 0, None)
    return fb


_FB = _mel_fb()


def log_mel(x, n_fft=1024, hop=240):
    """log10 mel power, [frames, 80]; hop 240 = 10 ms."""
    x = np.asarray(x, dtype=np.float64)
    if len(x) < n_fft:
        x = np.pad(x, (0, n_fft - len(x)))
    win = np.hanning(n_fft)
    n = 1 + (len(x) - n_fft) // hop
    frames = np.stack([x[i * hop:i * hop + n_fft] * win for i in range(n)])
    p = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    return np.log10(p @ _FB.T + 1e-8)


def mel_distance(ref, x):
    """Mean absolute log10-mel difference in dB (10*|Δlog10|), and the per-10ms-frame curve."""
    n = min(len(ref), len(x))
    a, b = log_mel(ref[:n]), log_mel(x[:n])
    d = 10 * np.abs(a - b).mean(axis=1)
    return float(d.mean()), d


def write_wav(path, x):
    import wave
    os.makedirs(os.path.dirname(path), exist_ok=True)
    pcm = (np.clip(x, -1, 1) * 32767).astype("<i2")
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes(pcm.tobytes())
