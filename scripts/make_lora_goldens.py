#!/usr/bin/env python3
"""LoRA goldens: a PEFT adapter on the tiny Mistral fixture, its llama.cpp GGUF form, and the logits
transformers + peft give with it applied.

Writes under Tests/Fixtures/mistral/mistral-tiny/lora/:
  adapter_model.safetensors + adapter_config.json   PEFT's files (r=4, alpha=8, all linear layers,
                                                     A and B random: a zero B would test nothing)
  adapter.gguf                                       llama.cpp's LoRA GGUF (general.type "adapter",
                                                     adapter.lora.alpha, blk.N.*.weight.lora_a/lora_b;
                                                     lora_b rows of Q and K in RoPE pair order, as the
                                                     base GGUF's Q and K)
  golden.json                                        tokens, logits at every position at scale 1 and 0.5

Run by hand (tests never need torch):  /opt/torchenv/bin/python scripts/make_lora_goldens.py
"""
import json
import os

import gguf
import numpy as np
import peft
import torch
import transformers
from peft import LoraConfig, get_peft_model
from transformers import MistralForCausalLM

ROOT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "mistral", "mistral-tiny")
OUT = os.path.join(ROOT, "lora")
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
GGUF_NAMES = {"q_proj": "attn_q", "k_proj": "attn_k", "v_proj": "attn_v", "o_proj": "attn_output",
              "gate_proj": "ffn_gate", "up_proj": "ffn_up", "down_proj": "ffn_down"}


def hf_to_pairs(w, n_head):
    rows, cols = w.shape
    return np.swapaxes(w.reshape(n_head, 2, rows // n_head // 2, cols), 1, 2).reshape(rows, cols)


def main():
    torch.manual_seed(11)
    base = MistralForCausalLM.from_pretrained(os.path.join(ROOT, "hf"), torch_dtype=torch.float32).eval()
    cfg = base.config
    model = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, target_modules=TARGETS, lora_dropout=0.0,
                                            init_lora_weights=False))
    g = torch.Generator().manual_seed(5)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_" in name:
                p.copy_(torch.randn(p.shape, generator=g) * 0.3)
    model.eval()
    os.makedirs(OUT, exist_ok=True)
    model.save_pretrained(OUT)
    # PEFT also writes a model card; the fixture keeps only the adapter, and no machine path.
    os.remove(os.path.join(OUT, "README.md"))
    with open(os.path.join(OUT, "adapter_config.json")) as f:
        conf = json.load(f)
    conf["base_model_name_or_path"] = "Tests/Fixtures/mistral/mistral-tiny/hf"
    with open(os.path.join(OUT, "adapter_config.json"), "w") as f:
        json.dump(conf, f, indent=2, sort_keys=True)

    def logits_for(ids):
        with torch.no_grad():
            return model(ids).logits[0].float().numpy()

    g = torch.Generator().manual_seed(3)
    sequences = []
    for n in (5, 12):
        ids = torch.randint(3, cfg.vocab_size, (1, n), generator=g)
        full = logits_for(ids)
        # Scale 0.5: halve every LoRA layer's scaling (llama.cpp's adapter scale multiplies alpha / r).
        for m in model.modules():
            if hasattr(m, "scaling") and isinstance(m.scaling, dict) and "default" in m.scaling:
                m.scaling["default"] *= 0.5
        half = logits_for(ids)
        for m in model.modules():
            if hasattr(m, "scaling") and isinstance(m.scaling, dict) and "default" in m.scaling:
                m.scaling["default"] *= 2
        sequences.append({"tokens": ids[0].tolist(),
                          "logits": [[float(f"{x:.7g}") for x in row] for row in full],
                          "logits_half": [[float(f"{x:.7g}") for x in row] for row in half]})
    with open(os.path.join(OUT, "golden.json"), "w") as f:
        json.dump({"transformers": transformers.__version__, "peft": peft.__version__, "sequences": sequences}, f,
                  separators=(",", ":"))

    # llama.cpp's GGUF LoRA: A (r, in) and B (out, r) per matrix, F32.
    w = gguf.GGUFWriter(os.path.join(OUT, "adapter.gguf"), "llama")
    w.add_string("general.type", "adapter")
    w.add_string("adapter.type", "lora")
    w.add_float32("adapter.lora.alpha", 8.0)
    from safetensors.numpy import load_file
    sd = load_file(os.path.join(OUT, "adapter_model.safetensors"))
    for layer in range(cfg.num_hidden_layers):
        for proj in TARGETS:
            part = "self_attn" if proj.endswith("_proj") and proj[0] in "qkvo" else "mlp"
            key = f"base_model.model.model.layers.{layer}.{part}.{proj}"
            a = sd[f"{key}.lora_A.weight"].astype(np.float32)
            b = sd[f"{key}.lora_B.weight"].astype(np.float32)
            if proj == "q_proj":
                b = hf_to_pairs(b, cfg.num_attention_heads)
            elif proj == "k_proj":
                b = hf_to_pairs(b, cfg.num_key_value_heads)
            name = f"blk.{layer}.{GGUF_NAMES[proj]}.weight"
            w.add_tensor(name + ".lora_a", np.ascontiguousarray(a))
            w.add_tensor(name + ".lora_b", np.ascontiguousarray(b))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print("written", OUT)


if __name__ == "__main__":
    main()
