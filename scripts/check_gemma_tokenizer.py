#!/usr/bin/env python3
"""Gemma 3's real tokenizer on one corpus, each file against its reference: Bora on a tokenizer.json against Hugging
Face `tokenizers` on the same file, and Bora on the GGUF against llama.cpp (llama-cpp-python, run by --llama-python,
the interpreter where it is installed) on the same file.

The real tokenizer.json is not available offline, so transformers builds it from the GGUF (its Gemma converter:
the same vocabulary, merges derived from the pieces, Gemma 3's normalizer, Split pre-tokenizer and decoder). Checked
by hand (the file is 33 MB); the tests cover the same shape on a small file (hf-gemma3 in
Tests/Fixtures/tokenizers/mistral-common, from scripts/make_mistral_tokenizer_goldens.py).

Corpus: every line of Tests/Fixtures/text/apache-2.0.txt, the whole text, and the tokenizer goldens' corpus.
Texts are tokenized without BOS and with special tokens parsed. The two references differ from each other on runs
of spaces (SentencePiece's scores against the merges transformers derives), so each file is held to its own.

Run: /opt/torchenv/bin/python scripts/check_gemma_tokenizer.py [--gguf models/gemma-3-270m-q4_k_m.gguf]
     [--bora .build/release/bora] [--llama-python python3]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def corpus():
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    from make_mistral_tokenizer_goldens import CORPUS, GEMMA_EQUIVALENT
    text = open(os.path.join(ROOT, "Tests", "Fixtures", "text", "apache-2.0.txt"), encoding="utf-8").read()
    return [line for line in text.split("\n") if line] + [text] + list(CORPUS) + GEMMA_EQUIVALENT


def bora_ids(bora, model, texts):
    out = subprocess.run([bora, "tokenize", "-m", model, "--jsonl", "--no-bos"], input="\n".join(json.dumps(t) for t in texts) + "\n",
                         capture_output=True, text=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines()]


LLAMA_CPP = """
import json, sys, llama_cpp
llm = llama_cpp.Llama(model_path=sys.argv[1], vocab_only=True, verbose=False)
for line in sys.stdin:
    print(json.dumps(llm.tokenize(json.loads(line).encode("utf-8"), add_bos=False, special=True)))
"""


def llama_cpp_ids(python, model, texts):
    out = subprocess.run([python, "-c", LLAMA_CPP, model], input="\n".join(json.dumps(t) for t in texts) + "\n",
                         capture_output=True, text=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def compare(name, got, want, texts, reference):
    same = sum(g == w for g, w in zip(got, want))
    print(f"{name}: {same}/{len(texts)} identical to {reference}")
    for g, w, t in zip(got, want, texts):
        if g != w:
            print(f"  first difference, on {t[:60]!r}: {g[:12]} vs {w[:12]}")
            break
    return same == len(texts) and len(got) == len(want)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gguf", default=os.path.join(ROOT, "models", "gemma-3-270m-q4_k_m.gguf"))
    ap.add_argument("--bora", default=os.path.join(ROOT, ".build", "release", "bora"))
    ap.add_argument("--llama-python", default="python3")
    args = ap.parse_args()
    from transformers import AutoTokenizer
    import tokenizers

    texts = corpus()
    with tempfile.TemporaryDirectory() as tmp:
        AutoTokenizer.from_pretrained(os.path.dirname(args.gguf), gguf_file=os.path.basename(args.gguf)).save_pretrained(tmp)
        path = os.path.join(tmp, "tokenizer.json")
        hf = tokenizers.Tokenizer.from_file(path)
        hf_ids = [hf.encode(t, add_special_tokens=False).ids for t in texts]
        bora_json = bora_ids(args.bora, path, texts)
    bora_gguf = bora_ids(args.bora, args.gguf, texts)
    print(f"{len(texts)} texts, {sum(len(w) for w in hf_ids)} tokens")
    ok = compare("Bora on the tokenizer.json", bora_json, hf_ids, texts, f"tokenizers {tokenizers.__version__}")
    ok = compare("Bora on the GGUF", bora_gguf, llama_cpp_ids(args.llama_python, args.gguf, texts), texts, "llama.cpp") and ok
    compare("(for information) the GGUF's ids, Bora's and llama.cpp's", bora_gguf, hf_ids, texts, "tokenizers' on the tokenizer.json")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
