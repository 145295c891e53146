#!/usr/bin/env python3
"""Golden token ids for every tokenizer file mistral-common ships, produced by mistral-common itself.

For each file in mistral_common/data (SentencePiece v1, v2, v3, v7; Tekken 240718 and 240911) this writes
Tests/Fixtures/tokenizers/mistral-common/<file>.goldens.json with, for every corpus string:
  ids       tokenizer.instruct_tokenizer.tokenizer.encode(text, bos=False, eos=False)
  ids_bos   the same with bos=True
  decoded   decode(ids) with mistral-common's default special-token policy (IGNORE)
and a few decode-only cases (special tokens mixed in, partial UTF-8, unknown token) under "decode".

Setup: scripts/install-mistral-tokenizers.sh (mistral-common 1.13.1 with sentencepiece and tiktoken).
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


if __name__ == "__main__":
    main()
