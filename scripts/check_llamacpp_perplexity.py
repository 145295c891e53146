#!/usr/bin/env python3
"""Checks that llama.cpp (llama-cpp-python) loads a GGUF file and gives the same next-token distribution
as Bora: perplexity of a text, both engines on the same token ids (Bora's tokenization), in
non-overlapping windows of --context tokens each from an empty cache (as `bora perplexity` does).

Prints one JSON object {tokens, bora, llamacpp, relative_difference}; exits 1 when the perplexities differ
by more than --tolerance (relative), 2 when llama-cpp-python is missing.

Usage: scripts/check_llamacpp_perplexity.py --bora .build/release/bora --model FILE.gguf \
           --text Tests/Fixtures/text/apache-2.0.txt [--context 128] [--max-chars 1500] [--tolerance 0.01]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np


def llamacpp_nll(model: str, tokens: list[int], context: int, threads: int) -> list[float]:
    import llama_cpp
    llm = llama_cpp.Llama(model_path=model, n_ctx=context, logits_all=True, verbose=False, n_threads=threads)
    nll: list[float] = []
    for start in range(0, len(tokens) - 1, context):
        window = tokens[start:start + context]
        if len(window) < 2:
            break
        llm.reset()
        llm.eval(window)
        s = np.array(llm.scores[:len(window)], dtype=np.float64)
        m = s.max(axis=1, keepdims=True)
        lse = m[:, 0] + np.log(np.exp(s - m).sum(axis=1))
        nll += list(lse[:-1] - s[np.arange(len(window) - 1), window[1:]])
    return nll


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bora", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--text", required=True)
    ap.add_argument("--context", type=int, default=128)
    ap.add_argument("--max-chars", type=int, default=1500)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tolerance", type=float, default=0.01)
    a = ap.parse_args()
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        print("llama-cpp-python is not installed", file=sys.stderr)
        return 2
    with open(a.text, encoding="utf-8") as f:
        text = f.read()[:a.max_chars]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(text)
        path = f.name
    try:
        run = lambda *args: subprocess.run([a.bora, *args], check=True, capture_output=True, text=True).stdout
        tokens = json.loads(run("tokenize", "--model", a.model, "--text", text))
        bora = json.loads(run("perplexity", "--model", a.model, "--file", path, "--context", str(a.context),
                              "--threads", str(a.threads), "--json"))
    finally:
        os.unlink(path)
    assert bora["tokens"] == len(tokens), (bora["tokens"], len(tokens))
    nll = llamacpp_nll(a.model, tokens, a.context, a.threads)
    ppl = float(np.exp(np.mean(nll)))
    rel = abs(ppl - bora["perplexity"]) / bora["perplexity"]
    print(json.dumps({"tokens": len(tokens), "bora": bora["perplexity"], "llamacpp": ppl, "relative_difference": rel}))
    return 0 if rel <= a.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
