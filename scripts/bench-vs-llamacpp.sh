#!/usr/bin/env bash
# Bora vs llama.cpp, side by side in one run: prompt processing (pp) and generation (tg) tokens/s on
# SmolLM2-135M-Instruct Q4_1 and its re-quantizations to Q8_0, Q4_0 and Q4_K_M, and a random 1B-class
# Llama (scripts/make_random_gguf.py) in Q4_0 and Q8_0, at 1 and 2 threads, plus the memory-bandwidth
# bound of generation (`bora bench --bandwidth`).
#
#   scripts/bench-vs-llamacpp.sh [--reps 5] [--threads 1,2] [--pp 128,512] [--tg 128] [--depth 0,1024]
#                                [--models "Q4_1 Q8_0 Q4_0 Q4_K_M random-1b.Q4_0 random-1b.Q8_0 path/to/any.gguf"]
#
# A --models entry ending in .gguf is used as it is (Gemma 3 270M, scripts/make_random_family_gguf.py's files).
# Builds bora in release mode (scratch path $BORA_SCRATCH, default .build; or set BORA_BIN to a built bora
# to skip the build), makes the re-quantized files with llama-cpp-python's llama_model_quantize
# (into models/, which git ignores), runs `bora bench --json` and, for llama.cpp, a llama-cpp-python worker
# process per model and thread count that times llm.eval as scripts/bench_compare.py does (pp: N random
# token ids from an empty cache, n_batch 512; tg: N single-token evals from an empty cache, the next token
# the argmax of llama_get_logits_ith, outside the timing). With --depth D (comma list, as llama-bench's -d),
# each test first has D random tokens in the cache (evaluated untimed; each run truncates back to them:
# llm.n_tokens = D, and llm.eval drops the cache past n_tokens), on both engines (`bora bench -d`).
# One warm-up run each, then REPS timed runs.
# Prints both tables (median [min-max] tokens/s) and Bora / llama.cpp ratios of the medians.
# Needs llama-cpp-python (see README for the clang build). Run on a quiet machine (uptime load < 1).
set -euo pipefail
cd "$(dirname "$0")/.."

REPS=5 THREADS=1,2 PP=128,512 TG=128 BATCH=512 DEPTH=0 MODELS="Q4_1 Q8_0 Q4_0 Q4_K_M"
while [ $# -gt 0 ]; do
    case "$1" in
        --reps) REPS=$2; shift 2 ;;
        --threads) THREADS=$2; shift 2 ;;
        --pp) PP=$2; shift 2 ;;
        --tg) TG=$2; shift 2 ;;
        --batch) BATCH=$2; shift 2 ;;
        --depth) DEPTH=$2; shift 2 ;;
        --models) MODELS=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done

SCRATCH=${BORA_SCRATCH:-.build}
if [ -n "${BORA_BIN:-}" ]; then  # an already built bora (a product-only build would redo a --build-tests one)
    BORA=$BORA_BIN
else
    swift build -c release --scratch-path "$SCRATCH" --product bora >&2
    BORA="$SCRATCH/release/bora"
fi

SRC=models/SmolLM2-135M-Instruct.Q4_1.gguf
[ -f "$SRC" ] || scripts/install-model.sh >&2
python3 - "$SRC" <<'EOF' >&2
import sys, os, llama_cpp
src = sys.argv[1]
for name, ftype in (("Q8_0", llama_cpp.LLAMA_FTYPE_MOSTLY_Q8_0), ("Q4_0", llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_0),
                    ("Q4_K_M", llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_K_M)):
    out = src.replace("Q4_1", name)
    if os.path.exists(out):
        continue
    p = llama_cpp.llama_model_quantize_default_params()
    p.ftype = ftype
    p.allow_requantize = True
    p.nthread = 2
    rc = llama_cpp.llama_model_quantize(src.encode(), out.encode(), p)
    if rc != 0:
        sys.exit(f"llama_model_quantize {name} failed: {rc}")
    print(f"made {out}")
EOF

model_path() {
    case "$1" in
        *.gguf) echo "$1" ;;
        random-1b.*) echo "models/$1.gguf" ;;
        *) echo "${SRC/Q4_1/$1}" ;;
    esac
}
for q in $MODELS; do
    case "$q" in
        random-1b.*) [ -f "models/$q.gguf" ] || python3 scripts/make_random_gguf.py --type "${q#random-1b.}" --out "models/$q.gguf" >&2 ;;
    esac
done

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
echo "load before: $(uptime)" >&2
for q in $MODELS; do
    M=$(model_path "$q")
    L=$(basename "$q" .gguf)  # the label of the work files and the table
    "$BORA" bench --model "$M" --bandwidth -t "$THREADS" --json > "$WORK/bw-$L.json"
    "$BORA" bench --model "$M" -p "$PP" -n "$TG" -t "$THREADS" -r "$REPS" -b "$BATCH" -d "$DEPTH" --json > "$WORK/bora-$L.json"
    for t in ${THREADS//,/ }; do
        python3 - "$M" "$t" "$PP" "$TG" "$REPS" "$DEPTH" > "$WORK/llama-$L-$t.json" <<'EOF'
import json, random, statistics, sys, time
import numpy as np
import llama_cpp
from llama_cpp import Llama
model, threads, pps, tgs, reps = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
pps = [int(x) for x in pps.split(",") if int(x) > 0]
tgs = [int(x) for x in tgs.split(",") if int(x) > 0]
depths = [int(x) for x in sys.argv[6].split(",")]
llm = Llama(model_path=model, n_ctx=max(depths) + max(pps + tgs) + 8, n_batch=512, n_ubatch=512, n_threads=threads,
            n_threads_batch=threads, verbose=False)
n_vocab = llm.n_vocab()
rng = random.Random(42)
rows = []
def to_depth(prefix):
    """Exactly `prefix` in the cache, untimed: evaluated once, then truncated back to."""
    if llm.n_tokens < len(prefix) or list(llm.input_ids[:len(prefix)]) != prefix:
        llm.reset()
        llm.eval(prefix)
    llm.n_tokens = len(prefix)
for d in depths:
    prefix = [rng.randrange(n_vocab) for _ in range(d)]
    for n in pps:
        toks = [rng.randrange(n_vocab) for _ in range(n)]
        samples = []
        for rep in range(reps + 1):
            to_depth(prefix)
            t0 = time.perf_counter()
            llm.eval(toks)
            s = time.perf_counter() - t0
            if rep > 0:
                samples.append(n / s)
        rows.append({"n_prompt": n, "n_gen": 0, "n_depth": d, "n_threads": threads, "samples_ts": samples})
    for n in tgs:
        samples = []
        for rep in range(reps + 1):
            to_depth(prefix)
            tok, total = 1, 0.0
            for _ in range(n):
                t0 = time.perf_counter()
                llm.eval([tok])
                total += time.perf_counter() - t0
                tok = int(np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(n_vocab,)).argmax())
            if rep > 0:
                samples.append(n / total)
        rows.append({"n_prompt": 0, "n_gen": n, "n_depth": d, "n_threads": threads, "samples_ts": samples})
print(json.dumps(rows))
EOF
    done
done
echo "load after: $(uptime)" >&2

python3 - "$WORK" "$THREADS" "$MODELS" <<'EOF'
import glob, json, os, platform, statistics, subprocess, sys
work, threads, models = sys.argv[1], [int(t) for t in sys.argv[2].split(",")], sys.argv[3].split()
def test(r):
    name = f"pp{r['n_prompt']}" if r["n_prompt"] > 0 else f"tg{r['n_gen']}"
    return f"{name} @ d{r['n_depth']}" if r.get("n_depth", 0) > 0 else name
def cell(s):
    return f"{statistics.median(s):.1f} [{min(s):.1f}-{max(s):.1f}]"
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
import llama_cpp
print(f"commit {commit}; {cpu}, {os.cpu_count()} cores; llama-cpp-python {llama_cpp.__version__}; "
      f"tokens/s, median [min-max] of the timed runs\n")
print("| model | threads | test | Bora t/s | llama.cpp t/s | Bora / llama.cpp | tg / bandwidth limit (Bora, llama.cpp) |")
print("|---|---|---|---|---|---|---|")
for q in models:
    gguf_path = q.endswith(".gguf")
    q = os.path.basename(q)[:-5] if gguf_path else q
    name = q if q.startswith("random-1b") or gguf_path else f"SmolLM2-135M {q}"
    bora = json.load(open(f"{work}/bora-{q}.json"))
    limit = {r["n_threads"]: r["tg_limit_ts"] for r in json.load(open(f"{work}/bw-{q}.json"))}
    for t in threads:
        llama = {test(r): r for r in json.load(open(f"{work}/llama-{q}-{t}.json"))}
        for r in bora:
            if r["n_threads"] != t:
                continue
            l = llama[test(r)]
            ratio = statistics.median(r["samples_ts"]) / statistics.median(l["samples_ts"])
            bound = ""
            if r["n_gen"] > 0 and limit.get(t):
                bound = (f"{statistics.median(r['samples_ts']) / limit[t]:.0%}, {statistics.median(l['samples_ts']) / limit[t]:.0%}"
                         f" of {limit[t]:.1f}")
            print(f"| {name} | {t} | {test(r)} | {cell(r['samples_ts'])} | {cell(l['samples_ts'])} | **{ratio:.2f}x** | {bound} |")
EOF
