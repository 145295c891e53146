#!/usr/bin/env python3
"""Side-by-side speed and memory of Bora and llama.cpp (llama-cpp-python) on the same GGUF file.

For each thread count and repetition, runs in a fresh process each:
  * bora generate --json (prompt of ~P tokens, G greedy tokens)
  * llama.cpp via llama-cpp-python: the same prompt text, then G tokens one at a time (greedy),
    timed by llama.cpp's own counters (llama_perf_context)
and records prompt tokens/s, generation tokens/s and the process's peak RSS (wait4).
Prints a Markdown table of medians and Bora/llama.cpp ratios. Needs llama-cpp-python (see README).

    python3 scripts/bench_compare.py models/SmolLM2-135M-Instruct.Q4_1.gguf --threads 1,2 --reps 5
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

TEXT = "Tests/Fixtures/text/apache-2.0.txt"


def prompt_text(chars):
    with open(TEXT, encoding="utf-8") as f:
        return f.read()[:chars]


def run(cmd):
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate()
    # communicate() reaps the child; its rusage is read from the reaped-children total instead.
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{err.decode()}")
    return out.decode()


def measured(cmd):
    """Runs cmd under /usr/bin/time -v; returns (stdout, peak RSS in MB)."""
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr}")
    rss = next(int(l.split()[-1]) for l in p.stderr.splitlines() if "Maximum resident set size" in l)
    return p.stdout, rss / 1024


def llama_worker(model, prompt, gen, threads, ctx):
    from llama_cpp import Llama
    llm = Llama(model_path=model, n_ctx=ctx, n_batch=512, n_threads=threads, n_threads_batch=threads,
                verbose=False)
    add_bos = llm.metadata.get("tokenizer.ggml.add_bos_token", "true") == "true"
    toks = llm.tokenize(prompt.encode(), add_bos=add_bos, special=True)
    # llama_perf_context reads zeros in this binding, so the calls are timed here: only llm.eval
    # (llama_decode plus the binding's copy of one row of logits), not the argmax in Python.
    t0 = time.perf_counter()
    llm.eval(toks)
    pp_s = time.perf_counter() - t0
    tg_s = 0.0
    import numpy as np
    import llama_cpp
    n_vocab = llm.n_vocab()
    for _ in range(gen - 1):
        # The last token's logits straight from llama.cpp (llm.scores holds zeros without logits_all).
        tok = int(np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(n_vocab,)).argmax())
        t0 = time.perf_counter()
        llm.eval([tok])
        tg_s += time.perf_counter() - t0
    print(json.dumps({"n_prompt": len(toks), "pp": len(toks) / pp_s, "n_gen": gen - 1, "tg": (gen - 1) / tg_s}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--prompt-chars", type=int, default=640, help="licence text characters (~128 tokens)")
    ap.add_argument("--gen", type=int, default=128)
    ap.add_argument("--context", type=int, default=2048)
    ap.add_argument("--bora", default=".build/release/bora")
    ap.add_argument("--llama-worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--worker-threads", type=int, default=1, help=argparse.SUPPRESS)
    a = ap.parse_args()
    prompt = prompt_text(a.prompt_chars)
    if a.llama_worker:
        llama_worker(a.model, prompt, a.gen, a.worker_threads, a.context)
        return

    import llama_cpp
    rows = []
    for t in [int(x) for x in a.threads.split(",")]:
        res = {"bora": [], "llama": []}
        for _ in range(a.reps):
            out, rss = measured([a.bora, "generate", "--model", a.model, "--prompt", prompt, "--max-tokens", str(a.gen),
                                 "--temperature", "0", "--threads", str(t), "--context", str(a.context), "--json"])
            d = json.loads(out)
            res["bora"].append((len(d["prompt_tokens"]), d["timings"]["prompt_tokens_per_second"],
                                len(d["tokens"]), d["timings"]["tokens_per_second"], rss))
            out, rss = measured([sys.executable, __file__, a.model, "--llama-worker", "--worker-threads", str(t),
                                 "--prompt-chars", str(a.prompt_chars), "--gen", str(a.gen), "--context", str(a.context)])
            d = json.loads(out)
            res["llama"].append((d["n_prompt"], d["pp"], d["n_gen"], d["tg"], rss))
        med = {k: [statistics.median(x[i] for x in v) for i in range(5)] for k, v in res.items()}
        rng = {k: [(min(x[i] for x in v), max(x[i] for x in v)) for i in range(5)] for k, v in res.items()}
        rows.append((t, med, rng))

    print(f"model: {os.path.basename(a.model)}; machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"{platform.processor() or 'cpu'}; llama-cpp-python {llama_cpp.__version__}; {a.reps} runs each, "
          f"median [min-max]; context {a.context}\n")
    print("| threads | engine | pp t/s (prompt tokens) | tg t/s (tokens) | peak RSS MB |")
    print("|---|---|---|---|---|")
    for t, med, rng in rows:
        for k, name in (("bora", "Bora"), ("llama", "llama.cpp")):
            m, r = med[k], rng[k]
            print(f"| {t} | {name} | {m[1]:.0f} [{r[1][0]:.0f}-{r[1][1]:.0f}] ({m[0]:.0f}) | "
                  f"{m[3]:.1f} [{r[3][0]:.1f}-{r[3][1]:.1f}] ({m[2]:.0f}) | {m[4]:.0f} |")
        b, l = med["bora"], med["llama"]
        print(f"| {t} | **Bora / llama.cpp** | **{b[1] / l[1]:.2f}x** | **{b[3] / l[3]:.2f}x** | **{b[4] / l[4]:.2f}x** |")


if __name__ == "__main__":
    main()
