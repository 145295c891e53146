#!/usr/bin/env python3
"""Writes the golden fixtures of Tests/Fixtures/quant/ (run once, results are checked in).

For every GGML type the Swift kernels support, writes
  <TYPE>.bin  raw GGUF block bytes
  <TYPE>.f32  the float32 values (little endian) that gguf-py's `gguf.quants.dequantize` gives for them
and for the activation formats
  act_input.f32  float32 inputs
  act_Q8_0.bin   gguf-py's Q8_0 quantization of them (bit-exact port of ggml's quantize_row_q8_0_ref)
  act_Q8_1.bin   Q8_1 bytes: d and qs as Q8_0 (ggml's quantize_row_q8_1_ref uses the same rule),
                 s = fp16(d * sum(qs)) with d the float32 scale before fp16 rounding
plus index.json describing them. Types gguf-py cannot quantize (the K-quants) get random raw blocks
with finite fp16 scales, and gguf-py's dequantization of those bytes is the expectation.

Usage: python3 scripts/make_quant_goldens.py   (needs numpy and the `gguf` package, tested with 0.19)
"""
import json
import os

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T
from gguf.quants import quantize, dequantize

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "quant")
ROW = 256          # elements per test row (multiple of every block size)
rng = np.random.default_rng(20240611)


def test_rows() -> np.ndarray:
    """Rows chosen to hit the corner cases of the block quantizers."""
    rows = [
        rng.normal(0, 1, ROW),                                  # plain gaussian
        rng.uniform(-1, 1, ROW),                                # uniform
        np.where(rng.random(ROW) < 0.03, 60.0, 1.0) * rng.normal(0, 0.5, ROW),  # outliers
        np.zeros(ROW),                                          # all zero
        -np.abs(rng.normal(0, 2, ROW)),                         # negative only
        np.abs(rng.normal(0, 2, ROW)) + 3.0,                    # positive only, offset
        rng.normal(0, 1e-5, ROW),                               # tiny (fp16 subnormal scales)
        np.full(ROW, 0.75),                                     # constant
    ]
    r = np.stack(rows).astype(np.float32)
    r[1, 40:72] = 0.0                                           # a zero block inside a row
    return r


def random_k_blocks(qtype: T, n: int) -> np.ndarray:
    """Random raw blocks whose fp16 fields hold finite scales."""
    block_bytes = gguf.GGML_QUANT_SIZES[qtype][1]
    b = rng.integers(0, 256, size=(n, block_bytes), dtype=np.uint8)

    def half(k: int, lo: float, hi: float, signed: bool) -> np.ndarray:
        v = rng.uniform(lo, hi, k)
        if signed:
            v *= rng.choice([-1.0, 1.0], k)
        return v.astype(np.float16).view(np.uint8).reshape(k, 2)

    # offsets of the fp16 fields (ggml-common.h layouts)
    fields = {
        T.Q2_K: [(80, True), (82, True)],        # scales[16] qs[64] d dmin
        T.Q3_K: [(108, True)],                   # hmask[32] qs[64] scales[12] d
        T.Q4_K: [(0, True), (2, True)],          # d dmin scales[12] qs[128]
        T.Q5_K: [(0, True), (2, True)],          # d dmin scales[12] qh[32] qs[128]
        T.Q6_K: [(208, True)],                   # ql[128] qh[64] scales[16] d
    }[qtype]
    for off, signed in fields:
        b[:, off:off + 2] = half(n, 1e-4, 0.05, signed)
    for off, _ in fields:                        # one block with zero scales
        b[0, off:off + 2] = 0
    return b


def write(name: str, arr: np.ndarray) -> None:
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(np.ascontiguousarray(arr).tobytes())


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    data = test_rows()
    index = {"generator": "scripts/make_quant_goldens.py", "gguf": getattr(gguf, "__version__", "0.19"),
             "types": [], "activations": {}}

    quantizable = [T.F32, T.F16, T.BF16, T.Q8_0, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1]
    for qt in quantizable:
        raw = quantize(data, qt).view(np.uint8).reshape(-1)
        expected = dequantize(raw, qt).astype(np.float32).reshape(-1)
        write(f"{qt.name}.bin", raw)
        write(f"{qt.name}.f32", expected)
        index["types"].append({"type": qt.name, "id": int(qt), "elements": int(expected.size),
                               "source": "gguf.quants.quantize of seeded rows"})

    for qt in [T.Q2_K, T.Q3_K, T.Q4_K, T.Q5_K, T.Q6_K]:
        raw = random_k_blocks(qt, 12).reshape(-1)
        expected = dequantize(raw, qt).astype(np.float32).reshape(-1)
        assert np.all(np.isfinite(expected))
        write(f"{qt.name}.bin", raw)
        write(f"{qt.name}.f32", expected)
        index["types"].append({"type": qt.name, "id": int(qt), "elements": int(expected.size),
                               "source": "random raw blocks, gguf.quants.dequantize"})

    # Activations: 1536 floats (48 blocks of 32) incl. a zero block and outliers.
    x = np.concatenate([test_rows()[[0, 2, 4]].reshape(-1), rng.normal(0, 3, 768)]).astype(np.float32)
    x[256 + 96:256 + 128] = 0.0
    q8_0 = quantize(x, T.Q8_0).view(np.uint8).reshape(-1, 34)
    blocks = x.reshape(-1, 32)
    d32 = (np.abs(blocks).max(axis=1) / np.float32(127)).astype(np.float32)
    sums = q8_0[:, 2:].view(np.int8).astype(np.int32).sum(axis=1)
    s = (sums.astype(np.float32) * d32).astype(np.float16).view(np.uint8).reshape(-1, 2)
    q8_1 = np.concatenate([q8_0[:, :2], s, q8_0[:, 2:]], axis=1)
    write("act_input.f32", x)
    write("act_Q8_0.bin", q8_0.reshape(-1))
    write("act_Q8_1.bin", q8_1.reshape(-1))
    index["activations"] = {"input": "act_input.f32", "elements": int(x.size),
                            "Q8_0": "act_Q8_0.bin", "Q8_1": "act_Q8_1.bin"}

    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
