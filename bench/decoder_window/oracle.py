"""Attribution: which global statistic makes windowed decoding differ from whole decoding?
Builds part B variants that take, from a whole-sentence run, (a) every DynamicQuantizeLinear's
scale/zero-point, (b) every instance norm's (AdaIN) per-channel mean and variance (all of part
B's ReduceMean nodes), (c) both — oracles no streaming decoder has — and windows each; what
remains is the window edges. With STATS_WORDS the statistics come from another sentence instead
(a fixed, per-voice normalization: would it be good enough?); the whole-sentence row then shows
what the foreign statistics do without any windows.
Usage: python oracle.py [WORDS [STATS_WORDS]]   (default 10; after split_model.py)"""
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

sys.path.insert(0, os.path.dirname(__file__))
from common import CUT_ASR, CUT_F0, CUT_N, OUT, PART_A, PART_B, PHASE, TEXTS, model_inputs, session, tokens
from window_eval import analyse, schedule, windowed


def with_outputs(path, names, dst):
    m = onnx.load(path)
    for n in names:  # DynamicQuantizeLinear's y_scale (float) / y_zero_point (uint8); ReduceMean (float)
        t = onnx.TensorProto.UINT8 if n.endswith("_zero_point") else onnx.TensorProto.FLOAT
        m.graph.output.append(helper.make_tensor_value_info(n, t, None))
    onnx.save(m, dst)


def frozen(path, values, dst, quant, norm):
    """Replace each DynamicQuantizeLinear by QuantizeLinear with constant scale/zero-point (quant)
    and each ReduceMean by its whole-sentence value (norm)."""
    m = onnx.load(path)
    nodes = []
    for n in m.graph.node:
        if norm and n.op_type == "ReduceMean":
            nodes.append(helper.make_node("Constant", [], [n.output[0]], value=numpy_helper.from_array(values[n.output[0]])))
            continue
        if not quant or n.op_type != "DynamicQuantizeLinear":
            nodes.append(n)
            continue
        y, sc, zp = n.output
        nodes.append(helper.make_node("Constant", [], [sc], value=numpy_helper.from_array(values[sc].astype(np.float32))))
        nodes.append(helper.make_node("Constant", [], [zp], value=numpy_helper.from_array(values[zp].astype(np.uint8))))
        nodes.append(helper.make_node("QuantizeLinear", [n.input[0], sc, zp], [y], name=n.name + "_frozen"))
    del m.graph.node[:]
    m.graph.node.extend(nodes)
    onnx.save(m, dst)


def main():
    words = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    stats_words = int(sys.argv[2]) if len(sys.argv) > 2 else words
    sa, sb = session(PART_A), session(PART_B)

    def feed_for(w):
        inp = model_inputs(tokens(TEXTS[w]))
        asr, f0, n = sa.run(None, inp)
        return inp["style"], {CUT_ASR: asr, CUT_F0: f0, CUT_N: n, "style": inp["style"], PHASE: np.zeros((1, 1, 9), np.float32)}

    style, feed = feed_for(words)
    asr, f0, n = feed[CUT_ASR], feed[CUT_F0], feed[CUT_N]
    T = asr.shape[2]
    stats_feed = feed_for(stats_words)[1]
    nodes = onnx.load(PART_B).graph.node
    dql = [o for nd in nodes if nd.op_type == "DynamicQuantizeLinear" for o in nd.output[1:]]
    rm = [nd.output[0] for nd in nodes if nd.op_type == "ReduceMean"]
    probe = os.path.join(OUT, "part_b_probe.onnx")
    with_outputs(PART_B, dql + rm, probe)
    outs = session(probe).run(["audio"] + dql + rm, stats_feed)
    values = dict(zip(dql + rm, outs[1:]))
    ref = sb.run(None, feed)[0].astype(np.float64)
    variants = [("dynamic, own statistics", sb)]
    src = "whole sentence's" if stats_words == words else f"{stats_words}-word sentence's"
    for label, q, nm in ((f"{src} quant scales", True, False), (f"{src} norm stats", False, True),
                         (f"both, {src}", True, True)):
        fz = os.path.join(OUT, f"part_b_oracle_{int(q)}{int(nm)}.onnx")
        frozen(PART_B, values, fz, q, nm)
        variants.append((label, session(fz)))
        r = analyse(ref, variants[-1][1].run(None, feed)[0].astype(np.float64), [(0, T)], 0, 0)
        print(f"{label}, whole sentence (no windows) vs original: max|diff| = {r['maxdiff']:.3f}, SNR {r['snr']:.1f} dB, "
              f"log-mel {r['mel']:.2f} dB, shape {r['mel_shape']:.2f} dB, level {r['lvl']:+.2f} dB")
    print(f"{words} words, statistics from the {stats_words}-word sentence; {len(dql) // 2} DynamicQuantizeLinear, {len(rm)} ReduceMean (instance-norm mean/var) in part B")
    print("| schedule | C | X | statistics | SNR dB | log-mel dB | shape dB | worst window level dB | seam level dB | seam corr |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for sname, (first, g, cap) in (("40,x2", (40, 2.0, 320)), ("40 fixed", (40, 1.0, 40))):
        cores = schedule(T, first, g, cap)
        for label, s in variants:
            seams = []
            x = windowed(s, asr, f0, n, style, cores, 20, 10, True, {}, seams)
            r = analyse(ref, x, cores, 20, 10)
            print(f"| {sname} | 20 | 10 | {label} | {r['snr']:.1f} | {r['mel']:.2f} | {r['mel_shape']:.2f} | {r['lvl']:+.2f} | "
                  f"{max(abs(l) for l, _ in seams):.2f} | {min(c for _, c in seams):.2f} |")


if __name__ == "__main__":
    main()
