#!/usr/bin/env python3
"""Golden models for the decoder families beyond Mistral: tiny random Llama 3 (llama3 RoPE scaling),
Qwen2 (q/k/v biases), Qwen3 (QK-norm, head_dim != hidden/heads), Qwen3-MoE (8 experts, top-2),
Gemma 3 (5 sliding + 1 global layer, window 8, (1 + w) norms, linear-scaled global RoPE),
Ministral 3 (YaRN + Llama-4 attention temperature), Mistral 3 (Ministral 3 text model inside a
Mistral3ForConditionalGeneration with a tiny Pixtral vision tower) and Mistral 4 (MLA attention + MoE
with a shared expert, first layer dense, in the same Mistral3ForConditionalGeneration wrapper as the
released Mistral Small 4), each built with transformers from a config dict (no hub, nothing downloads).

For each family it writes, under Tests/Fixtures/families/NAME/:
  hf/config.json + hf/model.safetensors       save_pretrained, F32
  hf/tokenizer.json + hf/tokenizer_config.json  one small byte-level BPE tokenizer (trained here on
                                              Tests/Fixtures/text/apache-2.0.txt), shared by all families
  model.gguf                                  hf/ converted by llama.cpp's own convert_hf_to_gguf.py, --outtype f32
  golden.json                                 tokens, logits at every position (eager attention, F32) and
                                              16 greedy next tokens (argmax, recomputed without a cache)

Run by hand with torch + transformers + llama.cpp's converter source (tests never need them):
    /opt/torchenv/bin/python scripts/make_family_goldens.py [NAME ...]
NAME is one or more of: llama3 qwen2 qwen3 qwen3moe gemma3 ministral3 mistral3 mistral4 (default: all).
LLAMA_CPP (environment) points at the llama.cpp source tree holding convert_hf_to_gguf.py.

The converter does not know this tokenizer's pre-tokenizer hash; it is GPT-2's byte-level regex, so the
conversion runs in a child process of this script that answers "gpt-2" for an unknown hash.
"""
import json
import os
import sys

import llamacpp_converter

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "families")
TEXT = os.path.join(ROOT, "Tests", "Fixtures", "text", "apache-2.0.txt")

VOCAB = 320          # 256 bytes + 3 specials + 61 merges
PAD, BOS, EOS = 0, 1, 2
LENGTHS = (40, 24)
GREEDY = 16
EMBED_STD_TIED = 0.15  # Gemma, whose input embedding is multiplied by sqrt(hidden) = 8, takes 0.07

import numpy as np  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import AutoConfig  # noqa: E402


# ---------------------------------------------------------------------------------------------- tokenizer

def make_tokenizer(d):
    """A byte-level BPE tokenizer of exactly VOCAB entries (ids 0-2: <pad> <s> </s>)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=VOCAB, special_tokens=["<pad>", "<s>", "</s>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    with open(TEXT, encoding="utf-8") as f:
        lines = f.read().splitlines(keepends=True)
    tok.train_from_iterator(lines, trainer)
    assert tok.get_vocab_size() == VOCAB, tok.get_vocab_size()
    assert [tok.token_to_id(t) for t in ("<pad>", "<s>", "</s>")] == [PAD, BOS, EOS]
    os.makedirs(d, exist_ok=True)
    tok.save(os.path.join(d, "tokenizer.json"))
    # unk_token null as in Qwen's own config: transformers loads qwen2 directories with Qwen2Tokenizer,
    # whose default unk "<|endoftext|>" would otherwise become an extra token 320.
    with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<s>", "eos_token": "</s>",
                   "pad_token": "<pad>", "unk_token": None, "add_bos_token": False, "add_eos_token": False,
                   "clean_up_tokenization_spaces": False, "model_max_length": 256}, f, indent=2)


# ---------------------------------------------------------------------------------------------- models

def randomize(model, seed, norm_center=1.0, embed_std=1.0):
    """Weights large enough that a wrong RoPE layout or a missing norm changes the output. Norm weights
    are spread around norm_center (1, or 0 for Gemma's (1 + w) norms), biases are random and nonzero.
    Tied models take a smaller embed_std: with unit embeddings the residual stays close to the last
    token's own embedding, the tied output scores that token highest, and greedy decoding only repeats it."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name and name.endswith("weight"):
                p.copy_(norm_center + 0.5 * (torch.rand(p.shape, generator=g) - 0.5))
            elif "embed_tokens" in name:
                p.copy_(embed_std * torch.randn(p.shape, generator=g))
            elif name.endswith("bias") or p.dim() == 1:
                p.copy_(0.5 * torch.randn(p.shape, generator=g))
            else:
                fan_in = int(np.prod(p.shape[1:])) if p.dim() == 4 else p.shape[-1]
                p.copy_(torch.randn(p.shape, generator=g) * (1.5 / fan_in ** 0.5))


COMMON = dict(vocab_size=VOCAB, hidden_size=64, intermediate_size=128, num_attention_heads=4,
              num_key_value_heads=2, max_position_embeddings=256, rms_norm_eps=1e-6,
              pad_token_id=PAD, bos_token_id=BOS, eos_token_id=EOS)

# Ministral 3 / Mistral 3: YaRN with a small original context so that floor(pos / 16) > 0 inside the
# test sequences and the Llama-4 attention temperature (llama_4_scaling_beta) matters.
MINISTRAL3_TEXT = dict(COMMON, model_type="ministral3", num_hidden_layers=2, head_dim=16,
                       tie_word_embeddings=False, sliding_window=None,
                       rope_parameters={"rope_type": "yarn", "rope_theta": 1000000.0, "factor": 16.0,
                                        "original_max_position_embeddings": 16, "max_position_embeddings": 256,
                                        "beta_fast": 32.0, "beta_slow": 1.0, "mscale": 1.0, "mscale_all_dim": 1.0,
                                        "llama_4_scaling_beta": 0.1})

# Mistral3ForConditionalGeneration around a text config, with a tiny Pixtral vision tower and projector
# (tensors a text-only loader must skip); the goldens use the text path only (input_ids, no images).
MISTRAL3_WRAPPER = dict(
    model_type="mistral3", tie_word_embeddings=False, image_token_index=10, projector_hidden_act="gelu",
    vision_feature_layer=-1, multimodal_projector_bias=False, spatial_merge_size=2,
    vision_config=dict(model_type="pixtral", hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                       num_attention_heads=2, head_dim=16, num_channels=3, image_size=32, patch_size=8,
                       hidden_act="silu", rope_parameters={"rope_type": "default", "rope_theta": 10000.0}))

FAMILIES = {
    "llama3": dict(
        cls="LlamaForCausalLM", seed=11, embed_std=EMBED_STD_TIED,
        config=dict(COMMON, model_type="llama", num_hidden_layers=2, head_dim=16, tie_word_embeddings=True,
                    rope_parameters={"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0,
                                     "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                     "original_max_position_embeddings": 64})),
    "qwen2": dict(
        cls="Qwen2ForCausalLM", seed=12, embed_std=EMBED_STD_TIED,
        config=dict(COMMON, model_type="qwen2", num_hidden_layers=2, tie_word_embeddings=True,
                    use_sliding_window=False, sliding_window=None,
                    rope_parameters={"rope_type": "default", "rope_theta": 1000000.0})),
    "qwen3": dict(
        cls="Qwen3ForCausalLM", seed=13,
        config=dict(COMMON, model_type="qwen3", num_hidden_layers=2, head_dim=32, tie_word_embeddings=False,
                    use_sliding_window=False, sliding_window=None,
                    rope_parameters={"rope_type": "default", "rope_theta": 1000000.0})),
    "qwen3moe": dict(
        cls="Qwen3MoeForCausalLM", seed=14,
        config=dict(COMMON, model_type="qwen3_moe", num_hidden_layers=2, head_dim=16, tie_word_embeddings=False,
                    num_experts=8, num_experts_per_tok=2, norm_topk_prob=True, moe_intermediate_size=64,
                    decoder_sparse_step=1, mlp_only_layers=[], use_sliding_window=False, sliding_window=None,
                    rope_parameters={"rope_type": "default", "rope_theta": 1000000.0})),
    "gemma3": dict(
        cls="Gemma3ForCausalLM", seed=15, norm_center=0.0, embed_std=0.07,
        config=dict(COMMON, model_type="gemma3_text", num_hidden_layers=6, num_attention_heads=4,
                    num_key_value_heads=1, head_dim=32, intermediate_size=96, tie_word_embeddings=True,
                    layer_types=["sliding_attention"] * 5 + ["full_attention"], sliding_window=8,
                    query_pre_attn_scalar=32, hidden_activation="gelu_pytorch_tanh",
                    final_logit_softcapping=None, attn_logit_softcapping=None,
                    rope_parameters={"full_attention": {"rope_type": "linear", "factor": 8.0, "rope_theta": 1000000.0},
                                     "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0}})),
    "ministral3": dict(cls="Ministral3ForCausalLM", seed=16, config=MINISTRAL3_TEXT),
    "mistral3": dict(cls="Mistral3ForConditionalGeneration", seed=17,
                     config=dict(MISTRAL3_WRAPPER, text_config=dict(MINISTRAL3_TEXT))),
    # Mistral Small 4 ships as Mistral3ForConditionalGeneration with a mistral4 text config (llama.cpp's
    # converter registers that class, not Mistral4ForCausalLM). Its original context (64) stays longer than
    # the sequences (40 + 16 greedy): llama.cpp's converter writes no attention.temperature_scale for
    # mistral4, so the Llama-4 temperature (1 + beta * log(1 + floor(pos / 64))) must stay 1 here for the
    # GGUF to agree with transformers; ministral3 and mistral3 exercise it.
    "mistral4": dict(
        cls="Mistral3ForConditionalGeneration", seed=18,
        config=dict(MISTRAL3_WRAPPER, text_config=dict(
            COMMON, model_type="mistral4", max_position_embeddings=1024, num_hidden_layers=3,
            num_attention_heads=4, num_key_value_heads=4,
            tie_word_embeddings=False, q_lora_rank=32, kv_lora_rank=32, qk_rope_head_dim=8, qk_nope_head_dim=16,
            v_head_dim=16, n_routed_experts=8, num_experts_per_tok=2, n_shared_experts=1, moe_intermediate_size=32,
            n_group=1, topk_group=1, routed_scaling_factor=1.5, norm_topk_prob=True, first_k_dense_replace=1,
            rope_interleave=True, attention_bias=False,
            rope_parameters={"rope_type": "yarn", "rope_theta": 10000.0, "factor": 16.0,
                             "original_max_position_embeddings": 64, "max_position_embeddings": 1024,
                             "beta_fast": 32.0, "beta_slow": 1.0, "mscale": 1.0, "mscale_all_dim": 1.0,
                             "llama_4_scaling_beta": 0.1, "partial_rotary_factor": 8 / 24}))),
}


def make_config(spec):
    kwargs = json.loads(json.dumps(spec))  # deep copy
    model_type = kwargs.pop("model_type")
    cfg = AutoConfig.for_model(model_type, **kwargs)
    cfg._attn_implementation = "eager"
    for sub in ("text_config", "vision_config"):
        if getattr(cfg, sub, None) is not None:
            getattr(cfg, sub)._attn_implementation = "eager"
    return cfg


def load_class(name):
    return getattr(transformers, name)


def logits_of(model, ids):
    with torch.no_grad():
        return model(input_ids=ids, use_cache=False).logits[0].float()


def golden(name, model, seed):
    g = torch.Generator().manual_seed(1000 + seed)
    out = {"family": name, "transformers": transformers.__version__, "torch": torch.__version__, "sequences": []}
    for n in LENGTHS:
        ids = torch.randint(3, VOCAB, (1, n), generator=g)
        logits = logits_of(model, ids).numpy()
        seq = ids
        greedy = []
        margin = float("inf")
        for _ in range(GREEDY):  # whole prefix each step: no cache, the reference semantics
            last = logits_of(model, seq)[-1]
            top = torch.topk(last, 2).values
            margin = min(margin, float(top[0] - top[1]))
            nxt = int(torch.argmax(last))
            greedy.append(nxt)
            seq = torch.cat([seq, torch.tensor([[nxt]])], dim=1)
        print(f"{name}: {n} tokens, max |logit| {np.abs(logits).max():.3g}, greedy {greedy}, "
              f"smallest top-2 margin in the greedy steps {margin:.2g}")
        out["sequences"].append({"tokens": ids[0].tolist(), "logits_from": 0,
                                 "logits": [[float(f"{x:.7g}") for x in row] for row in logits],
                                 "greedy": greedy})
    return out


def convert(hf_dir, outfile):
    r = llamacpp_converter.convert(hf_dir, outfile, "f32")
    if r.returncode != 0:
        sys.stderr.write(r.stdout[-4000:] + r.stderr[-8000:])
        return False
    return True


def check_reload(name, spec, hf_dir, model):
    cls = load_class(spec["cls"])
    again = cls.from_pretrained(hf_dir, attn_implementation="eager", dtype=torch.float32).eval()
    ids = torch.randint(3, VOCAB, (1, 24), generator=torch.Generator().manual_seed(7))
    diff = (logits_of(model, ids) - logits_of(again, ids)).abs().max().item()
    print(f"{name}: reloaded hf/ max |logit difference| {diff:.3g}")
    assert diff < 1e-5, diff


def shown_blocks(names, prefix):
    """Block 0, and the first block with routed experts when block 0 is dense (Mistral 4)."""
    blocks = {0}
    moe = sorted(int(n[len(prefix):].split(".")[0]) for n in names if n.startswith(prefix) and "exp" in n)
    if moe:
        blocks.add(moe[0])
    return blocks


def describe_gguf(path):
    import gguf
    r = gguf.GGUFReader(path)
    blocks = shown_blocks([t.name for t in r.tensors], "blk.")
    for key, field in r.fields.items():
        if key.startswith("GGUF.") or key in ("tokenizer.ggml.tokens", "tokenizer.ggml.token_type",
                                              "tokenizer.ggml.merges"):
            continue
        try:
            value = field.contents()
        except Exception as e:  # noqa: BLE001
            value = f"<{e}>"
        print(f"  {key} = {value!r}")
    for t in r.tensors:
        if t.name.startswith("blk.") and int(t.name.split(".")[1]) not in blocks:
            continue
        print(f"  tensor {t.name} {list(int(x) for x in t.shape)} {t.tensor_type.name}")
    return r


def permute_rows(w, n_head):
    """llama.cpp's LlamaModel.permute: HF rotate-half Q/K rows to RoPE's adjacent-pair order."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def compare_tensors(reader, hf, heads):
    """How each GGUF tensor (globals and block 0) relates to the HF tensors: copied, +1, Q/K-permuted,
    experts stacked, or derived some other way."""
    by_shape = {}
    for k, v in hf.items():
        by_shape.setdefault(tuple(v.shape), []).append(k)
    stacked = {}
    for k in hf:
        parts = k.split(".")
        if "experts" in parts and parts[parts.index("experts") + 1].isdigit():
            i = parts.index("experts")
            stacked.setdefault(".".join(parts[:i + 1] + parts[i + 2:]), []).append(k)
    for base, ks in stacked.items():
        ks.sort(key=lambda k: int(k.split(".")[k.split(".").index("experts") + 1]))
        hf[base + " (stacked)"] = np.stack([hf[k] for k in ks])
        by_shape.setdefault(tuple(hf[base + " (stacked)"].shape), []).append(base + " (stacked)")
    blocks = shown_blocks([t.name for t in reader.tensors], "blk.")
    for t in reader.tensors:
        if t.name.startswith("blk.") and int(t.name.split(".")[1]) not in blocks:
            continue
        a = np.asarray(t.data, dtype=np.float32).reshape([int(x) for x in reversed(t.shape)]).squeeze()
        how = "derived (no plain HF counterpart)"
        for k in by_shape.get(tuple(a.shape), []):
            b = hf[k]
            if np.array_equal(a, b):
                how = f"= {k}"
            elif np.allclose(a, b + 1, atol=1e-6):
                how = f"= {k} + 1"
            else:
                for h in sorted(set(heads)):
                    if a.ndim == 2 and a.shape[0] % (2 * h) == 0 and np.array_equal(a, permute_rows(b, h)):
                        how = f"= permute({k}, {h} heads)"
            if not how.startswith("derived"):
                break
        print(f"  {t.name}: {how}")


def build(name):
    spec = FAMILIES[name]
    d = os.path.join(OUT, name)
    hf_dir = os.path.join(d, "hf")
    os.makedirs(hf_dir, exist_ok=True)
    for f in os.listdir(hf_dir):
        os.remove(os.path.join(hf_dir, f))
    cfg = make_config(spec["config"])
    torch.manual_seed(spec["seed"])
    model = load_class(spec["cls"])(cfg).float().eval()
    randomize(model, spec["seed"], spec.get("norm_center", 1.0), spec.get("embed_std", 1.0))
    model.save_pretrained(hf_dir)
    gen = os.path.join(hf_dir, "generation_config.json")
    if os.path.exists(gen):
        os.remove(gen)
    make_tokenizer(hf_dir)
    with open(os.path.join(d, "golden.json"), "w") as f:
        json.dump(golden(name, model, spec["seed"]), f, separators=(",", ":"))
    check_reload(name, spec, hf_dir, model)
    from safetensors import safe_open
    with safe_open(os.path.join(hf_dir, "model.safetensors"), "pt") as st:
        keys = sorted(st.keys())
        blocks = shown_blocks([k.split("model.layers.", 1)[1] for k in keys if "model.layers." in k], "")
        print(f"{name}: hf tensors (globals, layers {sorted(blocks)}):")
        for k in keys:
            if ".layers." in k and int(k.split(".layers.", 1)[1].split(".")[0]) not in blocks:
                continue
            print(f"  {k} {list(st.get_slice(k).get_shape())}")
    gguf_path = os.path.join(d, "model.gguf")
    if os.path.exists(gguf_path):
        os.remove(gguf_path)
    ok = convert(hf_dir, gguf_path)
    if ok:
        print(f"{name}: model.gguf")
        reader = describe_gguf(gguf_path)
        from safetensors.numpy import load_file
        text = cfg.get_text_config()
        compare_tensors(reader, load_file(os.path.join(hf_dir, "model.safetensors")),
                        [text.num_attention_heads, text.num_key_value_heads])
    else:
        print(f"{name}: CONVERSION FAILED")
    sizes = {os.path.relpath(os.path.join(r, f), d): os.path.getsize(os.path.join(r, f))
             for r, _, fs in os.walk(d) for f in fs}
    print(f"{name}: files {sizes} total {sum(sizes.values())}")
    return ok


def main(names):
    for n in names:
        if n not in FAMILIES:
            sys.exit(f"unknown family {n}; known: {' '.join(FAMILIES)}")
    failed = [n for n in names if not build(n)]
    if failed:
        print("conversion failed for:", " ".join(failed))


if __name__ == "__main__":
    main(sys.argv[1:] or list(FAMILIES))
