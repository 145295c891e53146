#!/usr/bin/env python3
"""Prints the docs/quantization.md table: for each type, file size and perplexity of Bora's quantized
SmolLM2 measured with `bora perplexity`, next to llama.cpp's file for the same type measured with llama.cpp
(llama-cpp-python, same token ids, same windows). Expects the files that
scripts/check_quantize_vs_llamacpp.py leaves in --workdir (f32.gguf, bora-TYPE.gguf, llamacpp-TYPE.gguf).

Usage: scripts/quantization_table.py --bora .build/release/bora --workdir /tmp/quantize-check \
           [--text Tests/Fixtures/text/apache-2.0.txt] [--context 512]
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_llamacpp_perplexity import llamacpp_nll  # noqa: E402

TYPES = ["F32", "Q8_0", "Q6_K", "Q5_K_M", "Q5_1", "Q5_0", "Q4_K_M", "Q4_1", "Q4_0"]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bora", default=".build/release/bora")
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--text", default="Tests/Fixtures/text/apache-2.0.txt")
    ap.add_argument("--context", type=int, default=512)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--types", nargs="*", default=TYPES)
    a = ap.parse_args()
    mib = lambda p: os.path.getsize(p) / 1048576
    print("| type | Bora file (MiB) | Bora perplexity (`bora perplexity`) | llama.cpp file (MiB) | llama.cpp perplexity (llama.cpp) |")
    print("|---|---:|---:|---:|---:|")
    for t in a.types:
        bp = os.path.join(a.workdir, "f32.gguf" if t == "F32" else f"bora-{t}.gguf")
        lp = os.path.join(a.workdir, "f32.gguf" if t == "F32" else f"llamacpp-{t}.gguf")
        out = subprocess.run([a.bora, "perplexity", "--model", bp, "--file", a.text, "--context", str(a.context),
                              "--threads", str(a.threads), "--json"], check=True, capture_output=True, text=True).stdout
        bora = json.loads(out)["perplexity"]
        with open(a.text, encoding="utf-8") as f:
            text = f.read()
        tokens = json.loads(subprocess.run([a.bora, "tokenize", "--model", lp, "--text", text],
                                           check=True, capture_output=True, text=True).stdout)
        ll = float(np.exp(np.mean(llamacpp_nll(lp, tokens, a.context, a.threads, f32_cache=False))))
        print(f"| {t} | {mib(bp):.1f} | {bora:.4f} | {mib(lp):.1f} | {ll:.4f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
