"""Model files for quality_eval.py (after split_model.py). Writes to $DECWIN_DIR, never the repo.

part_a_dur.onnx      part A plus the per-token durations (`/encoder/Cast_output_0`, frames) as a 4th output
part_b_probe.onnx    part B plus every ReduceMean output (the AdaIN instance norms' per-channel mean and
                     variance, 108 of them) as extra outputs: the normalization statistics of a run
part_b_statin.onnx   part B with those ReduceMean nodes removed and their outputs made graph inputs:
                     decoding with given statistics (fed from a probe run)
kokoro-v1.0.deq.onnx the int8 model dequantized to float32, the stand-in for the fp32 model (kokorod fetch
                     only fetches the int8 one): every MatMulInteger/ConvInteger on
                     DynamicQuantizeLinear(x) becomes MatMul/Conv(x / x_scale, w_q - w_zero_point), so the
                     graph's own Cast and Mul by x_scale*w_scale give x @ dequant(w) in float with no
                     activation rounding; the bias is added unrounded; DynamicQuantizeLSTM becomes LSTM with
                     dequantized weights. Weights keep their int8 values (the original float weights are not
                     recoverable); the 4 embedding tables stay QuantizeLinear'd (they are a lookup).
Checks: probe's audio == part B's, statin fed the probe's statistics == part B (max|diff|), and the
dequantized model's log-mel distance from the int8 one.
"""
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

sys.path.insert(0, os.path.dirname(__file__))
from common import CUT_ASR, CUT_F0, CUT_N, MODEL, OUT, PART_A, PART_B, PHASE, TEXTS, mel_distance, model_inputs, session, tokens

DUR = "/encoder/Cast_output_0"
PART_A_DUR = os.path.join(OUT, "part_a_dur.onnx")
PART_B_PROBE = os.path.join(OUT, "part_b_probe.onnx")
PART_B_STATIN = os.path.join(OUT, "part_b_statin.onnx")
DEQ = os.path.join(OUT, "kokoro-v1.0.deq.onnx")


def stat_names(path=PART_B):
    return [n.output[0] for n in onnx.load(path).graph.node if n.op_type == "ReduceMean"]


def build_stat_models():
    onnx.utils.extract_model(MODEL, PART_A_DUR, ["tokens", "style", "speed"], [CUT_ASR, CUT_F0, CUT_N, DUR],
                             check_model=False)
    m = onnx.load(PART_B)
    names = stat_names()
    m.graph.output.extend([helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in names])
    onnx.save(m, PART_B_PROBE)
    m = onnx.load(PART_B)
    keep = [n for n in m.graph.node if n.op_type != "ReduceMean"]
    del m.graph.node[:]
    m.graph.node.extend(keep)
    m.graph.input.extend([helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, None, 1]) for n in names])
    del m.graph.value_info[:]
    onnx.save(m, PART_B_STATIN)


def build_dequantized():
    m = onnx.load(MODEL)
    g = m.graph
    init = {i.name: i for i in g.initializer}
    arr = lambda name: numpy_helper.to_array(init[name])
    prod = {o: n for n in g.node for o in n.output}
    cons = {}
    for n in g.node:
        for i in n.input:
            cons.setdefault(i, []).append(n)
    new_inits, out_nodes = [], []
    replaced = {}  # node name -> list of replacement nodes
    for n in g.node:
        if n.op_type in ("MatMulInteger", "ConvInteger"):
            xq, wq, _, wzp = n.input
            dql = prod[xq]
            assert dql.op_type == "DynamicQuantizeLinear", dql.op_type
            x, xs = dql.input[0], dql.output[1]
            w = arr(wq).astype(np.float32)
            zp = arr(wzp).astype(np.float32) if wzp else np.float32(0)
            if n.op_type == "MatMulInteger":
                wc = w - zp.reshape(1, -1) if zp.ndim else w - zp
            else:
                wc = w - (zp.reshape(-1, *([1] * (w.ndim - 1))) if zp.ndim else zp)
            wname = wq + "_deq"  # a weight can feed several nodes: add it once
            if wname not in {i.name for i in new_inits}:
                new_inits.append(numpy_helper.from_array(wc.astype(np.float32), wname))
            xdiv = n.name + "_deq_xdiv"
            nodes = [helper.make_node("Div", [x, xs], [xdiv], name=xdiv)]
            if n.op_type == "MatMulInteger":
                nodes.append(helper.make_node("MatMul", [xdiv, wname], [n.output[0]], name=n.name + "_deq"))
            else:
                attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
                nodes.append(helper.make_node("Conv", [xdiv, wname], [n.output[0]], name=n.name + "_deq", **attrs))
            for c in cons.get(n.output[0], []):
                if c.op_type == "Add":  # the quantized bias: Reshape(Cast(Floor(Div(bias, scale)))) -> unrounded
                    other = [i for i in c.input if i != n.output[0]][0]
                    rs = prod[other]
                    cast = prod[rs.input[0]]
                    floor = prod[cast.input[0]]
                    assert (rs.op_type, cast.op_type, floor.op_type) == ("Reshape", "Cast", "Floor")
                    fb = other + "_float"
                    nodes.append(helper.make_node("Reshape", [floor.input[0], rs.input[1]], [fb], name=fb))
                    c.input[list(c.input).index(other)] = fb
            replaced[n.name] = nodes
        elif n.op_type == "DynamicQuantizeLSTM":
            X, W, R, B, sl, h0, c0, P, ws, wz, rs_, rz = (list(n.input) + [""] * 12)[:12]
            def deq(q, s, z):
                q, s, z = arr(q).astype(np.float32), arr(s).astype(np.float32), arr(z).astype(np.float32)
                bc = lambda v: v.reshape(v.shape[0], 1, -1) if v.ndim == 2 else v.reshape(-1, 1, 1)
                return ((q - bc(z)) * bc(s)).transpose(0, 2, 1)  # [D, in, 4H] -> ONNX LSTM's [D, 4H, in]
            wn, rn = W + "_deq", R + "_deq"
            new_inits += [numpy_helper.from_array(np.ascontiguousarray(deq(W, ws, wz)), wn),
                          numpy_helper.from_array(np.ascontiguousarray(deq(R, rs_, rz)), rn)]
            attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
            replaced[n.name] = [helper.make_node("LSTM", [X, wn, rn, B, sl, h0, c0, P][:8], list(n.output),
                                                 name=n.name + "_deq", **attrs)]
    for n in g.node:
        out_nodes += replaced.get(n.name, [n])
    del g.node[:]
    g.node.extend(out_nodes)
    g.initializer.extend(new_inits)
    del g.value_info[:]
    # drop initializers nobody uses any more (the int8 weights)
    used = {i for n in g.node for i in n.input}
    keep = [i for i in g.initializer if i.name in used]
    del g.initializer[:]
    g.initializer.extend(keep)
    onnx.save(m, DEQ)
    print(f"dequantized: {len(replaced)} nodes replaced, {os.path.getsize(DEQ) / 1e6:.0f} MB")


def check():
    inp = model_inputs(tokens(TEXTS[10]))
    asr, f0, n, dur = session(PART_A_DUR).run(None, inp)
    feed = {CUT_ASR: asr, CUT_F0: f0, CUT_N: n, "style": inp["style"], PHASE: np.zeros((1, 1, 9), np.float32)}
    ref = session(PART_B).run(None, feed)[0]
    names = stat_names()
    outs = session(PART_B_PROBE).run(["audio"] + names, feed)
    y = session(PART_B_STATIN).run(None, {**feed, **dict(zip(names, outs[1:]))})[0]
    print(f"durations {dur[0, :4]}..., probe max|diff| {np.abs(outs[0] - ref).max()}, statin max|diff| {np.abs(y - ref).max()}")
    full = session(MODEL).run(None, inp)[0]
    deq = session(DEQ).run(None, inp)[0]
    print(f"int8 full {full.shape} vs dequantized {deq.shape}: log-mel {mel_distance(full, deq)[0]:.2f} dB")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    build_stat_models()
    build_dequantized()
    check()
