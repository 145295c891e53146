#!/usr/bin/env python3
"""Aggregate generation throughput of an OpenAI-compatible server with 1, 4 and 8 concurrent streams.

Starts `bora serve` (and, with --llamacpp, llama-cpp-python's server on the same GGUF file), sends N
concurrent /v1/completions requests per round, and reports the sum of usage.completion_tokens over the
round's wall time (median over --reps rounds). Only 127.0.0.1 is used.

    scripts/bench_server.py --model models/SmolLM2-135M-Instruct.Q4_1.gguf --streams 1,4,8 --llamacpp

llama-cpp-python's server needs: pip install fastapi uvicorn sse-starlette starlette-context pydantic-settings
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

PROMPTS = [
    "Once upon a time, in a small village by the sea,",
    "The history of the printing press begins",
    "Here is a recipe for a simple tomato soup:",
    "The three laws of motion state that",
    "In the year 2050, cities will",
    "A good night's sleep matters because",
    "The first day of school was",
    "To build a wooden table, you need",
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port, proc, timeout=300):
    start = time.time()
    while time.time() - start < timeout:
        if proc.poll() is not None:
            sys.exit(f"server exited with {proc.returncode}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2).read()
            return
        except Exception:
            time.sleep(0.5)
    sys.exit("server did not start")


def complete(port, model, prompt, max_tokens, out, i):
    body = json.dumps({"model": model, "prompt": prompt, "max_tokens": max_tokens, "temperature": float(os.environ.get("BENCH_TEMPERATURE", "0.8")),
                       "seed": i, "stream": False}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/completions", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        out[i] = json.loads(r.read())["usage"]["completion_tokens"]


def round_throughput(port, model, streams, max_tokens):
    out = [0] * streams
    threads = [threading.Thread(target=complete, args=(port, model, PROMPTS[i % len(PROMPTS)], max_tokens, out, i))
               for i in range(streams)]
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(out) / (time.time() - t0), sum(out)


def measure(name, cmd, port, model, streams_list, max_tokens, reps, env=None):
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        wait_ready(port, proc)
        round_throughput(port, model, 1, 8)  # warm-up
        rows = []
        for streams in streams_list:
            results = [round_throughput(port, model, streams, max_tokens) for _ in range(reps)]
            rates = [r for r, _ in results]
            rows.append({"engine": name, "streams": streams, "median_tps": statistics.median(rates),
                         "min_tps": min(rates), "max_tps": max(rates), "tokens": results[-1][1]})
            print(f"{name:10s} streams={streams:2d}  aggregate {statistics.median(rates):7.1f} t/s "
                  f"[{min(rates):.1f}-{max(rates):.1f}]", flush=True)
        return rows
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="models/SmolLM2-135M-Instruct.Q4_1.gguf")
    ap.add_argument("--bora", default=".build/release/bora")
    ap.add_argument("--streams", default="1,4,8")
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--llamacpp", action="store_true", help="also measure llama-cpp-python's server")
    ap.add_argument("--json", help="write the rows to this file")
    a = ap.parse_args()
    streams = [int(s) for s in a.streams.split(",")]
    rows = []
    port = free_port()
    rows += measure("bora", [a.bora, "serve", "--model", a.model, "--port", str(port), "--parallel", str(max(streams)),
                             "--threads", str(a.threads), "--context", "512", "--log-level", "error"],
                    port, None, streams, a.max_tokens, a.reps)
    if a.llamacpp:
        port = free_port()
        rows += measure("llama.cpp", [sys.executable, "-m", "llama_cpp.server", "--model", a.model, "--port", str(port),
                                      "--host", "127.0.0.1", "--n_threads", str(a.threads), "--n_ctx", "2048"],
                        port, None, streams, a.max_tokens, a.reps)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
