#!/usr/bin/env python3
"""Golden models for Mistral's architecture: tiny random MistralForCausalLM (sliding window shorter
than the test sequences), MixtralForCausalLM (4 experts, top-2) and a Mistral v0.3-style config (no
window, rope theta 1e6, vocabulary 32768), built with transformers from a config (no hub).

For each model it writes, under Tests/Fixtures/mistral/NAME/:
  hf/config.json + hf/model.safetensors          Hugging Face layout (F32)
  native/params.json + native/consolidated.safetensors   Mistral's native layout (Q/K in RoPE pair order)
  model.gguf                                      llama.cpp's naming and Q/K permutation (gguf package)
  golden.json                                     tokens, logits at every position, greedy continuations

Run by hand with torch + transformers (a CPU venv is enough; tests never need them):
    /opt/torchenv/bin/python scripts/make_mistral_goldens.py
"""
import json
import os

import numpy as np
import torch
from safetensors.torch import save_file
import gguf
import transformers
from transformers import MistralConfig, MistralForCausalLM, MixtralConfig, MixtralForCausalLM

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "mistral")


def randomize(model, seed):
    """Weights large enough that a wrong RoPE layout or a missing norm changes the output."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:
                p.copy_(1 + 0.5 * (torch.rand(p.shape, generator=g) - 0.5))
            elif "embed" in name:
                p.copy_(torch.randn(p.shape, generator=g))
            else:
                fan_in = p.shape[-1]
                p.copy_(torch.randn(p.shape, generator=g) * (1.5 / fan_in ** 0.5))


def hf_to_pairs(w, n_head):
    """HF's rotate-half Q/K rows back to RoPE's adjacent-pair order (Mistral native and GGUF layout):
    llama.cpp's converter permutation."""
    rows, cols = w.shape
    return w.reshape(n_head, 2, rows // n_head // 2, cols).transpose(1, 2).reshape(rows, cols)


def save_hf(model, cfg, d):
    os.makedirs(d, exist_ok=True)
    sd = {k: v.contiguous() for k, v in model.state_dict().items()}
    if cfg.tie_word_embeddings:
        sd.pop("lm_head.weight", None)
    save_file(sd, os.path.join(d, "model.safetensors"), metadata={"format": "pt"})
    cfg.to_json_file(os.path.join(d, "config.json"))


def native_state(model, cfg):
    sd = model.state_dict()
    out = {"tok_embeddings.weight": sd["model.embed_tokens.weight"], "norm.weight": sd["model.norm.weight"]}
    if not cfg.tie_word_embeddings:  # tied: no output.weight, the embedding serves
        out["output.weight"] = sd["lm_head.weight"]
    for l in range(cfg.num_hidden_layers):
        p = f"model.layers.{l}."
        q = f"layers.{l}."
        out[q + "attention_norm.weight"] = sd[p + "input_layernorm.weight"]
        out[q + "ffn_norm.weight"] = sd[p + "post_attention_layernorm.weight"]
        out[q + "attention.wq.weight"] = hf_to_pairs(sd[p + "self_attn.q_proj.weight"], cfg.num_attention_heads)
        out[q + "attention.wk.weight"] = hf_to_pairs(sd[p + "self_attn.k_proj.weight"], cfg.num_key_value_heads)
        out[q + "attention.wv.weight"] = sd[p + "self_attn.v_proj.weight"]
        out[q + "attention.wo.weight"] = sd[p + "self_attn.o_proj.weight"]
        if getattr(cfg, "num_local_experts", 0):
            out[q + "feed_forward.gate.weight"] = sd[p + "mlp.gate.weight"] if p + "mlp.gate.weight" in sd else sd[p + "block_sparse_moe.gate.weight"]
            for e in range(cfg.num_local_experts):
                for w in ("w1", "w2", "w3"):
                    out[q + f"feed_forward.experts.{e}.{w}.weight"] = expert_weight(sd, p, e, w, cfg)
        else:
            out[q + "feed_forward.w1.weight"] = sd[p + "mlp.gate_proj.weight"]
            out[q + "feed_forward.w2.weight"] = sd[p + "mlp.down_proj.weight"]
            out[q + "feed_forward.w3.weight"] = sd[p + "mlp.up_proj.weight"]
    return {k: v.contiguous() for k, v in out.items()}


def expert_weight(sd, p, e, w, cfg):
    """Expert e's w1 (gate), w2 (down) or w3 (up) as (out, in), from either transformers layout."""
    old = p + f"block_sparse_moe.experts.{e}.{w}.weight"
    if old in sd:
        return sd[old]
    # transformers >= 5 fuses experts: mlp.experts.gate_up_proj (E, 2F, H) and down_proj (E, H, F).
    f = cfg.intermediate_size
    gate_up = sd[p + "mlp.experts.gate_up_proj"][e]
    if w == "w1":
        return gate_up[:f]
    if w == "w3":
        return gate_up[f:]
    return sd[p + "mlp.experts.down_proj"][e]


def rope_theta(cfg):
    """transformers 5 keeps it in rope_parameters, 4.x in rope_theta."""
    params = getattr(cfg, "rope_parameters", None)
    if isinstance(params, dict) and "rope_theta" in params:
        return params["rope_theta"]
    return cfg.rope_theta


def save_native(model, cfg, d):
    os.makedirs(d, exist_ok=True)
    save_file(native_state(model, cfg), os.path.join(d, "consolidated.safetensors"))
    params = {"dim": cfg.hidden_size, "n_layers": cfg.num_hidden_layers, "head_dim": cfg.head_dim,
              "hidden_dim": cfg.intermediate_size, "n_heads": cfg.num_attention_heads,
              "n_kv_heads": cfg.num_key_value_heads, "norm_eps": cfg.rms_norm_eps, "vocab_size": cfg.vocab_size,
              "rope_theta": rope_theta(cfg)}
    if cfg.sliding_window:
        params["sliding_window"] = cfg.sliding_window
    if getattr(cfg, "num_local_experts", 0):
        params["moe"] = {"num_experts": cfg.num_local_experts, "num_experts_per_tok": cfg.num_experts_per_tok}
    with open(os.path.join(d, "params.json"), "w") as f:
        json.dump(params, f, indent=2)


def save_gguf(model, cfg, path):
    native = native_state(model, cfg)
    w = gguf.GGUFWriter(path, "llama")
    w.add_name("tiny")
    w.add_context_length(cfg.max_position_embeddings)
    w.add_embedding_length(cfg.hidden_size)
    w.add_block_count(cfg.num_hidden_layers)
    w.add_feed_forward_length(cfg.intermediate_size)
    w.add_head_count(cfg.num_attention_heads)
    w.add_head_count_kv(cfg.num_key_value_heads)
    w.add_key_length(cfg.head_dim)
    w.add_value_length(cfg.head_dim)
    w.add_rope_dimension_count(cfg.head_dim)
    w.add_rope_freq_base(rope_theta(cfg))
    w.add_layer_norm_rms_eps(cfg.rms_norm_eps)
    w.add_vocab_size(cfg.vocab_size)
    if cfg.sliding_window:
        w.add_sliding_window(cfg.sliding_window)
    experts = getattr(cfg, "num_local_experts", 0)
    if experts:
        w.add_expert_count(experts)
        w.add_expert_used_count(cfg.num_experts_per_tok)

    def t(name, tensor):
        w.add_tensor(name, tensor.detach().float().numpy().astype(np.float32))

    t("token_embd.weight", native["tok_embeddings.weight"])
    t("output_norm.weight", native["norm.weight"])
    t("output.weight", native["output.weight"])
    for l in range(cfg.num_hidden_layers):
        q, b = f"layers.{l}.", f"blk.{l}."
        t(b + "attn_norm.weight", native[q + "attention_norm.weight"])
        t(b + "ffn_norm.weight", native[q + "ffn_norm.weight"])
        t(b + "attn_q.weight", native[q + "attention.wq.weight"])
        t(b + "attn_k.weight", native[q + "attention.wk.weight"])
        t(b + "attn_v.weight", native[q + "attention.wv.weight"])
        t(b + "attn_output.weight", native[q + "attention.wo.weight"])
        if experts:
            t(b + "ffn_gate_inp.weight", native[q + "feed_forward.gate.weight"])
            for w_, n in (("w1", "ffn_gate_exps"), ("w3", "ffn_up_exps"), ("w2", "ffn_down_exps")):
                t(b + n + ".weight", torch.stack([native[q + f"feed_forward.experts.{e}.{w_}.weight"] for e in range(experts)]))
        else:
            t(b + "ffn_gate.weight", native[q + "feed_forward.w1.weight"])
            t(b + "ffn_up.weight", native[q + "feed_forward.w3.weight"])
            t(b + "ffn_down.weight", native[q + "feed_forward.w2.weight"])
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def golden(model, cfg, lengths, seed, continue_tokens=8, keep_last=None):
    g = torch.Generator().manual_seed(seed)
    out = {"transformers": transformers.__version__, "torch": torch.__version__, "sequences": []}
    for n in lengths:
        ids = torch.randint(3, cfg.vocab_size, (1, n), generator=g)
        with torch.no_grad():
            logits = model(ids).logits[0].float().numpy()
            cont = model.generate(ids, max_new_tokens=continue_tokens, do_sample=False, min_new_tokens=continue_tokens,
                                  pad_token_id=0, eos_token_id=None)[0, n:].tolist()
        first = 0 if keep_last is None else n - keep_last
        out["sequences"].append({"tokens": ids[0].tolist(), "logits_from": first,
                                 "logits": [[float(f"{x:.7g}") for x in row] for row in logits[first:]],
                                 "greedy": cont})
    return out


def build(name, cls, cfg, seed, lengths, gguf_too=True, keep_last=None):
    torch.manual_seed(seed)
    model = cls(cfg).eval()
    randomize(model, seed)
    d = os.path.join(OUT, name)
    save_hf(model, cfg, os.path.join(d, "hf"))
    save_native(model, cfg, os.path.join(d, "native"))
    if gguf_too:
        save_gguf(model, cfg, os.path.join(d, "model.gguf"))
    with open(os.path.join(d, "golden.json"), "w") as f:
        json.dump(golden(model, cfg, lengths, seed, keep_last=keep_last), f, separators=(",", ":"))
    print(name, "written")


def main():
    common = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                  num_key_value_heads=2, head_dim=16, max_position_embeddings=128, rms_norm_eps=1e-5,
                  tie_word_embeddings=False, attn_implementation="eager", bos_token_id=1, eos_token_id=2)
    window = 8
    build("mistral-tiny", MistralForCausalLM,
          MistralConfig(vocab_size=128, sliding_window=window, rope_theta=10000.0, **common), 1, [window, 3 * window, 5 * window])
    build("mixtral-tiny", MixtralForCausalLM,
          MixtralConfig(vocab_size=128, sliding_window=None, rope_theta=10000.0, num_local_experts=4,
                        num_experts_per_tok=2, **common), 2, [window, 3 * window, 5 * window])
    # The v0.3-style model keeps its 32768-row embedding small: width 8, tied output (HF), only the last
    # position's logits recorded, and no GGUF copy (its config paths are the point).
    small = dict(common, hidden_size=8, intermediate_size=16, num_attention_heads=2, num_key_value_heads=1, head_dim=4,
                 tie_word_embeddings=True)
    build("mistral-v03-tiny", MistralForCausalLM,
          MistralConfig(vocab_size=32768, sliding_window=None, rope_theta=1e6, **small), 3, [12],
          gguf_too=False, keep_last=1)


if __name__ == "__main__":
    main()
