#!/usr/bin/env python3
"""Compares `bora quantize` with llama.cpp's `llama_model_quantize` (llama-cpp-python) on the same f32 input:
for every target type, the type of every tensor and the bytes of its data must be identical.

The f32 input is SmolLM2's best available precision: its Q4_1 file dequantized to F32 (by llama.cpp,
`LLAMA_FTYPE_ALL_F32` with requantization allowed; both engines then read that one file). With --recipe-golden PATH it also writes llama.cpp's
per-tensor type choices (names, shapes, types per target) for the Swift recipe test.

Usage: scripts/check_quantize_vs_llamacpp.py --bora .build/release/bora \
           --source models/SmolLM2-135M-Instruct.Q4_1.gguf --workdir /tmp/quantize-check \
           [--types Q8_0 Q4_0 ...] [--threads 2] [--recipe-golden Tests/Fixtures/quant/smollm2_recipe.json]
"""
import argparse
import ctypes
import json
import os
import subprocess
import sys

import gguf
import llama_cpp

TYPES = ["Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K_M", "Q5_K_M", "Q6_K"]


def llama_quantize(src: str, dst: str, type_name: str, threads: int) -> None:
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = llama_cpp.LLAMA_FTYPE_ALL_F32 if type_name == "F32" else getattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{type_name}")
    params.allow_requantize = type_name == "F32"
    params.nthread = threads
    rc = llama_cpp.llama_model_quantize(src.encode(), dst.encode(), ctypes.byref(params))
    if rc != 0:
        raise RuntimeError(f"llama_model_quantize failed for {type_name}")


def tensors(path: str) -> dict:
    r = gguf.GGUFReader(path)
    return {t.name: (t.tensor_type.name, [int(x) for x in t.shape], bytes(t.data.tobytes())) for t in r.tensors}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bora", default=".build/release/bora")
    ap.add_argument("--source", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--types", nargs="*", default=TYPES)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--recipe-golden")
    ap.add_argument("--llamacpp-only", action="store_true", help="only write llama.cpp's files and the golden")
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    f32 = os.path.join(a.workdir, "f32.gguf")
    if not os.path.exists(f32):
        llama_quantize(a.source, f32, "F32", a.threads)
    golden = {"source": os.path.basename(a.source) + " dequantized to F32", "types": {}}
    failures = 0
    for t in a.types:
        lp = os.path.join(a.workdir, f"llamacpp-{t}.gguf")
        bp = os.path.join(a.workdir, f"bora-{t}.gguf")
        if not os.path.exists(lp):
            llama_quantize(f32, lp, t, a.threads)
        lt = tensors(lp)
        if not a.llamacpp_only:
            subprocess.run([a.bora, "quantize", f32, bp, "--type", t, "--force", "--threads", str(a.threads)], check=True)
        bt = lt if a.llamacpp_only else tensors(bp)
        type_diff = [n for n in lt if n not in bt or lt[n][0] != bt[n][0]]
        byte_diff = [n for n in lt if n in bt and lt[n][0] == bt[n][0] and lt[n][2] != bt[n][2]]
        print(json.dumps({"type": t, "tensors": len(lt), "type_mismatches": type_diff[:5], "n_type_mismatches": len(type_diff),
                          "byte_mismatches": byte_diff[:5], "n_byte_mismatches": len(byte_diff),
                          "llamacpp_bytes": os.path.getsize(lp), "bora_bytes": os.path.getsize(bp) if os.path.exists(bp) else None}))
        failures += len(type_diff) + len(byte_diff)
        if "names" not in golden:
            src = tensors(f32)
            golden["names"] = list(src.keys())
            golden["shapes"] = [src[n][1] for n in golden["names"]]
            reader = gguf.GGUFReader(f32)
            arch = bytes(reader.fields["general.architecture"].parts[-1]).decode()
            golden["block_count"] = int(reader.fields[arch + ".block_count"].parts[-1][0])
        golden["types"][t] = [lt[n][0] for n in golden["names"]]
    if a.recipe_golden:
        with open(a.recipe_golden, "w") as f:
            json.dump(golden, f, separators=(",", ":"))
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
