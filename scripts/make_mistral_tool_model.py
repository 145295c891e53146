#!/usr/bin/env python3
"""A tiny random-weight Mistral checkpoint with a real Mistral tokenizer, for tool-call tests end to end.

Writes a native Mistral checkpoint directory (params.json, consolidated.safetensors in F16) of the shape of
Mistral 7B at toy size (1 layer, 32 wide, 2 heads, 1 KV head) with one of mistral-common's tokenizers next
to it, so that Bora reads it with Mistral's own instruct format:
- `sp-v3`: the SentencePiece v3 tokenizer (`tokenizer.model.v3`, with [TOOL_CALLS] / [AVAILABLE_TOOLS] /
  [TOOL_RESULTS] control tokens): calls as `[TOOL_CALLS][{"name": ..., "arguments": {...}}]`;
- `tekken-v11`: Tekken (tekken_240911.json) with its control tokens listed, [ARGS] and [CALL_ID] among them
  (ranks 32 and 33, as in Mistral's v11 files), and config version v11: calls as
  `[TOOL_CALLS]name[ARGS]{...}`. mistral-common's data has no v11 Tekken file; this one is that file with the
  v11 control tokens, which mistral-common itself encodes with (the goldens below);
- `tekken-v13`, `tekken-v15`: the synthetic v13 / v15 Tekken files of scripts/make_instruct_goldens.py
  (tekken_240718 relabelled, with [ARGS] [CALL_ID] [THINK] [/THINK], and for v15 [MODEL_SETTINGS] and a
  reasoning-effort settings builder), for the thinking tests (Tests/BoraServerTests/ThinkingModelTests.swift).
Weights are N(0, 0.02) from a fixed seed; norms are 1. 4 MB (sp-v3) or 17 MB (tekken-v11, 131072 tokens),
so they are made at test time (Tests/BoraServerTests/MistralToolModelTests.swift runs this script), not
committed.

With --goldens FILE it also writes what mistral-common renders for a conversation with tools, an assistant
tool call and a tool result (the request in OpenAI's shape, and the prompt token ids), which the tests
compare with Bora's rendering; that small JSON is committed (Tests/Fixtures/mistral/tool-prompt-goldens.json).

    scripts/make_mistral_tool_model.py --tokenizer sp-v3 --out /tmp/mistral-tool-tiny
    scripts/make_mistral_tool_model.py --goldens Tests/Fixtures/mistral/tool-prompt-goldens.json
"""
import argparse
import json
import os
import shutil
import struct

import numpy as np

PARAMS = {"dim": 32, "n_layers": 1, "head_dim": 16, "hidden_dim": 64, "n_heads": 2, "n_kv_heads": 1,
          "norm_eps": 1e-05, "rope_theta": 1000000.0}
# kind: (mistral-common data file, name in the checkpoint, vocabulary size)
TOKENIZERS = {"sp-v3": ("mistral_instruct_tokenizer_240323.model.v3", "tokenizer.model.v3", 32768),
              "tekken-v11": ("tekken_240911.json", "tekken.json", 131072),
              "tekken-v13": ("tekken_240718.json", "tekken.json", 131072),
              "tekken-v15": ("tekken_240718.json", "tekken.json", 131072)}
V11_SPECIALS = ["<unk>", "<s>", "</s>", "[INST]", "[/INST]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]", "[TOOL_RESULTS]",
                "[/TOOL_RESULTS]", "[TOOL_CALLS]", "[IMG]", "<pad>", "[IMG_BREAK]", "[IMG_END]", "[PREFIX]", "[MIDDLE]",
                "[SUFFIX]", "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]", "[TOOL_CONTENT]"] \
    + [f"<SPECIAL_{i}>" for i in range(20, 32)] + ["[ARGS]", "[CALL_ID]"]
THINK_SPECIALS = ["[THINK]", "[/THINK]"]
SETTINGS_SPECIALS = ["[MODEL_SETTINGS]", "[/MODEL_SETTINGS]"]
# v15's model settings: reasoning effort "none" or "high", "none" when the request leaves it unset (the
# builder must declare a default), as Mistral's reasoning-effort models declare it in their tekken.json.
REASONING_BUILDER = {"reasoning_effort": {"type": "enum", "values": ["none", "high"], "default": "none",
                                          "accepts_none": True}}

WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Current weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "unit": {"enum": ["c", "f"]}},
                   "required": ["city", "unit"]}}}

# A conversation in OpenAI's request shape (what a client sends Bora).
REQUEST = {
    "tools": [WEATHER],
    "messages": [
        {"role": "user", "content": "What is the weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "abcDEF123", "type": "function", "function": {
            "name": "get_weather", "arguments": "{\"city\": \"Paris\", \"unit\": \"c\"}"}}]},
        {"role": "tool", "tool_call_id": "abcDEF123", "name": "get_weather", "content": "{\"temperature\": 21}"},
        {"role": "assistant", "content": "It is 21 degrees in Paris."},
        {"role": "user", "content": "And in Rome?"},
    ],
}


def data_dir():
    import mistral_common
    return os.path.join(os.path.dirname(mistral_common.__file__), "data")


def write_tokenizer(kind, path):
    source, _, _ = TOKENIZERS[kind]
    if kind == "sp-v3":
        shutil.copyfile(os.path.join(data_dir(), source), path)
        return
    version = kind.split("-")[1]
    specials = V11_SPECIALS + {"v11": [], "v13": THINK_SPECIALS, "v15": THINK_SPECIALS + SETTINGS_SPECIALS}[version]
    with open(os.path.join(data_dir(), source)) as f:
        tekken = json.load(f)
    tekken["special_tokens"] = [{"rank": i, "token_str": s, "is_control": True} for i, s in enumerate(specials)]
    tekken["config"]["version"] = version
    if version == "v15":
        tekken["model_settings_builder"] = REASONING_BUILDER
    with open(path, "w") as f:
        json.dump(tekken, f)


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, array in tensors.items():
        blob = array.astype(np.float16).tobytes()
        header[name] = {"dtype": "F16", "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    os.replace(path + ".tmp", path)


def make_model(kind, out):
    os.makedirs(out, exist_ok=True)
    _, name, vocab = TOKENIZERS[kind]
    p = dict(PARAMS, vocab_size=vocab)
    rng = np.random.default_rng(20261129)
    q, kv = p["n_heads"] * p["head_dim"], p["n_kv_heads"] * p["head_dim"]

    def matrix(rows, cols):
        return rng.standard_normal((rows, cols), dtype=np.float32) * 0.02

    tensors = {"tok_embeddings.weight": matrix(p["vocab_size"], p["dim"])}
    for l in range(p["n_layers"]):
        tensors.update({
            f"layers.{l}.attention.wq.weight": matrix(q, p["dim"]),
            f"layers.{l}.attention.wk.weight": matrix(kv, p["dim"]),
            f"layers.{l}.attention.wv.weight": matrix(kv, p["dim"]),
            f"layers.{l}.attention.wo.weight": matrix(p["dim"], q),
            f"layers.{l}.attention_norm.weight": np.ones(p["dim"], dtype=np.float32),
            f"layers.{l}.feed_forward.w1.weight": matrix(p["hidden_dim"], p["dim"]),
            f"layers.{l}.feed_forward.w2.weight": matrix(p["dim"], p["hidden_dim"]),
            f"layers.{l}.feed_forward.w3.weight": matrix(p["hidden_dim"], p["dim"]),
            f"layers.{l}.ffn_norm.weight": np.ones(p["dim"], dtype=np.float32),
        })
    tensors["norm.weight"] = np.ones(p["dim"], dtype=np.float32)
    tensors["output.weight"] = matrix(p["vocab_size"], p["dim"])
    with open(os.path.join(out, "params.json"), "w") as f:
        json.dump(p, f, indent=2)
    write_tokenizer(kind, os.path.join(out, name))
    write_safetensors(os.path.join(out, "consolidated.safetensors"), tensors)


def make_goldens(path):
    import tempfile
    from mistral_common.protocol.instruct.request import ChatCompletionRequest
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer
    request = ChatCompletionRequest.from_openai(messages=REQUEST["messages"], tools=REQUEST["tools"])
    out = {"request": REQUEST, "tokens": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for kind, (_, name, _) in TOKENIZERS.items():
            write_tokenizer(kind, os.path.join(tmp, name))
            tokenizer = MistralTokenizer.from_file(os.path.join(tmp, name))
            out["tokens"][kind] = tokenizer.encode_chat_completion(request).tokens
    with open(path, "w") as f:
        json.dump(out, f)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokenizer", choices=sorted(TOKENIZERS), default="sp-v3")
    ap.add_argument("--out", help="the checkpoint directory to write")
    ap.add_argument("--goldens", help="also write mistral-common's rendering of the tool conversation here")
    a = ap.parse_args()
    if a.out:
        make_model(a.tokenizer, a.out)
    if a.goldens:
        make_goldens(a.goldens)


if __name__ == "__main__":
    main()
