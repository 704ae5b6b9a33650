"""Shared helpers for the pad-duration experiment (see README.md).

Reuses bench/decoder_window/common.py (paths, token ids via kokorod, sessions set up as
kokorod's, metrics, WAV writer) and adds the graph surgery."""
import os
import sys

import numpy as np
import onnx
from onnx import helper, TensorProto

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "decoder_window"))
from common import *  # noqa: E402,F401,F403
from common import MODEL, SR, SAMPLES_PER_FRAME  # noqa: E402

OUT = os.environ.get("PADCLAMP_DIR", os.path.expanduser("~/.cache/kokorod/padclamp"))
WAVS = "/tmp/padclamp"

# The duration chain (node names in kokoro-v1.0.int8.onnx):
#   /encoder/predictor/Sigmoid -> /encoder/predictor/ReduceSum (over the 50 bins, axis -1)
#   -> /encoder/Div (÷ speed) -> /encoder/Round -> /encoder/Clip (min 1.0)
#   -> /encoder/Cast (to int64)  => DUR [1, n+2] int64: frames (25 ms) per input token
#   -> /encoder/Gather (index 0 -> [n+2]) -> /encoder/CumSum -> /encoder/Range ... alignment
#   -> /encoder/MatMul (F0/N predictor input) and /encoder/MatMul_1 (the decoder's asr).
DUR = "/encoder/Cast_output_0"
DUR_FLOAT = "/encoder/Div_output_0"     # before rounding
DUR_CONSUMER = "/encoder/Gather"        # the only consumer of DUR
CAP_INPUT = "max_durations"             # [1, n+2] int64, extra input of the capped graph
INT64_MAX = np.iinfo(np.int64).max

# Sentences: short pieces (3-6 words) and sentence-size ones.
TEXTS = {
    "3w": "The lights are on.",
    "4w": "Turn off the kitchen lights.",
    "6w": "Hello there, how are you today?",
    "h": "Hold on a second.",        # onset /h/: a soft start the pad frames might carry
    "s": "Sure, I can do that.",     # onset /ʃ/ (fricative)
    "clause": "When the timer ends",  # a clause piece: no final punctuation
    "10w": "She opened the old wooden door and stepped into the garden.",
    "20w": "After the meeting ended, the team walked down to the harbor, where a small boat was "
           "waiting to take them across the bay.",
}


def _load():
    return onnx.load(MODEL)


def _rewire(g, old, new, skip_node):
    for n in g.node:
        if n is skip_node:
            continue
        for i, x in enumerate(n.input):
            if x == old:
                n.input[i] = new


def build_probe(path):
    """The original graph with DUR and DUR_FLOAT as extra outputs (the computation unchanged)."""
    m = _load()
    m.graph.output.extend([
        helper.make_tensor_value_info(DUR, TensorProto.INT64, [1, "n"]),
        helper.make_tensor_value_info(DUR_FLOAT, TensorProto.FLOAT, [1, "n"]),
    ])
    onnx.save(m, path)


def build_capped_input(path):
    """Experiment variant: durations = Min(DUR, max_durations), max_durations a new graph
    input [1, n+2] int64 (INT64_MAX = no cap). One node added; durations also exposed."""
    m = _load()
    g = m.graph
    capped = DUR + "_capped"
    node = helper.make_node("Min", [DUR, CAP_INPUT], [capped], name="/encoder/pad_cap/Min")
    _rewire(g, DUR, capped, node)
    idx = [i for i, n in enumerate(g.node) if n.name == DUR_CONSUMER][0]
    g.node.insert(idx, node)
    g.input.append(helper.make_tensor_value_info(CAP_INPUT, TensorProto.INT64, [1, "n"]))
    g.output.extend([helper.make_tensor_value_info(capped, TensorProto.INT64, [1, "n"])])
    onnx.checker.check_model(m, full_check=False)
    onnx.save(m, path)


def build_capped_const(path, k):
    """Drop-in variant (same inputs/outputs as the original): the first and last entries
    of DUR are capped at k frames, the rest passes through:
      Slice(DUR,[0:1]) -> Min(k) ; Slice(DUR,[1:-1]) ; Slice(DUR,[-1:]) -> Min(k) ; Concat(axis 1)."""
    m = _load()
    g = m.graph
    p = "/encoder/pad_cap/"
    c = lambda name, vals: helper.make_node("Constant", [], [p + name], name=p + name,
                                            value=helper.make_tensor(p + name, TensorProto.INT64, [len(vals)], vals))
    nodes = [
        c("c0", [0]), c("c1", [1]), c("cm1", [-1]), c("cmax", [INT64_MAX]), c("ax", [1]),
        helper.make_node("Constant", [], [p + "k"], name=p + "k",
                         value=helper.make_tensor(p + "k", TensorProto.INT64, [], [k])),
        helper.make_node("Slice", [DUR, p + "c0", p + "c1", p + "ax"], [p + "head"], name=p + "SliceHead"),
        helper.make_node("Slice", [DUR, p + "c1", p + "cm1", p + "ax"], [p + "mid"], name=p + "SliceMid"),
        helper.make_node("Slice", [DUR, p + "cm1", p + "cmax", p + "ax"], [p + "tail"], name=p + "SliceTail"),
        helper.make_node("Min", [p + "head", p + "k"], [p + "head_c"], name=p + "MinHead"),
        helper.make_node("Min", [p + "tail", p + "k"], [p + "tail_c"], name=p + "MinTail"),
        helper.make_node("Concat", [p + "head_c", p + "mid", p + "tail_c"], [p + "out"], name=p + "Concat", axis=1),
    ]
    _rewire(g, DUR, p + "out", None)
    idx = [i for i, n in enumerate(g.node) if n.name == DUR_CONSUMER][0]
    for n in reversed(nodes):
        g.node.insert(idx, n)
    onnx.checker.check_model(m, full_check=False)
    onnx.save(m, path)


def path_of(name):
    os.makedirs(OUT, exist_ok=True)
    return os.path.join(OUT, name)


def caps(n_ids, lead=None, tail=None, last_token=None):
    """max_durations for ids of length n_ids (pads added): lead/tail cap the pads,
    last_token caps the last real token (the final punctuation)."""
    c = np.full((1, n_ids + 2), INT64_MAX, dtype=np.int64)
    if lead is not None:
        c[0, 0] = lead
    if tail is not None:
        c[0, -1] = tail
    if last_token is not None:
        c[0, -2] = last_token
    return c


THRESHOLD = 328 / 32768  # kokorod's trim: -40 dBFS


def to_i16(x):
    return (np.clip(x, -1, 1) * 32767).astype(np.int16)


def loud_span(x):
    """(first, last) loud sample as kokorod's trim sees them (i16 |s| > 328)."""
    a = np.abs(to_i16(x).astype(np.int32)) > 328
    idx = np.flatnonzero(a)
    return (int(idx[0]), int(idx[-1])) if len(idx) else (None, None)


def trim(x, lead_ms=40, tail_ms=250):
    f, l = loud_span(x)
    if f is None:
        return x, 0
    start = max(0, f - lead_ms * SR // 1000)
    end = min(len(x), l + 1 + tail_ms * SR // 1000)
    return x[start:end], start
