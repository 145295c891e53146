#!/usr/bin/env python3
"""Writes the quantizer goldens of Tests/Fixtures/quant/quantize/ (run once, results are checked in).

  input.f32     ROWS x COLS float32 rows (little endian) that hit the quantizers' corner cases
  <TYPE>.bin    ggml's reference quantization of them: `ggml_quantize_chunk` (no importance matrix) from the
                libggml-base of llama-cpp-python, i.e. the bytes `llama_model_quantize` writes. For the
                32-element types the script also checks that gguf-py's `gguf.quants.quantize` gives the
                same bytes.
  index.json    what was generated, with which versions

Usage: python3 scripts/make_quantize_goldens.py   (needs numpy, gguf 0.19 and llama-cpp-python)
"""
import ctypes
import json
import os

import numpy as np
import gguf
import llama_cpp
from gguf import GGMLQuantizationType as T

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "quant", "quantize")
COLS = 512
TYPES = [T.F16, T.BF16, T.Q8_0, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q4_K, T.Q5_K, T.Q6_K]
rng = np.random.default_rng(20261129)


def rows() -> np.ndarray:
    r = [
        rng.normal(0, 1, COLS),
        rng.uniform(-1, 1, COLS),
        np.where(rng.random(COLS) < 0.03, 60.0, 1.0) * rng.normal(0, 0.5, COLS),  # outliers
        np.zeros(COLS),
        -np.abs(rng.normal(0, 2, COLS)),
        np.abs(rng.normal(0, 2, COLS)) + 3.0,
        rng.normal(0, 1e-5, COLS),                      # fp16-subnormal scales
        np.full(COLS, 0.75),
        rng.normal(0, 0.02, COLS),                      # typical LLM weight scale
        rng.standard_t(3, COLS) * 0.05,                 # heavy tails
        np.round(rng.normal(0, 3, COLS)),               # exact small integers (rounding ties)
        rng.normal(0, 1e4, COLS),                       # large values
    ]
    x = np.stack(r).astype(np.float32)
    x[1, 40:72] = 0.0                                   # a zero block inside a row
    x[8, 256:272] = 0.0                                 # a zero 16-group inside a K super-block
    x[9, 100] = np.float32(1e-30)                       # a denormal-ish lone value
    return x


def ggml_quantize(x: np.ndarray, qtype: T) -> np.ndarray:
    lib = ctypes.CDLL(os.path.join(os.path.dirname(llama_cpp.__file__), "lib", "libggml-base.so"))
    f = lib.ggml_quantize_chunk
    f.restype = ctypes.c_size_t
    f.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64,
                  ctypes.c_int64, ctypes.c_void_p]
    block, size = gguf.GGML_QUANT_SIZES[qtype]
    out = np.zeros(x.shape[0] * x.shape[1] // block * size, np.uint8)
    x = np.ascontiguousarray(x, np.float32)
    n = f(int(qtype), x.ctypes.data, out.ctypes.data, 0, x.shape[0], x.shape[1], None)
    assert n == out.size, (qtype, n, out.size)
    return out


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    x = rows()
    x.tofile(os.path.join(OUT, "input.f32"))
    index = {"generator": "scripts/make_quantize_goldens.py", "gguf": "0.19",
             "llama_cpp_python": llama_cpp.__version__, "rows": x.shape[0], "cols": COLS, "types": []}
    for t in TYPES:
        q = ggml_quantize(x, t)
        checked = False
        if t in (T.Q8_0, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.F16, T.BF16):
            ref = np.asarray(gguf.quants.quantize(x, t)).view(np.uint8).reshape(-1)
            assert (ref == q).all(), f"gguf-py and ggml disagree on {t.name}"
            checked = True
        q.tofile(os.path.join(OUT, f"{t.name}.bin"))
        index["types"].append({"type": t.name, "id": int(t), "bytes": int(q.size), "gguf_py_agrees": checked})
    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
    print(f"wrote {len(TYPES)} goldens to {OUT}")


if __name__ == "__main__":
    main()
