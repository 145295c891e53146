#!/usr/bin/env python3
"""Golden token ids for every tokenizer file mistral-common ships, produced by mistral-common itself.

For each file in mistral_common/data (SentencePiece v1, v2, v3, v7; Tekken 240718 and 240911) this writes
Tests/Fixtures/tokenizers/mistral-common/<file>.goldens.json with, for every corpus string:
  ids       tokenizer.instruct_tokenizer.tokenizer.encode(text, bos=False, eos=False)
  ids_bos   the same with bos=True
  decoded   decode(ids) with mistral-common's default special-token policy (IGNORE)
and a few decode-only cases (special tokens mixed in, partial UTF-8, unknown token) under "decode".

It also writes small Hugging Face `tokenizer.json` files, trained here with the `tokenizers` library on local
text (no hub access), in the shapes real models use: GPT-2 (ByteLevel), SmolLM2 (Digits + ByteLevel),
Llama 3 (Split regex + ByteLevel, ignore_merges, BOS template), Qwen 2.5 (NFC + Split regex + ByteLevel),
Mistral Nemo (Split with Tekken's regex + ByteLevel),
Llama 2 / Mistral 7B (Prepend + Replace normalizer, BPE with byte_fallback), the Metaspace variant and Gemma 3
(Replace normalizer, Split on " " merged with the previous piece, byte_fallback; its vocabulary holds distinct
tokens that are canonically equivalent, "\u00e9" and "e\u0301", and BOM runs, as Gemma 3's does), as
hf-<kind>.tokenizer.json, with goldens from `tokenizers` in hf-<kind>.goldens.json:
  ids          encode(text, add_special_tokens=False)          (added tokens in the text are parsed)
  ids_literal  the same with encode_special_tokens=True        (special tokens' text stays text)
  ids_bos      encode(text, add_special_tokens=True)           (the post-processor's BOS, if any)
  decoded      decode(ids)                                     (skip_special_tokens=True)
  decoded_keep decode(ids, skip_special_tokens=False)

Setup: scripts/install-mistral-tokenizers.sh --with-reference; pip install tokenizers
Run:   python3 scripts/make_mistral_tokenizer_goldens.py
"""

import json
import os
import sys
from pathlib import Path

import mistral_common
from mistral_common.tokens.tokenizers.mistral import MistralTokenizer
from sentencepiece import sentencepiece_model_pb2


def user_defined_ids(path):
    """Ids of USER_DEFINED pieces (the sentencepiece Python API has no IsUserDefined)."""
    model = sentencepiece_model_pb2.ModelProto()
    model.ParseFromString(Path(path).read_bytes())
    return [i for i, p in enumerate(model.pieces) if p.type == sentencepiece_model_pb2.ModelProto.SentencePiece.USER_DEFINED]

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests" / "Fixtures" / "tokenizers" / "mistral-common"
DATA = Path(os.path.dirname(mistral_common.__file__)) / "data"

FILES = [
    "tokenizer.model.v1",
    "mistral_instruct_tokenizer_240216.model.v2",
    "mistral_instruct_tokenizer_240323.model.v3",
    "mistral_instruct_tokenizer_241114.model.v7",
    "tekken_240718.json",
    "tekken_240911.json",
]

APACHE = (ROOT / "Tests" / "Fixtures" / "text" / "apache-2.0.txt").read_text(encoding="utf-8")

CORPUS = [
    "",
    " ",
    "  ",
    "   ",
    "\t",
    "\n",
    "\n\n\n",
    "\r\n",
    " \n ",
    "Hello world",
    "hello world",
    " Hello world",
    "  Hello   world  ",
    "Hello\tworld\n",
    "\tindented\n\ttwice\n",
    "trailing spaces   ",
    "line one\nline two\n\nline four",
    "Windows\r\nline\r\nendings\r\n",
    "mixed \t \n \r whitespace",
    "ALLCAPS and lowercase and MixedCase and camelCaseWord and HTTPServer",
    "The quick brown fox jumps over the lazy dog.",
    "I'm sure you'll see they've done it, haven't they? We'd like to.",
    "Café crème brûlée à la française, naïve façade, São Paulo, Zürich.",
    "e\u0301 (e + combining acute) vs \u00e9 (precomposed)",
    "Ñandú, ångström, Øresund, Łódź, İstanbul, ß and ẞ",
    "Привет, мир! Как дела?",
    "Γειά σου Κόσμε",
    "مرحبا بالعالم",
    "שלום עולם",
    "नमस्ते दुनिया",
    "สวัสดีชาวโลก",
    "你好，世界！这是一个测试。",
    "日本語のテキストとカタカナとひらがな",
    "한국어 텍스트입니다",
    "emoji 😀 🎉 👍🏽 👨‍👩‍👧‍👦 🇫🇷 done",
    "😀😀😀",
    "symbols ™ © ® ° ± × ÷ € £ ¥ § ¶ • … ‰",
    "math: ∀x ∈ ℝ, ∃y: x² + y² ≤ 1 ⇒ √(x) ≠ ∞",
    "1234567890",
    "3.14159265358979323846264338327950288419716939937510",
    "0000000000000000000000000000000000000000",
    "Call 555-0123 or +1 (555) 010-9999 on 2024-11-14 at 13:45:09.",
    "$1,234.56 and 78% and 1e-10 and 0x1F and 1_000_000",
    "https://example.com/path/to/page?query=1&b=two#frag",
    "Visit http://www.mistral.ai/ or ftp://files.example.org/pub/file.tar.gz",
    "user.name+tag@example.co.uk",
    "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
    "for (int i = 0; i < n; ++i) { sum += a[i] * b[i]; }",
    "fn main() {\n\tprintln!(\"Hello, {}!\", name);\n}",
    "<html><body class=\"main\"><p>Hi &amp; bye</p></body></html>",
    "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"celsius\"}}",
    "SELECT id, name FROM users WHERE age >= 18 ORDER BY name DESC;",
    "$ ls -la | grep '.swift' && echo \"done\" > /tmp/out.txt",
    "[INST]",
    "[INST] What is the capital of France? [/INST]",
    "<s>[INST] hi [/INST] hello</s>",
    "</s>",
    "<s>",
    "<unk>",
    "<pad>",
    "[TOOL_CALLS] [AVAILABLE_TOOLS] [/AVAILABLE_TOOLS] [TOOL_RESULTS] [/TOOL_RESULTS]",
    "[SYSTEM_PROMPT]system[/SYSTEM_PROMPT]",
    "[SUFFIX]def f():[PREFIX]    return 1[MIDDLE]",
    "[IMG][IMG_BREAK][IMG_END]",
    "[REF] see [REFERENCE_DOC_1] and [REFERENCE_DOC_12][/REF]",
    "<SPECIAL_20> <0x41> \u2581 \u2581\u2581 ▁leading",
    "a\u0000b\u0001c\u007f",
    "\u00a0non-breaking\u00a0space\u2003em\u3000ideographic",
    "zero\u200bwidth\u200cjoiner\u200dtest\ufeffbom",
    "!!!???...,,,;;;:::",
    "--- === *** ### ___ ~~~ ```",
    "' \" ` ( ) [ ] { } < > / \\ | ^ & % $ # @",
    "a/b/c/d\nx//y",
    "Mr. Smith's car costs $5.5k, isn't it?",
    "ﬁ ﬂ ﬀ ligatures and ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３",
    "x" * 300,
    "ab" * 150,
    " " * 40 + "deeply indented",
    "supercalifragilisticexpialidocious pneumonoultramicroscopicsilicovolcanoconiosis",
    APACHE[:3000],
]

# Decode-only cases: (description, function of the tokenizer returning ids).


def decode_cases(tok, spm, user):
    bos, eos = tok.bos_id, tok.eos_id
    special = [i for i in range(min(tok.n_words, 1000)) if tok.is_special(i)]
    inst = special[3] if len(special) > 3 else bos
    cases = []
    hello = tok.encode("Hello world", bos=False, eos=False)
    cases.append([bos] + hello + [eos])
    cases.append([inst] + hello + [inst])
    cases.append(hello[:1] + [inst] + hello[1:])
    if spm:
        byte = lambda b: tok._model.piece_to_id("<0x%02X>" % b)
        unk = tok.unk_id
        cases.append([unk])
        cases.append([unk] + hello)
        cases.append(hello + [unk])
        cases.append([byte(0x20)] + hello)
        cases.append([byte(0xE4), byte(0xB8)] + hello)
        cases.append([byte(0xE4), inst, byte(0xB8), byte(0xAD)])
        cases.append([byte(0xF0), byte(0x9F), byte(0x98)])
        cases.append([byte(0xFF), byte(0xFE), byte(0x41)])
        cases.append([byte(0xC0), byte(0x80), byte(0xED), byte(0xA0), byte(0x80)])
        cases.append([byte(0xF4), byte(0x90), byte(0x80), byte(0x80), byte(0xE0), byte(0x80), byte(0x80)])
        cases.append([tok._model.piece_to_id("\u2581")] + hello)
        if user:
            cases.append([user[0]] + hello)
    else:
        n = tok.num_special_tokens
        # Byte tokens are the first 256 ranks after the special tokens.
        byte = lambda b: n + b
        cases.append([byte(0xE4), byte(0xB8)] + hello)
        cases.append([byte(0xE4), inst, byte(0xB8), byte(0xAD)])
        cases.append([byte(0xF0), byte(0x9F), byte(0x98)])
        cases.append([byte(0xFF), byte(0xFE), byte(0x41)])
        cases.append([byte(0xC0), byte(0x80), byte(0xED), byte(0xA0), byte(0x80)])
        cases.append([byte(0xF4), byte(0x90), byte(0x80), byte(0x80), byte(0xE0), byte(0x80), byte(0x80)])
        cases.append([tok.n_words - 1, n + 1000, n])
    return [{"ids": ids, "decoded": tok.decode(ids)} for ids in cases]


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    total = 0
    for name in FILES:
        path = DATA / name
        tok = MistralTokenizer.from_file(str(path)).instruct_tokenizer.tokenizer
        spm = not name.endswith(".json")
        user = user_defined_ids(path) if spm else []
        special_names = ["<unk>", "<s>", "</s>", "[INST]", "[/INST]", "[TOOL_CALLS]", "[AVAILABLE_TOOLS]",
                         "[/AVAILABLE_TOOLS]", "[TOOL_RESULTS]", "[/TOOL_RESULTS]", "[SYSTEM_PROMPT]",
                         "[/SYSTEM_PROMPT]", "[SUFFIX]", "[PREFIX]", "[MIDDLE]", "[IMG]", "[REF]", "<pad>",
                         "[REFERENCE_DOC_1]", "<SPECIAL_20>"]
        specials = {}
        for s in special_names:
            if spm:
                i = tok._model.piece_to_id(s)
                if i != tok.unk_id or s == "<unk>":
                    if tok.is_special(i) or i in user or tok._model.IsUnknown(i):
                        specials[s] = i
            elif tok.is_special(s):
                specials[s] = tok.get_special_token(s)
        cases = []
        for text in CORPUS:
            ids = tok.encode(text, bos=False, eos=False)
            ids_bos = tok.encode(text, bos=True, eos=False)
            cases.append({"text": text, "ids": ids, "ids_bos": ids_bos,
                          "decoded": tok.decode(ids), "decoded_bos": tok.decode(ids_bos)})
        golden = {
            "file": name,
            "generator": f"mistral-common {mistral_common.__version__}: "
                         "instruct_tokenizer.tokenizer.encode(text, bos, eos=False) / decode(ids)",
            "vocabulary_size": tok.n_words,
            "bos_id": tok.bos_id,
            "eos_id": tok.eos_id,
            "special_tokens": specials,
            "cases": cases,
            "decode": decode_cases(tok, spm, user),
        }
        out = OUT / (name + ".goldens.json")
        out.write_text(json.dumps(golden, ensure_ascii=True, indent=1) + "\n", encoding="utf-8")
        total += len(cases)
        print(f"{out.relative_to(ROOT)}: {len(cases)} strings, {len(golden['decode'])} decode cases", file=sys.stderr)
    print(f"{total} cases in all", file=sys.stderr)


LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                  r"|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                 r"|\s*[\r\n]+|\s+(?!\S)|\s+")


# Mistral Nemo's tokenizer.json splits with Tekken's regex.
TEKKEN_PATTERN = json.loads((DATA / "tekken_240911.json").read_text(encoding="utf-8"))["config"]["pattern"]


def training_text():
    code = [f.read_text(encoding="utf-8") for f in sorted(Path(json.__file__).parent.glob("*.py"))]
    return [APACHE] + code + [t for t in CORPUS if t] * 3


def make_hf_tokenizer(kind):
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    byte_level = kind in ("gpt2", "smollm", "llama3", "qwen2", "tekken")
    if kind == "gemma3":
        return make_gemma3_tokenizer()
    if byte_level:
        specials = {"gpt2": ["<|endoftext|>"], "smollm": ["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
                    "llama3": ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"],
                    "qwen2": ["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
                    "tekken": ["<unk>", "<s>", "</s>", "[INST]", "[/INST]"]}[kind]
        tok = Tokenizer(models.BPE(ignore_merges=kind == "llama3"))
        if kind == "gpt2":
            tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        elif kind == "smollm":
            tok.pre_tokenizer = pre_tokenizers.Sequence([
                pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False)])
        else:
            if kind == "qwen2":
                tok.normalizer = normalizers.NFC()
            pattern = {"llama3": LLAMA3_PATTERN, "qwen2": QWEN2_PATTERN, "tekken": TEKKEN_PATTERN}[kind]
            tok.pre_tokenizer = pre_tokenizers.Sequence([
                pre_tokenizers.Split(Regex(pattern), behavior="isolated", invert=False),
                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
        tok.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(vocab_size=1500, special_tokens=specials, show_progress=False,
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
        tok.train_from_iterator(training_text(), trainer=trainer)
        if kind == "tekken":
            bos = tok.token_to_id("<s>")
            tok.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", bos)])
        elif kind == "llama3":
            bos = tok.token_to_id("<|begin_of_text|>")
            tok.post_processor = processors.TemplateProcessing(
                single="<|begin_of_text|> $A", special_tokens=[("<|begin_of_text|>", bos)])
        else:
            tok.post_processor = processors.ByteLevel(trim_offsets=False)
    else:
        tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
        # Train on "▁"-separated words, then use the file the way Llama 2 / Mistral 7B ship it.
        tok.normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"), normalizers.Replace(" ", "\u2581")])
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="never", split=True)
        trainer = trainers.BpeTrainer(vocab_size=1200, special_tokens=["<unk>", "<s>", "</s>"],
                                      show_progress=False, limit_alphabet=120)
        tok.train_from_iterator(training_text(), trainer=trainer)
        data = json.loads(tok.to_str())
        vocab = data["model"]["vocab"]
        for b in range(256):
            vocab.setdefault("<0x%02X>" % b, len(vocab))
        if kind == "llama2":
            data["pre_tokenizer"] = None
            data["decoder"] = {"type": "Sequence", "decoders": [
                {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
                {"type": "ByteFallback"}, {"type": "Fuse"},
                {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}
        else:  # metaspace
            data["normalizer"] = None
            data["pre_tokenizer"] = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first",
                                     "split": False}
            data["decoder"] = {"type": "Sequence", "decoders": [
                {"type": "ByteFallback"},
                {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": False}]}
        tok = Tokenizer.from_str(json.dumps(data))
        bos = tok.token_to_id("<s>")
        tok.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", bos)])
    tok.add_tokens([AddedToken("<custom_tag>", special=False)])
    return tok


# Strings whose pieces are canonically equivalent to others in the Gemma 3 vocabulary (precomposed and combining
# forms, Indic nukta letters) and BOM runs; Gemma 3's real vocabulary has 434 such pairs.
GEMMA_EQUIVALENT = ["caf\u00e9 cafe\u0301", "\u0921\u093c \u095c", "\u09af\u09bc \u09df", "\ufeff\ufeff\ufeff\ufeffx",
                    "A\u030a \u00c5 \u212b"]


def make_gemma3_tokenizer():
    """Gemma 3's tokenizer.json shape (as transformers writes it from the model): normalizer Replace(" ", "▁"),
    pre-tokenizer Split(" ", MergedWithPrevious), BPE with byte_fallback and fuse_unk, decoder Replace + ByteFallback
    + Fuse, a <bos> template. The vocabulary gets the canonically equivalent pieces of GEMMA_EQUIVALENT as distinct
    tokens, with merges, so that only a byte-exact reader finds them all."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

    specials = ["<pad>", "<eos>", "<bos>", "<unk>", "<start_of_turn>", "<end_of_turn>"]
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.normalizer = normalizers.Replace(" ", "\u2581")
    trainer = trainers.BpeTrainer(vocab_size=1200, special_tokens=specials, show_progress=False, limit_alphabet=120)
    tok.train_from_iterator(training_text(), trainer=trainer)
    data = json.loads(tok.to_str())
    vocab, merges = data["model"]["vocab"], data["model"]["merges"]
    for b in range(256):
        vocab.setdefault("<0x%02X>" % b, len(vocab))

    def add_word(word):
        """Every prefix of `word` (by code point) as a token, merged left to right."""
        for ch in word:
            vocab.setdefault(ch, len(vocab))
        for i in range(2, len(word) + 1):
            left, right = word[:i - 1], word[i - 1]
            if word[:i] not in vocab:
                vocab[word[:i]] = len(vocab)
                merges.append([left, right])

    for text in GEMMA_EQUIVALENT:
        for word in text.split(" "):
            add_word(word)
    # Gemma's own BOM merge: two pairs into a run of four (the run itself is already a token).
    merges.append(["\ufeff\ufeff", "\ufeff\ufeff"])
    data["pre_tokenizer"] = {"type": "Split", "pattern": {"String": " "}, "behavior": "MergedWithPrevious",
                             "invert": False}
    data["decoder"] = {"type": "Sequence", "decoders": [
        {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
        {"type": "ByteFallback"}, {"type": "Fuse"}]}
    bos = vocab["<bos>"]
    data["post_processor"] = {"type": "TemplateProcessing",
                              "single": [{"SpecialToken": {"id": "<bos>", "type_id": 0}},
                                         {"Sequence": {"id": "A", "type_id": 0}}],
                              "pair": [{"SpecialToken": {"id": "<bos>", "type_id": 0}},
                                       {"Sequence": {"id": "A", "type_id": 0}},
                                       {"SpecialToken": {"id": "<bos>", "type_id": 1}},
                                       {"Sequence": {"id": "B", "type_id": 1}}],
                              "special_tokens": {"<bos>": {"id": "<bos>", "ids": [bos], "tokens": ["<bos>"]}}}
    return Tokenizer.from_str(json.dumps(data))


def make_hf_goldens():
    total = 0
    for kind in ["gpt2", "smollm", "llama3", "qwen2", "tekken", "llama2", "metaspace", "gemma3"]:
        tok = make_hf_tokenizer(kind)
        path = OUT / f"hf-{kind}.tokenizer.json"
        tok.save(str(path))
        from tokenizers import Tokenizer
        tok = Tokenizer.from_file(str(path))
        corpus = CORPUS + ["<|im_start|>user\nhi<|im_end|>", "<|begin_of_text|>x<|eot_id|>", "a <custom_tag> b",
                           "<s>[INST] hi [/INST]</s>", "<|endoftext|><|endoftext|>",
                           "<start_of_turn>user\nhi<end_of_turn>\n<start_of_turn>model\n"] + GEMMA_EQUIVALENT
        cases = []
        for text in corpus:
            tok.encode_special_tokens = False
            ids = tok.encode(text, add_special_tokens=False).ids
            ids_bos = tok.encode(text, add_special_tokens=True).ids
            tok.encode_special_tokens = True
            literal = tok.encode(text, add_special_tokens=False).ids
            tok.encode_special_tokens = False
            cases.append({"text": text, "ids": ids, "ids_literal": literal, "ids_bos": ids_bos,
                          "decoded": tok.decode(ids), "decoded_keep": tok.decode(ids, skip_special_tokens=False)})
        import tokenizers
        golden = {"file": path.name, "generator": f"tokenizers {tokenizers.__version__}",
                  "vocabulary_size": tok.get_vocab_size(with_added_tokens=True), "cases": cases}
        (OUT / f"hf-{kind}.goldens.json").write_text(json.dumps(golden, ensure_ascii=True, indent=1) + "\n")
        total += len(cases)
        print(f"hf-{kind}: {len(cases)} strings, {path.stat().st_size} bytes", file=sys.stderr)
    print(f"{total} Hugging Face cases in all", file=sys.stderr)


if __name__ == "__main__":
    main()
    make_hf_goldens()
