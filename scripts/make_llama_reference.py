#!/usr/bin/env python3
"""Reference log-likelihoods from llama.cpp (llama-cpp-python) for Bora's correctness test.

Tokenizes a text with the model's own tokenizer (BOS as the model asks), splits it into
non-overlapping windows of N tokens, evaluates each window from an empty cache with logits for every
position, and records for each scored position (every position but the first of each window) the
negative log-likelihood of the actual next token, llama.cpp's argmax, and its top-1/top-2 logit margin.

Run by hand (needs llama-cpp-python, see README); commit the small JSON it writes:
    python3 scripts/make_llama_reference.py MODEL.gguf Tests/Fixtures/text/apache-2.0.txt \
        Tests/Fixtures/reference/smollm2-apache-2.0.json --context 512
"""
import argparse
import json
import math

import numpy as np
from llama_cpp import Llama, __version__


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("text")
    ap.add_argument("out")
    ap.add_argument("--context", type=int, default=512)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()

    llm = Llama(model_path=a.model, n_ctx=a.context, n_batch=a.context, logits_all=True,
                n_threads=a.threads, verbose=False)
    text = open(a.text, encoding="utf-8").read()
    add_bos = llm.metadata.get("tokenizer.ggml.add_bos_token", "true") == "true"
    tokens = llm.tokenize(text.encode("utf-8"), add_bos=add_bos, special=True)
    n = a.context
    windows = [tokens[i:i + n] for i in range(0, len(tokens) - 1, n)]
    windows = [w for w in windows if len(w) >= 2]

    nll, argmax, margin = [], [], []
    for w in windows:
        llm.reset()
        llm.eval(w)
        logits = np.asarray(llm.scores[:len(w)], dtype=np.float64)
        for p in range(len(w) - 1):
            row = logits[p]
            m = row.max()
            lse = m + math.log(np.exp(row - m).sum())
            nll.append(float(lse - row[w[p + 1]]))
            top2 = np.partition(row, -2)[-2:]
            argmax.append(int(row.argmax()))
            margin.append(float(abs(top2[1] - top2[0])))
    ppl = math.exp(sum(nll) / len(nll))
    out = {
        "source": "llama-cpp-python " + __version__,
        "model": a.model.split("/")[-1],
        "text": a.text.split("/")[-1],
        "context": n,
        "add_bos": add_bos,
        "tokens": tokens[:sum(len(w) for w in windows)],
        "perplexity": ppl,
        "nll": [round(x, 6) for x in nll],
        "argmax": argmax,
        "margin": [round(x, 4) for x in margin],
    }
    with open(a.out, "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print(f"{len(out['tokens'])} tokens in {len(windows)} windows, perplexity {ppl:.4f}")


if __name__ == "__main__":
    main()
