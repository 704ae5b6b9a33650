"""Cut kokoro-v1.0.int8.onnx at the decoder's inputs into part A and part B, and check A∘B == full.

part A: tokens [1,n+2] int64, style [1,256], speed [1]  ->  asr [1,512,T], F0 [1,2T], N [1,2T]
part B: asr, F0, N, style [1,256], sine_phase_offset [1,1,9]  ->  audio [600*T]

The int8 nodes (DynamicQuantizeLinear / MatMulInteger / ConvInteger) are kept as they are:
`/encoder/MatMul_1_output_0_QuantizeLinear` (the asr tensor's dynamic quantization) has only
decoder consumers, so it lands in part B.

`sine_phase_offset` is the one node added: the harmonic source (SineGen) integrates
frac(k*F0/24000) with a CumSum over the F0 frames it is given, so a window that starts at
frame s would restart every harmonic's phase at 0. Part B adds the offset (in CumSum units,
i.e. cycles/300, per harmonic k=1..9) to the CumSum output; zeros give the original graph.
Writes to $DECWIN_DIR (default ~/.cache/kokorod/decwin/), never into the repo.
"""
import os
import sys

import numpy as np
import onnx
from onnx import helper, TensorProto

sys.path.insert(0, os.path.dirname(__file__))
from common import (CUT_ASR, CUT_F0, CUT_GEN, CUT_N, MODEL, OUT, PART_A, PART_B, PART_B1, PART_B2, PHASE, model_inputs,
                    session, tokens, TEXTS)

CUMSUM = "/decoder/decoder/generator/m_source/l_sin_gen/CumSum_output_0"


def add_phase_input(path):
    m = onnx.load(path)
    g = m.graph
    shifted = CUMSUM + "_plus_phase_offset"
    for n in g.node:
        for i, name in enumerate(n.input):
            if name == CUMSUM:
                n.input[i] = shifted
    idx = next(i for i, n in enumerate(g.node) if CUMSUM in n.output)
    g.node.insert(idx + 1, helper.make_node("Add", [CUMSUM, PHASE], [shifted], name="decwin/phase_offset_add"))
    g.input.append(helper.make_tensor_value_info(PHASE, TensorProto.FLOAT, [1, 1, 9]))
    onnx.save(m, path)


def fix_input_shapes(path, shapes):
    """extract_model leaves the cut tensors' shapes as shape inference found them (often unknown)."""
    m = onnx.load(path)
    for i in m.graph.input:
        if i.name in shapes:
            i.type.CopyFrom(helper.make_tensor_type_proto(TensorProto.FLOAT, shapes[i.name]))
    for o in m.graph.output:
        if o.name in shapes:
            o.type.CopyFrom(helper.make_tensor_type_proto(TensorProto.FLOAT, shapes[o.name]))
    onnx.save(m, path)


def main():
    os.makedirs(OUT, exist_ok=True)
    shapes = {CUT_ASR: [1, 512, "T"], CUT_F0: [1, "T2"], CUT_N: [1, "T2"]}
    onnx.utils.extract_model(MODEL, PART_A, ["tokens", "style", "speed"], [CUT_ASR, CUT_F0, CUT_N], check_model=False)
    fix_input_shapes(PART_A, shapes)
    onnx.utils.extract_model(MODEL, PART_B, [CUT_ASR, CUT_F0, CUT_N, "style"], ["audio"], check_model=False)
    fix_input_shapes(PART_B, shapes)
    add_phase_input(PART_B)
    # Second, optional cut inside part B at the generator's input (see window_gen.py).
    onnx.utils.extract_model(PART_B, PART_B1, [CUT_ASR, CUT_F0, CUT_N, "style"], [CUT_GEN], check_model=False)
    onnx.utils.extract_model(PART_B, PART_B2, [CUT_GEN, CUT_F0, "style", PHASE], ["audio"], check_model=False)
    fix_input_shapes(PART_B1, {CUT_GEN: [1, 512, "T2"], **shapes})
    fix_input_shapes(PART_B2, {CUT_GEN: [1, 512, "T2"], **shapes})
    full, a, b = onnx.load(MODEL), onnx.load(PART_A), onnx.load(PART_B)
    print(f"nodes: full={len(full.graph.node)} A={len(a.graph.node)} B={len(b.graph.node)} "
          f"(A+B-1 added = {len(a.graph.node) + len(b.graph.node) - 1}; the style Split is in both)")
    ops = lambda m: {t: sum(n.op_type == t for n in m.graph.node) for t in ("DynamicQuantizeLinear", "MatMulInteger", "ConvInteger", "DynamicQuantizeLSTM")}
    print("int8 ops full", ops(full), "\n         A  ", ops(a), "\n         B  ", ops(b))
    sz = lambda p: os.path.getsize(p) / 1e6
    print(f"sizes MB: full={sz(MODEL):.1f} A={sz(PART_A):.1f} B={sz(PART_B):.1f}")
    for p in (PART_A, PART_B):
        m = onnx.load(p)
        print(os.path.basename(p), "inputs", [(i.name, [d.dim_value or d.dim_param for d in i.type.tensor_type.shape.dim]) for i in m.graph.input],
              "outputs", [o.name for o in m.graph.output])

    sf, sa, sb = session(MODEL), session(PART_A), session(PART_B)
    sb1, sb2 = session(PART_B1), session(PART_B2)
    for words, text in TEXTS.items():
        inp = model_inputs(tokens(text))
        ref = sf.run(None, inp)[0]
        asr, f0, n = sa.run(None, inp)
        out = sb.run(None, {CUT_ASR: asr, CUT_F0: f0, CUT_N: n, "style": inp["style"],
                            PHASE: np.zeros((1, 1, 9), np.float32)})[0]
        x = sb1.run(None, {CUT_ASR: asr, CUT_F0: f0, CUT_N: n, "style": inp["style"]})[0]
        out2 = sb2.run(None, {CUT_GEN: x, CUT_F0: f0, "style": inp["style"], PHASE: np.zeros((1, 1, 9), np.float32)})[0]
        print(f"    A∘B1∘B2 max|diff|={np.abs(ref - out2).max()}, generator input {x.shape}")
        print(f"{words:>2} words: tokens={inp['tokens'].shape[1] - 2} T={asr.shape[2]} F0={f0.shape} audio={ref.shape} "
              f"(600*T={600 * asr.shape[2]}) A∘B max|diff|={np.abs(ref - out).max() if ref.shape == out.shape else 'SHAPE MISMATCH'}")


if __name__ == "__main__":
    main()
