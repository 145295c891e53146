#!/usr/bin/env python3
"""Overhead of constrained decoding on generation speed: `bora generate --json` with and without
`--json-schema`, alternating, on SmolLM2 Q4_1 at 2 threads.

Two schemas: an array of objects (Tests/Fixtures/schemas/24-array-of-objects.json, 64 tokens) and one long
string of 400-600 characters (200 tokens). The free run generates as many tokens as the constrained one did.
Prints, per schema, the median tokens/s of each and two ratios: of the medians, and the median of the
per-pair ratios (a pair runs back to back, so it shares the machine's load).

    scripts/bench_constrained.py [--bora .build/release/bora] [--pairs 7] [--temperature 0.7] [--extra "--top-k 0"]

--temperature 0 measures greedy decoding; --extra passes more `bora generate` options to both runs.
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile

LONG_STRING = {"type": "object", "properties": {"story": {"type": "string", "minLength": 400, "maxLength": 600}},
               "required": ["story"]}


def run(args, prompt, n, schema=None):
    cmd = [args.bora, "generate", "-m", args.model, "--chat", "-p", prompt, "-n", str(n),
           "--temperature", str(args.temperature), "--seed", "1", "-t", str(args.threads), "--json"] + args.extra.split()
    if schema:
        cmd += ["--json-schema", schema]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    result = json.loads(out[out.index("{"):])
    result = result.get("result", result)
    return len(result["tokens"]), result["timings"]["tokens_per_second"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bora", default=".build/release/bora")
    ap.add_argument("--model", default="models/SmolLM2-135M-Instruct.Q4_1.gguf")
    ap.add_argument("--pairs", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--temperature", type=float, default=0.7)
    ap.add_argument("--extra", default="")
    args = ap.parse_args()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(LONG_STRING, f)
        story = f.name
    cases = [("array-of-objects", "Reply with JSON only. A shopping list.", "Tests/Fixtures/schemas/24-array-of-objects.json", 64),
             ("long string", "Write a short story about a dragon as JSON.", story, 200)]
    try:
        for name, prompt, schema, n in cases:
            k, _ = run(args, prompt, n, schema)  # warm-up; its length sets the free runs'
            constrained, free = [], []
            for _ in range(args.pairs):
                constrained.append(run(args, prompt, n, schema)[1])
                free.append(run(args, prompt, k)[1])
            ratios = [c / f for c, f in zip(constrained, free)]
            print(f"{name}: {k} tokens; free {statistics.median(free):.1f} t/s, constrained {statistics.median(constrained):.1f} t/s; "
                  f"ratio of medians {statistics.median(constrained) / statistics.median(free):.3f}, "
                  f"median of ratios {statistics.median(ratios):.3f}", flush=True)
    finally:
        os.unlink(story)


if __name__ == "__main__":
    main()
