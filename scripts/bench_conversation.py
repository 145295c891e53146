#!/usr/bin/env python3
"""Time to first token through a growing conversation, as a chat user sends it: every turn resends the
whole history (about 150 new tokens a turn: a ~600-character user message from the Apache-2.0 text plus the
previous answer), streaming, temperature 0, one slot.

For each server (`bora serve --parallel 1`, and with --llamacpp llama-cpp-python's server on the same GGUF
file, which reuses its last prompt's prefix): TTFT of turns 1-8 (median over --reps conversations, each on a
fresh server after one warm-up request); turn 8's request on a freshly started server (cold); and two
conversations interleaved on the one slot (A1 B1 A2 B2 ...), turn 4 of each against the same request cold.
Only 127.0.0.1 is used. TTFT is the time to the first chunk whose delta carries content.

    scripts/bench_conversation.py [--model models/SmolLM2-135M-Instruct.Q4_1.gguf] [--reps 3] [--llamacpp]

llama-cpp-python's server needs: pip install fastapi uvicorn sse-starlette starlette-context pydantic-settings
"""
import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TEXT = open(os.path.join(HERE, "..", "Tests", "Fixtures", "text", "apache-2.0.txt")).read()
PIECES = [" ".join(TEXT[i:i + 600].split()) for i in range(0, len(TEXT) - 600, 600)]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd, port):
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        if proc.poll() is not None:
            sys.exit(f"server exited with {proc.returncode}: {' '.join(cmd)}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=1).read()
            return proc
        except Exception:
            time.sleep(0.2)
    proc.kill()
    sys.exit("the server did not start")


def chat(port, messages, max_tokens=24):
    """(seconds to the first content delta, the answer's text)."""
    body = json.dumps({"messages": messages, "temperature": 0, "max_tokens": max_tokens, "stream": True}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/chat/completions", data=body,
                                 headers={"Content-Type": "application/json"})
    t0 = time.perf_counter()
    first, text = None, ""
    with urllib.request.urlopen(req, timeout=600) as r:
        for line in r:
            line = line.decode().strip()
            if not line.startswith("data: {"):
                continue
            delta = (json.loads(line[6:]).get("choices") or [{}])[0].get("delta", {})
            piece = delta.get("content") or ""
            if piece and first is None:
                first = time.perf_counter() - t0
            text += piece
    return (first if first is not None else time.perf_counter() - t0), text


def conversation(offset):
    """The user messages of one conversation (8 turns)."""
    return [f"Read this and answer in one sentence: what does it say? {PIECES[(offset + i) % len(PIECES)]}" for i in range(8)]


def run_conversation(port, users, turns, history=None):
    history = history if history is not None else []
    times = []
    for u in users[:turns]:
        history.append({"role": "user", "content": u})
        t, answer = chat(port, history)
        history.append({"role": "assistant", "content": answer})
        times.append(t)
    return times, history


@contextlib.contextmanager
def server(cmd_for_port):
    """A freshly started server, after one warm-up request: yields its port."""
    port = free_port()
    proc = start(cmd_for_port(port), port)
    try:
        chat(port, [{"role": "user", "content": "Hello!"}], 4)
        yield port
    finally:
        proc.kill()
        proc.wait()


def measure(name, cmd_for_port, reps):
    per_turn, cold8, inter, inter_cold = [], [], [], []
    for rep in range(reps):
        with server(cmd_for_port) as port:
            times, history = run_conversation(port, conversation(rep), 8)
            per_turn.append(times)
        with server(cmd_for_port) as port:  # turn 8's request on a fresh server
            cold8.append(chat(port, history[:-1])[0])
        # Two conversations interleaved on one slot; turn 4 of each, then the same requests cold.
        with server(cmd_for_port) as port:
            a, b = [], []
            ua, ub = conversation(rep + 3), conversation(rep + 7)
            ta = tb = 0.0
            for turn in range(4):
                ta = run_conversation(port, [ua[turn]], 1, a)[0][0]
                tb = run_conversation(port, [ub[turn]], 1, b)[0][0]
            inter.append((ta, tb))
        with server(cmd_for_port) as port:
            inter_cold.append((chat(port, a[:-1])[0], chat(port, b[:-1])[0]))
    turns = [statistics.median(t[i] for t in per_turn) for i in range(8)]
    row = {"server": name, "ttft_ms": [round(t * 1000, 1) for t in turns],
           "turn8_over_turn1": turns[7] / turns[0],
           "turn8_over_cold": statistics.median(t[7] for t in per_turn) / statistics.median(cold8),
           "cold8_ms": round(statistics.median(cold8) * 1000, 1),
           "interleaved_turn4_over_cold": statistics.median(
               (x[0] / y[0] + x[1] / y[1]) / 2 for x, y in zip(inter, inter_cold))}
    print(json.dumps(row), flush=True)
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="models/SmolLM2-135M-Instruct.Q4_1.gguf")
    ap.add_argument("--bora", default=".build/release/bora")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--llamacpp", action="store_true", help="also measure llama-cpp-python's server")
    a = ap.parse_args()
    rows = [measure("bora", lambda port: [a.bora, "serve", "--model", a.model, "--port", str(port), "--parallel", "1",
                                          "--threads", str(a.threads), "--context", "4096", "--log-level", "error"], a.reps)]
    if a.llamacpp:
        rows.append(measure("llama.cpp", lambda port: [sys.executable, "-m", "llama_cpp.server", "--model", a.model,
                                                       "--port", str(port), "--host", "127.0.0.1", "--n_threads",
                                                       str(a.threads), "--n_ctx", "4096"], a.reps))
    print()
    print("| server | TTFT turns 1-8 (ms, median) | turn 8 / turn 1 | turn 8 / cold | interleaved turn 4 / cold |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['server']} | {' '.join(str(t) for t in r['ttft_ms'])} | {r['turn8_over_turn1']:.2f}x | "
              f"{r['turn8_over_cold']:.2f}x | {r['interleaved_turn4_over_cold']:.2f}x |")


if __name__ == "__main__":
    main()
