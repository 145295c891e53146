#!/usr/bin/env python3
"""Goldens for Bora's Mistral instruct encoder and tool-call parser, from mistral-common.

For every tokenizer file mistral-common ships (plus Tekken files re-labelled v7/v11/v13, since none of
those ship), runs `MistralTokenizer.encode_chat_completion` / `encode_fim` over the requests below and
writes Tests/Fixtures/instruct/<name>.json with, per case, {request, tokens, text} or {request, error}.

So that the Swift tests need no tokenizer files, each fixture also records what the tokenizer answered:
every text the instruct tokenizer asked to encode (text -> ids), the control-token ids, BOS/EOS, and per
id its SentencePiece piece and its bytes. `RecordedTokenizer` in the tests answers from these.

Model outputs (assistant tool-call messages as the model emits them) are recorded with the tool calls
mistral-common's own decoder (`mistral_common.experimental.tools`) reads back from them.

Usage: pip install 'mistral-common[sentencepiece]==1.13.1'; python3 scripts/make_instruct_goldens.py
"""

import copy
import json
import os
import re
import sys
import tempfile
import warnings

warnings.filterwarnings("ignore")

import mistral_common  # noqa: E402
from mistral_common.experimental.tools import _decode_tool_calls, _split_content_and_tool_calls  # noqa: E402
from mistral_common.protocol.fim.request import FIMRequest  # noqa: E402
from mistral_common.protocol.instruct.messages import AssistantMessage  # noqa: E402
from mistral_common.protocol.instruct.request import ChatCompletionRequest  # noqa: E402
from mistral_common.tokens.tokenizers.base import SpecialTokenPolicy  # noqa: E402
from mistral_common.tokens.tokenizers.mistral import MistralTokenizer  # noqa: E402
from mistral_common.tokens.tokenizers.tekken import Tekkenizer  # noqa: E402

DATA = os.path.join(os.path.dirname(mistral_common.__file__), "data")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "instruct")

CONTROL_NAMES = [
    "<unk>", "<s>", "</s>", "[INST]", "[/INST]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]", "[TOOL_RESULTS]",
    "[/TOOL_RESULTS]", "[TOOL_CALLS]", "[PREFIX]", "[MIDDLE]", "[SUFFIX]", "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]",
    "[TOOL_CONTENT]", "[ARGS]", "[CALL_ID]", "[THINK]", "[/THINK]", "[MODEL_SETTINGS]", "[/MODEL_SETTINGS]",
]

# ---------------------------------------------------------------------------------------------------------
# Requests

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a given location",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["location"],
        },
    },
}
# Key order differs from the model's (parameters first), strict set, no description: all normalized away.
SEARCH = {
    "function": {"parameters": {"type": "object", "properties": {"q": {"type": "string"}}}, "name": "search-web",
                 "strict": True},
    "type": "function",
}


def user(c):
    return {"role": "user", "content": c}


def asst(c, **kw):
    return {"role": "assistant", "content": c, **kw}


def TEXT(t):
    return {"type": "text", "text": t}


def THINK(t, closed=None):
    c = {"type": "thinking", "thinking": t}
    if closed is not None:
        c["closed"] = closed
    return c


def call(i, name, args):
    return {"id": i, "type": "function", "function": {"name": name, "arguments": args}}


def tool(c, i=None, name=None):
    m = {"role": "tool", "content": c}
    if i is not None:
        m["tool_call_id"] = i
    if name is not None:
        m["name"] = name
    return m


CHAT = [
    ("user_only", {"messages": [user("Hello, how are you?")]}),
    ("system_user", {"messages": [{"role": "system", "content": "You are a pirate."}, user("Hi")]}),
    ("multi_turn", {"messages": [user("Hi"), asst("Hello! How can I help?"), user("Tell me a joke.")]}),
    ("system_multi_turn", {"messages": [
        {"role": "system", "content": "Answer briefly."}, user("What is 2+2?"), asst("4"),
        user("And 3+3?"), asst("6"), user("Thanks")]}),
    ("two_system_messages", {"messages": [
        {"role": "system", "content": "Rule one."}, user("Hi"), asst("Hey"),
        {"role": "system", "content": "Rule two."}, user("Go")]}),
    ("consecutive_users", {"messages": [user("First part."), user("Second part.")]}),
    ("user_system_user", {"messages": [user("A"), {"role": "system", "content": "S"}, user("B")]}),
    ("text_chunks", {"messages": [{"role": "user", "content": [
        {"type": "text", "text": "Chunk one."}, {"type": "text", "text": "Chunk two."}]}]}),
    ("system_chunks", {"messages": [{"role": "system", "content": [{"type": "text", "text": "Sys A"},
                                                                   {"type": "text", "text": "Sys B"}]},
                                    user("Q")]}),
    ("prefix", {"messages": [user("Write a haiku."), asst("Autumn moon", prefix=True)]}),
    ("prefix_system", {"messages": [{"role": "system", "content": "Poet."}, user("Go"), asst("Roses ", prefix=True)]}),
    ("prefix_multi_turn", {"messages": [user("a"), asst("b"), user("c"), asst("d", prefix=True)]}),
    ("unicode", {"messages": [user("Café naïve résumé — 日本語のテキスト 🎉🚀 Ελληνικά")]}),
    ("whitespace", {"messages": [user("  leading spaces\tand\ttabs\n\nnew  lines  "),
                                 asst("trailing spaces   "), user("\n")]}),
    ("looks_like_control", {"messages": [user("[INST] not a token [/INST] </s> <s> [TOOL_CALLS]")]}),
    ("empty_user", {"messages": [user("")]}),
    ("system_only", {"messages": [{"role": "system", "content": "Only a system prompt."}]}),
    ("digits_code", {"messages": [user("def f(x):\n    return x * 1234567890\n")]}),
    ("tools", {"messages": [user("What's the weather in Paris?")], "tools": [WEATHER]}),
    ("tools_multi_turn", {"messages": [user("Hi"), asst("Hello"), user("Weather in Paris?")],
                          "tools": [WEATHER, SEARCH]}),
    ("tools_system", {"messages": [{"role": "system", "content": "Use tools."}, user("Weather?")],
                      "tools": [WEATHER]}),
    ("tool_call_result", {"messages": [
        user("Weather in Paris?"),
        asst(None, tool_calls=[call("abc123DEF", "get_weather", {"location": "Paris", "unit": "celsius"})]),
        tool('{"temperature": 22, "unit": "celsius"}', "abc123DEF", "get_weather")], "tools": [WEATHER]}),
    ("tool_call_string_args", {"messages": [
        user("Search cats"), asst(None, tool_calls=[call("Zz9Yy8Xx7", "search-web", '{"q":  "cats",\n"n":1}')]),
        tool("[1, 2, 3]", "Zz9Yy8Xx7", "search-web")], "tools": [SEARCH]}),
    ("tool_call_non_json_args", {"messages": [
        user("x"), asst(None, tool_calls=[call("a1b2c3d4e", "search-web", "not json")]),
        tool("plain text result", "a1b2c3d4e", "search-web")]}),
    ("tool_call_empty_args", {"messages": [
        user("x"), asst(None, tool_calls=[call("a1b2c3d4e", "search-web", "")]),
        tool("", "a1b2c3d4e", "search-web")]}),
    ("tool_call_unicode_args", {"messages": [
        user("Météo?"), asst(None, tool_calls=[call("AAAAAAAAA", "get_weather",
                                                    {"location": "Zürich 東京 🌧", "n": [1, 2.5, -3e-7, 1e21],
                                                     "flag": True, "none": None, "nested": {"b": 1, "a": {}}})]),
        tool('{"summary": "pluie ☔", "t": 12.0}', "AAAAAAAAA", "get_weather"), asst("Il pleut."),
        user("Merci")], "tools": [WEATHER]}),
    ("two_tool_calls", {"messages": [
        user("Paris and Rome?"),
        asst(None, tool_calls=[call("call00001", "get_weather", {"location": "Paris"}),
                               call("call00002", "get_weather", {"location": "Rome"})]),
        tool("20", "call00001", "get_weather"), tool('"sunny"', "call00002", "get_weather")], "tools": [WEATHER]}),
    ("tool_history_then_user", {"messages": [
        user("Paris?"), asst(None, tool_calls=[call("call00001", "get_weather", {"location": "Paris"})]),
        tool("20", "call00001", "get_weather"), asst("It is 20 degrees."), user("And Rome?")],
        "tools": [WEATHER]}),
    ("tool_result_chunks", {"messages": [
        user("x"), asst(None, tool_calls=[call("a1b2c3d4e", "search-web", {"q": "y"})]),
        {"role": "tool", "tool_call_id": "a1b2c3d4e", "name": "search-web",
         "content": [{"type": "text", "text": '{"a": '}, {"type": "text", "text": "1}"}]}]}),
    ("tool_call_prefix", {"messages": [
        user("Paris?"), asst(None, prefix=True, tool_calls=[call("call00001", "get_weather", {"location": "Paris"})])],
        "tools": [WEATHER]}),
    ("tool_call_no_id", {"messages": [
        user("x"), asst(None, tool_calls=[{"function": {"name": "search-web", "arguments": {"q": "y"}}}]),
        tool("ok", name="search-web")]}),
    ("content_and_tool_calls", {"messages": [
        user("x"), asst("Let me check.", tool_calls=[call("a1b2c3d4e", "search-web", {"q": "y"})]),
        tool("ok", "a1b2c3d4e", "search-web")]}),
    ("tool_after_tool_call_then_asst_prefix", {"messages": [
        user("x"), asst(None, tool_calls=[call("a1b2c3d4e", "search-web", {"q": "y"})]),
        tool("ok", "a1b2c3d4e", "search-web"), asst("The result", prefix=True)]}),
    # Rejected by mistral-common.
    ("error_ends_on_assistant", {"messages": [user("Hi"), asst("Hello")]}),
    ("error_empty_messages", {"messages": []}),
    ("error_starts_with_assistant", {"messages": [asst("Hello")]}),
    ("error_tool_after_user", {"messages": [user("Hi"), tool("x", "a1b2c3d4e")]}),
    ("error_prefix_not_last", {"messages": [user("Hi"), asst("Hello", prefix=True), user("Again")]}),
    ("error_assistant_empty", {"messages": [user("Hi"), asst(None), user("Again")]}),
    ("error_bad_call_id", {"messages": [
        user("x"), asst(None, tool_calls=[call("abc", "search-web", {"q": "y"})]), tool("ok", "abc")]}),
    ("error_tool_no_call_id", {"messages": [
        user("x"), asst(None, tool_calls=[call("a1b2c3d4e", "search-web", {"q": "y"})]), tool("ok")]}),
    ("error_bad_tool_result_id", {"messages": [
        user("x"), asst(None, tool_calls=[call("a1b2c3d4e", "search-web", {"q": "y"})]), tool("ok", "a-b")]}),
    ("error_bad_function_name", {"messages": [
        user("x"), asst(None, tool_calls=[call("a1b2c3d4e", "search web", {"q": "y"})]), tool("ok", "a1b2c3d4e")]}),
    ("error_bad_tool_name", {"messages": [user("x")], "tools": [
        {"type": "function", "function": {"name": "bad name!", "parameters": {}}}]}),
    ("error_bad_tool_message_name", {"messages": [
        user("x"), asst(None, tool_calls=[call("a1b2c3d4e", "ok", {})]), tool("ok", "a1b2c3d4e", "bad name")]}),
    ("error_unexpected_tool_result_id", {"messages": [
        user("x"), asst(None, tool_calls=[call("a1b2c3d4e", "search-web", {"q": "y"})]),
        tool("ok", "zzzzzzzzz")]}),
] + [
    # Thinking chunks (Magistral's [THINK]...[/THINK]): in assistant messages (v11+ accept them, v13+ encode
    # them), in system messages (v7+ accept, v13 encodes), never in user messages; unclosed ones; chunks and
    # text aggregated across consecutive messages.
    ("think_assistant", {"messages": [user("What is 2+2?"), asst([THINK("Two plus two is four."), TEXT("4")]),
                                      user("And 3+3?")]}),
    ("think_assistant_only_thought", {"messages": [user("Hi"), asst([THINK("The user greets me.")]), user("?")]}),
    ("think_assistant_unclosed_prefix", {"messages": [user("Solve x+1=3."),
                                                      asst([THINK("Subtract one", closed=False)], prefix=True)]}),
    ("think_assistant_closed_prefix", {"messages": [user("Solve x+1=3."),
                                                    asst([THINK("x is 2."), TEXT("x = ")], prefix=True)]}),
    ("think_two_assistants", {"messages": [user("Q"), asst([TEXT("Part A"), THINK("hmm")]), asst("Part B"),
                                           user("More")]}),
    ("think_text_between", {"messages": [user("Q"), asst([TEXT("a"), TEXT("b"), THINK("t1"), TEXT("c"), THINK("t2")]),
                                         user("R")]}),
    ("think_system", {"messages": [{"role": "system", "content": [TEXT("Think step by step."), THINK("Plan first.")]},
                                   user("Go")]}),
    ("think_system_only_thought", {"messages": [{"role": "system", "content": [THINK("Quiet.")]}, user("Go")]}),
    ("think_with_tool_call", {"messages": [
        user("Weather in Paris?"),
        asst([THINK("I should call the tool.")], tool_calls=[call("a1b2c3d4e", "get_current_weather", {"location": "Paris"})]),
        tool("22", "a1b2c3d4e"), asst([THINK("22 degrees."), TEXT("It is 22 °C.")]), user("Thanks")],
        "tools": [WEATHER]}),
    ("think_empty", {"messages": [user("Hi"), asst([THINK(""), TEXT("Hello")]), user("Bye")]}),
    # reasoning_effort: [MODEL_SETTINGS] JSON at the first user message from v15 on; refused before.
    ("reasoning_effort_high", {"messages": [user("Prove it."), asst("Done."), user("Again")], "reasoning_effort": "high"}),
    ("reasoning_effort_none", {"messages": [{"role": "system", "content": "Be brief."}, user("Hi")],
                               "reasoning_effort": "none"}),
    ("reasoning_effort_with_tools", {"messages": [user("Weather in Paris?")], "tools": [WEATHER],
                                     "reasoning_effort": "high"}),
    ("error_reasoning_effort_value", {"messages": [user("Hi")], "reasoning_effort": "medium"}),
    ("think_system_and_text_chunks", {"messages": [
        {"role": "system", "content": [TEXT("One."), TEXT("Two.")]},
        {"role": "user", "content": [TEXT("A"), TEXT("B")]}, asst([TEXT("C"), TEXT("D")]), user("E")]}),
    ("error_think_user", {"messages": [{"role": "user", "content": [THINK("no"), TEXT("Hi")]}]}),
    ("error_think_tool", {"messages": [
        user("x"), asst(None, tool_calls=[call("a1b2c3d4e", "search-web", {"q": "y"})]),
        {"role": "tool", "tool_call_id": "a1b2c3d4e", "content": [THINK("no")]}]}),
]

FIM = [
    ("fim", {"prompt": "def fibonacci(n):\n    ", "suffix": "\n    return fib\n"}),
    ("fim_no_suffix", {"prompt": "import numpy as np\n"}),
    ("fim_empty_suffix", {"prompt": "x = ", "suffix": ""}),
    ("fim_leading_space_suffix", {"prompt": "a", "suffix": " b c"}),
    ("fim_unicode", {"prompt": "# Résumé 日本\nprint(", "suffix": ")  # 🎉"}),
]

# Assistant messages as the model emits them, for the tool-call parser.
OUTPUTS = [
    ("one_call", {"tool_calls": [call("abc123DEF", "get_weather", {"location": "Paris", "unit": "celsius"})]}),
    ("two_calls", {"tool_calls": [call("call00001", "get_weather", {"location": "Paris"}),
                                  call("call00002", "search-web", {"q": "x", "n": [1, 2.5], "deep": {"a": None}})]}),
    ("unicode_args", {"tool_calls": [call("AAAAAAAAA", "get_weather", {"location": "Zürich 東京 🌧"})]}),
    ("empty_args", {"tool_calls": [call("a1b2c3d4e", "search-web", {})]}),
    ("content_then_call", {"content": "Let me check.",
                           "tool_calls": [call("a1b2c3d4e", "search-web", {"q": "weather"})]}),
]


# ---------------------------------------------------------------------------------------------------------
# Recording tokenizer wrapper

class Recorder:
    def __init__(self, raw):
        self.raw = raw
        self.texts = {}
        self.orig = raw.encode
        raw.encode = self.encode  # instance attribute shadows the method

    def encode(self, s, bos, eos):
        ids = self.orig(s, bos=False, eos=False)
        prev = self.texts.get(s)
        assert prev is None or prev == ids
        self.texts[s] = ids
        return self.orig(s, bos=bos, eos=eos)


def is_spm(raw):
    return not isinstance(raw, Tekkenizer)


def id_info(raw, i):
    """(piece, bytes hex, is_special) of one id."""
    if is_spm(raw):
        piece = raw.id_to_piece(i)
        special = raw.is_special(i)
        m = re.fullmatch(r"<0x([0-9A-F]{2})>", piece)
        if special:
            b = piece.encode()
        elif m:
            b = bytes([int(m.group(1), 16)])
        else:
            b = piece.replace("\u2581", " ").encode()
        return piece, b.hex(), special
    n = raw.num_special_tokens
    if i < n:
        s = raw._all_special_tokens[i]["token_str"]
        return s, s.encode().hex(), True
    b = raw._model.decode_single_token_bytes(i - n)
    return b.decode("utf-8", errors="replace"), b.hex(), False


# v15's model settings builder: the one the tiny thinking models carry.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_mistral_tool_model import REASONING_BUILDER  # noqa: E402


def synthetic_tekken(version, tmp, builder=None, suffix=""):
    """tekken_240718.json relabelled `version`, with the special tokens v11/v13/v15 need (none of these ship);
    v15 also gets a `model_settings_builder` when `builder` is given."""
    with open(os.path.join(DATA, "tekken_240718.json")) as f:
        d = json.load(f)
    d["config"]["version"] = version
    specials = [dict(t) for t in Tekkenizer.DEPRECATED_SPECIAL_TOKENS]
    names = [(32, "[ARGS]"), (33, "[CALL_ID]"), (34, "[THINK]"), (35, "[/THINK]")]
    if version == "v15":
        names += [(36, "[MODEL_SETTINGS]"), (37, "[/MODEL_SETTINGS]")]
    for rank, name in names:
        while len(specials) < rank:
            specials.append({"rank": len(specials), "token_str": f"<SPECIAL_{len(specials)}>", "is_control": True})
        specials.append({"rank": rank, "token_str": name, "is_control": True})
    d["special_tokens"] = specials
    if builder is not None:
        d["model_settings_builder"] = builder
    path = os.path.join(tmp, f"tekken_synthetic_{version}{suffix}.json")
    with open(path, "w") as f:
        json.dump(d, f)
    return path


def error_of(e):
    return {"error": str(e), "error_type": type(e).__name__}


def run(name, path, note):
    mt = MistralTokenizer.from_file(path)
    inst = mt.instruct_tokenizer
    raw = inst.tokenizer
    rec = Recorder(raw)
    version = raw.version.value
    cases = []
    seen_ids = set()

    def result(tok):
        seen_ids.update(tok.tokens)
        return {"tokens": list(tok.tokens), "text": tok.text}

    for cname, req in CHAT:
        case = {"name": cname, "request": req}
        try:
            # A copy: pydantic must not see (or mutate) the recorded request.
            case.update(result(mt.encode_chat_completion(ChatCompletionRequest.model_validate(copy.deepcopy(req)))))
        except Exception as e:  # noqa: BLE001 - any rejection is a golden
            case.update(error_of(e))
        cases.append(case)
    for cname, req in FIM:
        case = {"name": cname, "fim": req}
        try:
            case.update(result(mt.encode_fim(FIMRequest(**req))))
        except Exception as e:  # noqa: BLE001
            case.update(error_of(e))
        cases.append(case)

    outputs = []
    if version != "v1":
        tool_calls_id = raw.get_special_token("[TOOL_CALLS]")
        for oname, msg in OUTPUTS:
            if msg.get("content") and version in ("v2", "v3"):
                continue  # content and tool calls together start with v7
            try:
                am = AssistantMessage.model_validate(copy.deepcopy(msg))
                normalized = mt._instruct_request_normalizer._aggregate_assistant_messages([am])
                tokens = inst.encode_assistant_message(normalized, False)
            except Exception as e:  # noqa: BLE001
                outputs.append({"name": oname, "message": msg, **error_of(e)})
                continue
            seen_ids.update(tokens)
            body = tokens[:-1] if tokens and tokens[-1] == raw.eos_id else tokens
            content, calls = _split_content_and_tool_calls(body, tool_calls_id)
            decoded = _decode_tool_calls(calls, raw)
            outputs.append({
                "name": oname, "message": msg, "tokens": tokens,
                "content": raw.decode(content, special_token_policy=SpecialTokenPolicy.IGNORE) if content else "",
                "tool_calls": [{"id": c.id, "name": c.function.name, "arguments": json.loads(c.function.arguments)}
                               for c in decoded],
            })

    special = {}
    for s in CONTROL_NAMES:
        try:
            i = raw.get_special_token(s)
        except Exception:  # noqa: BLE001 - not in this vocabulary
            continue
        if id_info(raw, i)[2] and id_info(raw, i)[0] == s:
            special[s] = i
            seen_ids.add(i)
    for ids in rec.texts.values():
        seen_ids.update(ids)
    seen_ids.update([raw.bos_id, raw.eos_id])
    pieces, hexes = {}, {}
    for i in sorted(seen_ids):
        p, h, _ = id_info(raw, i)
        pieces[str(i)] = p
        hexes[str(i)] = h
    fixture = {
        "tokenizer": name,
        "note": note,
        "version": version,
        "kind": "sentencepiece" if is_spm(raw) else "tekken",
        "vocabulary_size": raw.n_words,
        "bos": raw.bos_id,
        "eos": raw.eos_id,
        "model_settings_builder": (raw.model_settings_builder.model_dump(mode="json")
                                   if getattr(raw, "model_settings_builder", None) is not None else None),
        "special": special,
        "encodings": rec.texts,
        "pieces": pieces,
        "bytes": hexes,
        "cases": cases,
        "outputs": outputs,
    }
    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        json.dump(fixture, f, ensure_ascii=False, indent=1)
    ok = sum("tokens" in c for c in cases)
    print(f"{name} ({version}): {ok} encoded, {len(cases) - ok} rejected, {len(outputs)} outputs", file=sys.stderr)


def main():
    os.makedirs(OUT, exist_ok=True)
    shipped = [
        ("v1", "tokenizer.model.v1", "SentencePiece, Mistral 7B Instruct v0.1/v0.2"),
        ("v2", "mistral_instruct_tokenizer_240216.model.v2", "SentencePiece with control tokens"),
        ("v3", "mistral_instruct_tokenizer_240323.model.v3", "SentencePiece, Mistral 7B v0.3 / Mixtral 8x22B"),
        ("v7", "mistral_instruct_tokenizer_241114.model.v7", "SentencePiece, Large 2411"),
        ("v7m1", "mistral_instruct_tokenizer_241114.model.v7m1", "SentencePiece v7, multimodal variant"),
        ("tekken_240718", "tekken_240718.json", "Tekken (instruct v3), Nemo"),
        ("tekken_240911", "tekken_240911.json", "Tekken (instruct v3), Pixtral 12B"),
    ]
    for name, f, note in shipped:
        run(name, os.path.join(DATA, f), note)
    with tempfile.TemporaryDirectory() as tmp:
        for v in ["v7", "v11", "v13"]:
            run(f"tekken_synthetic_{v}", synthetic_tekken(v, tmp),
                f"tekken_240718 relabelled {v} with [ARGS]=32 [CALL_ID]=33 (no such file ships with mistral-common)")
        run("tekken_synthetic_v15", synthetic_tekken("v15", tmp, REASONING_BUILDER),
            "tekken_240718 relabelled v15 with [ARGS]=32 [CALL_ID]=33 [THINK]=34 [/THINK]=35 [MODEL_SETTINGS]=36 "
            "[/MODEL_SETTINGS]=37 and a model_settings_builder: reasoning_effort none|high, default none "
            "(no such file ships with mistral-common)")
        run("tekken_synthetic_v15_no_settings", synthetic_tekken("v15", tmp, {}, "_no_settings"),
            "as tekken_synthetic_v15 with an empty model_settings_builder (no setting may be set)")


if __name__ == "__main__":
    main()
