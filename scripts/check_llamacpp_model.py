#!/usr/bin/env python3
"""Checks a real GGUF model against llama.cpp (llama-cpp-python) on long texts, as issue 17 asks for Gemma 3
270M (a base model whose sliding window is 512 tokens): windows of --context tokens (longer than the window),
each from an empty cache, teacher-forced on the same token ids.

  1. Tokenization: Bora's ids equal llama.cpp's on every line of the text and on a few extra strings
     (BOS as the model's metadata says).
  2. Perplexity: Bora (F32 KV cache) within --tolerance (1%) of llama.cpp with an F32 KV cache.
  3. Top-1 agreement: the share of positions where Bora's argmax equals llama.cpp's (path A: F32 KV cache,
     flash attention off), against llama.cpp's agreement with itself across two of its code paths (path A
     and path B: F16 KV cache, flash attention on). Bora passes when it is within one point of that.
  4. Greedy continuations: --greedy tokens after each of a few prompts, Bora (`generate --temperature 0`,
     F32 cache) against llama.cpp's argmax loop (path A), and llama.cpp's path B against path A; reported as
     matching prompts and the first position where each differs. Bora passes when it matches path A on at
     least as many prompts as path B does. (A quantized 270M model is so sensitive to rounding that
     llama.cpp's own F16 KV cache moves its logits by up to ~1; on the same model dequantized to F32
     (`bora quantize IN OUT --type F32`) both paths agree to ~0.01 and every continuation is expected to match.)

Prints one JSON object; exits 1 when a check fails, 2 when llama-cpp-python is missing.

Usage: scripts/check_llamacpp_model.py --bora .build/release/bora --model models/gemma-3-270m-q4_k_m.gguf \
           --text Tests/Fixtures/text/apache-2.0.txt [--context 1024] [--threads 2]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

PROMPTS = [
    "The capital of France is",
    "Once upon a time, in a small village by the sea,",
    "def fibonacci(n):\n",
    "The three primary colors are",
    "Licensed under the Apache License, Version 2.0",
]
EXTRA = ["Hello world", "  leading spaces and\ttabs\n\nnew lines", "naïve café, 東京, emoji 🙂", "<start_of_turn>user\nhi<end_of_turn>", "1234567890 3.14159"]


def llama(model: str, context: int, threads: int, path: str):
    import llama_cpp
    kw = {"type_k": 0, "type_v": 0, "flash_attn": False} if path == "A" else {"flash_attn": True}
    return llama_cpp.Llama(model_path=model, n_ctx=context, logits_all=True, verbose=False, n_threads=threads, **kw)


def teacher_forced(llm, tokens: list[int], context: int):
    nll, argmax = [], []
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
        argmax += list(s[:-1].argmax(axis=1))
    return np.array(nll), np.array(argmax)


def greedy(llm, prompt: list[int], n: int) -> list[int]:
    llm.reset()
    llm.eval(prompt)
    out = []
    for _ in range(n):
        t = int(np.argmax(llm.scores[llm.n_tokens - 1]))
        out.append(t)
        llm.eval([t])
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bora", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--text", required=True)
    ap.add_argument("--context", type=int, default=1024)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tolerance", type=float, default=0.01)
    ap.add_argument("--greedy", type=int, default=32)
    a = ap.parse_args()
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        print("llama-cpp-python is not installed", file=sys.stderr)
        return 2
    with open(a.text, encoding="utf-8") as f:
        text = f.read()
    run = lambda *args, inp=None: subprocess.run([a.bora, *args], check=True, capture_output=True, text=True, input=inp).stdout
    A = llama(a.model, a.context, a.threads, "A")

    # 1. Tokenization, line by line and whole.
    lines = [l for l in text.split("\n") if l.strip()] + EXTRA
    ours = [json.loads(l) for l in run("tokenize", "--model", a.model, "--jsonl",
                                        inp="".join(json.dumps(l) + "\n" for l in lines)).splitlines()]
    theirs = [A.tokenize(l.encode(), add_bos=True, special=True) for l in lines]
    token_mismatches = [l for l, x, y in zip(lines, ours, theirs) if x != y]
    tokens = json.loads(run("tokenize", "--model", a.model, "--text", text))
    whole_equal = tokens == A.tokenize(text.encode(), add_bos=True, special=True)

    # 2-3. Teacher-forced windows.
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(text)
        path = f.name
    try:
        bora = json.loads(run("perplexity", "--model", a.model, "--file", path, "--context", str(a.context),
                              "--threads", str(a.threads), "--cache-type", "f32", "--json"))
    finally:
        os.unlink(path)
    nll_a, top_a = teacher_forced(A, tokens, a.context)
    B = llama(a.model, a.context, a.threads, "B")
    nll_b, top_b = teacher_forced(B, tokens, a.context)
    # Bora's argmax covers every position of each window; llama.cpp's list stops before each window's last.
    ours_top = []
    for start in range(0, len(tokens) - 1, a.context):
        n = len(tokens[start:start + a.context])
        if n >= 2:
            ours_top += bora["argmax"][start:start + n - 1]
    ours_top = np.array(ours_top)
    ppl = lambda nll: float(np.exp(np.mean(nll)))
    rel = abs(bora["perplexity"] - ppl(nll_a)) / ppl(nll_a)
    agree_bora = float(np.mean(ours_top == top_a))
    agree_self = float(np.mean(top_b == top_a))

    # 4. Greedy continuations.
    def first_difference(x, y):
        return next((i for i, (u, v) in enumerate(zip(x, y)) if u != v), min(len(x), len(y)))

    matches, first_diff, self_matches, self_first_diff = 0, [], 0, []
    for p in PROMPTS:
        ids = json.loads(run("tokenize", "--model", a.model, "--text", p))
        ref = greedy(A, ids, a.greedy)
        other = greedy(B, ids, a.greedy)
        self_matches += other == ref
        self_first_diff.append(None if other == ref else first_difference(other, ref))
        out = json.loads(run("generate", "--model", a.model, "--prompt-tokens", ",".join(map(str, ids)), "--max-tokens",
                             str(a.greedy), "--temperature", "0", "--cache-type", "f32", "--threads", str(a.threads),
                             "--json"))["tokens"]
        # A stop at an end-of-generation token ends Bora's list early; llama.cpp's loop goes on past it.
        same = len(out) > 0 and out == ref[:len(out)]
        matches += same
        first_diff.append(None if same else first_difference(out, ref))
    ok_tok = not token_mismatches and whole_equal
    ok = ok_tok and rel <= a.tolerance and agree_bora >= agree_self - 0.01 and matches >= self_matches
    print(json.dumps({
        "model": os.path.basename(a.model), "tokens": len(tokens), "context": a.context,
        "tokenizer_lines": len(lines), "tokenizer_mismatches": token_mismatches[:5], "whole_text_tokens_equal": whole_equal,
        "bora_perplexity": bora["perplexity"], "llamacpp_perplexity_A": ppl(nll_a), "llamacpp_perplexity_B": ppl(nll_b),
        "relative_difference": rel, "llamacpp_A_vs_B_relative_difference": abs(ppl(nll_b) - ppl(nll_a)) / ppl(nll_a),
        "top1_agreement_bora_vs_A": agree_bora, "top1_agreement_B_vs_A": agree_self,
        "greedy_prompts_matching": f"{matches}/{len(PROMPTS)}", "greedy_first_difference": first_diff,
        "greedy_prompts_matching_B_vs_A": f"{self_matches}/{len(PROMPTS)}", "greedy_first_difference_B_vs_A": self_first_diff,
        "paths": {"A": "llama.cpp F32 KV cache, flash attention off", "B": "llama.cpp F16 KV cache, flash attention on"},
        "ok": ok}, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
