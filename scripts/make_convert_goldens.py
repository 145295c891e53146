#!/usr/bin/env python3
"""Goldens for `bora convert`'s Tekken tokenizer: what llama.cpp's converter (gguf-py `MistralVocab`, as
convert_hf_to_gguf.py uses it for Mistral-native checkpoints) writes for mistral-common's tekken_240911.json:
token and merge counts, SHA-256 digests of the tokens, token types and merges (each joined by "\\n"), the
first merges, and the BOS/EOS/UNK ids. Needs gguf, mistral-common and tiktoken
(scripts/install-mistral-tokenizers.sh --with-reference).

Usage: python3 scripts/make_convert_goldens.py   # writes Tests/Fixtures/convert/tekken-240911-vocab.json
"""
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import mistral_common
from gguf.vocab import MistralVocab


def digest(items):
    return hashlib.sha256("\n".join(items).encode("utf-8")).hexdigest()


def main():
    data = os.path.join(os.path.dirname(mistral_common.__file__), "data")
    with tempfile.TemporaryDirectory() as d:
        shutil.copy(os.path.join(data, "tekken_240911.json"), os.path.join(d, "tekken.json"))
        vocab = MistralVocab(Path(d))
        tokens = [(text.decode("utf-8"), int(kind)) for text, _, kind in vocab.all_tokens()]
        merges = vocab.extract_vocab_merges_from_model()
        golden = {
            "file": "tekken_240911.json",
            "tokens": len(tokens),
            "merges": len(merges),
            "tokens_sha256": digest([t for t, _ in tokens]),
            "token_types_sha256": digest([str(k) for _, k in tokens]),
            "merges_sha256": digest(merges),
            "first_merges": merges[:8],
            "bos": vocab.bos_id, "eos": vocab.eos_id, "unk": vocab.unk_id,
        }
    out = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "convert", "tekken-240911-vocab.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(golden, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(json.dumps(golden, ensure_ascii=False)[:300])


if __name__ == "__main__":
    main()
