#!/usr/bin/env python3
"""A randomly initialised 1B-class Llama GGUF for speed tests where memory bandwidth dominates.

Shape of Llama 3.2 1B (16 layers, 2048 wide, 32 heads, 8 KV heads, FFN 8192, untied output) with
SmolLM2's tokenizer (49152 tokens, copied from the SmolLM2 GGUF so llama.cpp loads it too): about 1.17B
parameters. Weights are N(0, 0.02) from a fixed seed, quantized with the `gguf` package's reference
quantizers; norms are 1. Not committed (0.7-1.3 GB): make it when benchmarking.

    scripts/make_random_gguf.py --type Q4_0 --out models/random-1b.Q4_0.gguf
"""
import argparse
import os
import sys

import numpy as np
import gguf
from gguf import quants

LAYERS, EMBD, HEADS, KV_HEADS, FFN = 16, 2048, 32, 8, 8192


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--type", choices=["Q4_0", "Q8_0", "F16"], default="Q4_0")
    ap.add_argument("--out", required=True)
    ap.add_argument("--tokenizer-from", default="models/SmolLM2-135M-Instruct.Q4_1.gguf")
    ap.add_argument("--layers", type=int, default=LAYERS)
    a = ap.parse_args()
    if os.path.exists(a.out):
        print(f"{a.out} exists")
        return
    qtype = gguf.GGMLQuantizationType[a.type]
    src = gguf.GGUFReader(a.tokenizer_from)
    vocab = len(src.fields["tokenizer.ggml.tokens"].data)

    w = gguf.GGUFWriter(a.out + ".tmp", "llama")
    w.add_name("random-1b")
    w.add_context_length(4096)
    w.add_embedding_length(EMBD)
    w.add_block_count(a.layers)
    w.add_feed_forward_length(FFN)
    w.add_head_count(HEADS)
    w.add_head_count_kv(KV_HEADS)
    w.add_rope_freq_base(500000.0)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_dimension_count(EMBD // HEADS)
    w.add_vocab_size(vocab)
    w.add_file_type({"Q4_0": 2, "Q8_0": 7, "F16": 1}[a.type])
    # The tokenizer, copied field by field.
    for name, field in src.fields.items():
        if not name.startswith("tokenizer."):
            continue
        vt = field.types[0]
        if vt == gguf.GGUFValueType.ARRAY:
            sub = field.types[1]
            if sub == gguf.GGUFValueType.STRING:
                vals = [bytes(field.parts[i]).decode("utf-8", errors="surrogateescape") for i in field.data]
            else:
                vals = [field.parts[i].tolist()[0] for i in field.data]
            w.add_array(name, vals)
        elif vt == gguf.GGUFValueType.STRING:
            w.add_string(name, bytes(field.parts[field.data[0]]).decode())
        else:
            w.add_key_value(name, field.parts[field.data[0]].tolist()[0], vt)

    rng = np.random.default_rng(1234)
    head = EMBD // HEADS

    def matrix(name, rows, cols):
        x = (rng.standard_normal((rows, cols), dtype=np.float32) * 0.02)
        if qtype == gguf.GGMLQuantizationType.F16:
            w.add_tensor(name, x.astype(np.float16))
        else:
            w.add_tensor(name, quants.quantize(x, qtype), raw_dtype=qtype)

    def norm(name, n):
        w.add_tensor(name, np.ones(n, dtype=np.float32))

    matrix("token_embd.weight", vocab, EMBD)
    for l in range(a.layers):
        p = f"blk.{l}."
        norm(p + "attn_norm.weight", EMBD)
        matrix(p + "attn_q.weight", HEADS * head, EMBD)
        matrix(p + "attn_k.weight", KV_HEADS * head, EMBD)
        matrix(p + "attn_v.weight", KV_HEADS * head, EMBD)
        matrix(p + "attn_output.weight", EMBD, HEADS * head)
        norm(p + "ffn_norm.weight", EMBD)
        matrix(p + "ffn_gate.weight", FFN, EMBD)
        matrix(p + "ffn_up.weight", FFN, EMBD)
        matrix(p + "ffn_down.weight", EMBD, FFN)
        print(f"layer {l + 1}/{a.layers}", file=sys.stderr)
    norm("output_norm.weight", EMBD)
    matrix("output.weight", vocab, EMBD)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    os.replace(a.out + ".tmp", a.out)
    print(f"made {a.out} ({os.path.getsize(a.out) / 1e9:.2f} GB)")


if __name__ == "__main__":
    main()
