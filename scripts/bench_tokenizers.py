#!/usr/bin/env python3
"""Encoding throughput (MB/s) of Mistral's tokenizers: the reference libraries vs Bora, on 1 MB of mixed text.

References, as mistral-common runs them: sentencepiece on mistral_instruct_tokenizer_240323.model.v3, and
tiktoken (mistral-common's Tekkenizer) on tekken_240911.json; one `encode` call on the whole text, best
and median of --repeats runs. Bora: the same encodes, timed inside a release-mode Swift test
(Tests/BoraTokenizersTests/Files/TokenizerThroughputTests.swift, enabled by BORA_BENCH=1), which also
checks that its ids equal the reference ids written here.

Setup: scripts/install-mistral-tokenizers.sh
Run:   python3 scripts/bench_tokenizers.py [--repeats 5] [--no-swift]
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mistral_common
from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.path.dirname(mistral_common.__file__)) / "data"
SPM = "mistral_instruct_tokenizer_240323.model.v3"
TEKKEN = "tekken_240911.json"

MULTILINGUAL = [
    "Café crème brûlée à la française, naïve façade, São Paulo, Zürich, Øresund, Łódź. ",
    "Привет, мир! Как дела? Сегодня хорошая погода, и мы идём гулять в парк. ",
    "Γειά σου Κόσμε. Η γλώσσα είναι ένα σύστημα επικοινωνίας. ",
    "مرحبا بالعالم. هذه جملة تجريبية باللغة العربية. ",
    "你好，世界！这是一个测试。我们今天去公园散步，天气很好。",
    "日本語のテキストとカタカナとひらがな。東京は大きな都市です。",
    "한국어 텍스트입니다. 오늘 날씨가 좋습니다. ",
    "नमस्ते दुनिया, यह एक परीक्षण वाक्य है। ",
]
MISC = [
    "Call 555-0123 or +1 (555) 010-9999 on 2024-11-14 at 13:45:09. ",
    "https://example.com/path/to/page?query=1&b=two#frag and http://www.mistral.ai/news/ ",
    "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"celsius\", \"days\": 14}} ",
    "3.14159265358979323846264338327950288419716939937510 $1,234.56 78% 1e-10 0x1F ",
    "emoji 😀 🎉 👍🏽 👨‍👩‍👧‍👦 🇫🇷 done! ",
    "\n\n    \t  indented    text   with    runs   of spaces\n",
]


def mixed_text(size=1_000_000, seed=0):
    """About `size` bytes: English prose 40%, code 25%, other scripts 20%, numbers/URLs/JSON/emoji 15%."""
    rng = random.Random(seed)
    english = (ROOT / "Tests" / "Fixtures" / "text" / "apache-2.0.txt").read_text(encoding="utf-8").split("\n\n")
    code_files = sorted(Path(json.__file__).parent.glob("*.py")) + sorted(Path(random.__file__).parent.glob("a*.py"))
    code = [block for f in code_files for block in f.read_text(encoding="utf-8").split("\n\n") if block.strip()]
    parts, total = [], 0
    while total < size:
        r = rng.random()
        if r < 0.40:
            chunk = rng.choice(english) + "\n\n"
        elif r < 0.65:
            chunk = rng.choice(code) + "\n\n"
        elif r < 0.85:
            chunk = "".join(rng.choice(MULTILINGUAL) for _ in range(rng.randint(1, 4))) + "\n"
        else:
            chunk = "".join(rng.choice(MISC) for _ in range(rng.randint(1, 3)))
        parts.append(chunk)
        total += len(chunk.encode("utf-8"))
    text = "".join(parts).encode("utf-8")[:size].decode("utf-8", errors="ignore")
    return text


def timed(fn, repeats):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return result, times


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-swift", action="store_true", help="only measure the reference libraries")
    args = parser.parse_args()

    text = mixed_text()
    megabytes = len(text.encode("utf-8")) / 1e6
    work = Path(tempfile.mkdtemp(prefix="bora-bench-tok-"))
    (work / "text.txt").write_text(text, encoding="utf-8")

    rows = []
    for name, label in [(SPM, "sentencepiece"), (TEKKEN, "tiktoken (mistral-common Tekkenizer)")]:
        start = time.perf_counter()
        tok = MistralTokenizer.from_file(str(DATA / name)).instruct_tokenizer.tokenizer
        load = time.perf_counter() - start
        ids, times = timed(lambda: tok.encode(text, bos=False, eos=False), args.repeats)
        (work / f"{name}.ids.json").write_text(json.dumps(ids))
        rates = sorted(megabytes / t for t in times)
        rows.append((name, label, len(ids), load, statistics.median(rates), rates[-1]))
        print(f"{label:40s} {name}: {len(ids)} tokens, load {load:.2f} s, "
              f"median {statistics.median(rates):.2f} MB/s, best {rates[-1]:.2f} MB/s", flush=True)

    if args.no_swift:
        return
    env = dict(os.environ, BORA_BENCH="1", BORA_BENCH_DIR=str(work), BORA_BENCH_REPEATS=str(args.repeats))
    command = ["swift", "test", "-c", "release", "--scratch-path", ".build-files",
               "--filter", "TokenizerThroughputTests"]
    print("$ " + " ".join(command), flush=True)
    out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    bench = [line for line in (out.stdout + out.stderr).splitlines() if line.startswith("BENCH ")]
    if out.returncode != 0 or len(bench) != 2:
        sys.stdout.write(out.stdout[-4000:] + out.stderr[-4000:])
        sys.exit("the Swift benchmark failed")
    for line in bench:
        fields = dict(f.split("=", 1) for f in line.split()[2:])
        name = line.split()[1]
        ref = next(r for r in rows if r[0] == name)
        median, best = float(fields["median_MBps"]), float(fields["best_MBps"])
        print(f"{'Bora':40s} {name}: {fields['tokens']} tokens (same ids), load {fields['load_s']}, "
              f"median {median:.2f} MB/s, best {best:.2f} MB/s; Bora / {ref[1].split()[0]} = "
              f"{median / ref[4]:.2f}x (median)")


if __name__ == "__main__":
    main()
