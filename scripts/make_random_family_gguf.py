#!/usr/bin/env python3
"""Randomly initialised benchmark GGUFs for two more families, made the way real ones are: a model built
with transformers from a config dict (no hub, nothing downloads), saved with save_pretrained, converted by
llama.cpp's own convert_hf_to_gguf.py (BF16) and quantized by llama.cpp (llama_model_quantize).

  qwen3     Qwen3ForCausalLM shaped like Qwen3-1.7B: 28 layers, 2048 wide, 16 heads, 8 KV heads, head_dim
            128, FFN 6144, tied output, QK-norm, rope_theta 1e6, context 4096. The vocabulary is 32000
            tokens instead of the real 151936 (smaller files; every layer is as in the real model):
            about 1.47B parameters (1.72B with the real vocabulary).
            -> OUT_DIR/random-qwen3-1.7b.TYPE.gguf
  mistral4  transformers `mistral4` (Mistral Small 4: MLA attention + MoE with a shared expert), scaled
            from the released 119B (hidden 4096, 36 layers, 32 heads, 128 experts, 4 per token) to about
            1.4B total and 0.4B active per token, with its head sizes and ratios: hidden 1536, 16 layers,
            12 heads (heads * v_head_dim = hidden, as released), q_lora_rank 512 (hidden / 3; released
            hidden / 4, rounded up to a multiple of 256 for the k-quants), kv_lora_rank 256, qk_nope 64,
            qk_rope 64, v_head 128 (as released, i.e. transformers' Mistral4Config defaults), 32 routed
            experts of 512 with 4 per token + 1 shared expert, the first layer dense (FFN 4608 = 3 *
            hidden, as released 12288 = 3 * 4096), norm_topk_prob, routed_scaling_factor 1.0, n_group =
            topk_group = 1, YaRN RoPE (theta 1e4, factor 4 over 8192 -> 32768). Vocabulary 32768. Wrapped,
            as released, in Mistral3ForConditionalGeneration with a tiny Pixtral vision tower (llama.cpp's
            converter registers that class; the vision tensors stay out of the text GGUF, whose
            architecture is `mistral4`).
            -> OUT_DIR/random-mistral4-moe.TYPE.gguf

Weights are N(0, 0.02) from a fixed seed (torch.Generator, per family), norm weights 1, stored in BF16.
The tokenizer is a byte-level BPE (GPT-2 regex) of exactly the config's vocabulary: 3 specials (<pad> <s>
</s>), the 256 byte symbols, then deterministic synthetic merges (letter/digit pairs, then triples, most
frequent English letters first), so it tokenizes text sensibly and needs no corpus (BOS added for mistral4, not for qwen3, as in
the released models). The converter does
not know its pre-tokenizer hash; as in make_family_goldens.py the conversion runs in a child process that
answers "gpt-2" for an unknown hash.

Steps per family: build + save (temporary directory), convert to a BF16 GGUF, quantize to each --types
entry, load each output in llama.cpp and evaluate 8 tokens, delete the BF16 GGUF and the temporary
directory. Output files that exist are left alone (and skipped). Not committed (0.9-1.6 GB each); make
them when benchmarking:

    nice /opt/torchenv/bin/python scripts/make_random_family_gguf.py --family qwen3 --out-dir models
    nice /opt/torchenv/bin/python scripts/make_random_family_gguf.py --family mistral4 --out-dir models --types Q4_K_M

Needs torch + transformers + tokenizers (the running interpreter), llama.cpp's converter source (LLAMA_CPP,
default below) and llama-cpp-python in another interpreter (LLAMA_PYTHON, default `python3` on PATH) for
quantizing and the load check. Peak memory about 3.5 GB, temporary disk about 6 GB; about 2.5 minutes
per family (both types) on 2 cores.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import llamacpp_converter

LLAMA_PYTHON = os.environ.get("LLAMA_PYTHON", "python3")
PAD, BOS, EOS = 0, 1, 2
STD = 0.02
FTYPES = {"Q4_K_M": "LLAMA_FTYPE_MOSTLY_Q4_K_M", "Q8_0": "LLAMA_FTYPE_MOSTLY_Q8_0"}


# ------------------------------------------------------------------------------ child processes
# (before importing torch: the quantize/check child runs in llama-cpp-python's interpreter)

def quantize_main(src, dst, type_name, threads):
    import ctypes
    import llama_cpp
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, FTYPES[type_name])
    params.nthread = threads
    rc = llama_cpp.llama_model_quantize(src.encode(), dst.encode(), ctypes.byref(params))
    if rc != 0:
        sys.exit(f"llama_model_quantize({type_name}) returned {rc}")


def check_main(path, arch, threads):
    """Load in llama.cpp, check the architecture, evaluate 8 tokens."""
    import llama_cpp
    import numpy as np
    llm = llama_cpp.Llama(model_path=path, n_ctx=256, n_threads=threads, logits_all=True, verbose=False)
    got = llm.metadata.get("general.architecture")
    if got != arch:
        sys.exit(f"{path}: general.architecture is {got!r}, expected {arch!r}")
    tokens = llm.tokenize(b"The quick brown fox jumps over", add_bos=True)[:8]
    tokens += [BOS] * (8 - len(tokens))
    t = time.time()
    llm.eval(tokens)
    dt = time.time() - t
    logits = np.asarray(llm.scores[:llm.n_tokens])
    if llm.n_tokens != 8 or not np.all(np.isfinite(logits)) or logits.std(axis=1).min() == 0:
        sys.exit(f"{path}: bad logits after {llm.n_tokens} tokens")
    print(f"  llama.cpp: {os.path.basename(path)} arch {got}, n_vocab {llm.n_vocab()}, evaluated 8 tokens "
          f"{tokens} in {dt:.2f} s: logits finite, std per position {logits.std(axis=1).min():.3g}-"
          f"{logits.std(axis=1).max():.3g}, greedy next {logits.argmax(axis=1).tolist()}")


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] in ("--quantize", "--check"):
    mode, rest = sys.argv[1], sys.argv[2:]
    if mode == "--quantize":
        quantize_main(rest[0], rest[1], rest[2], int(rest[3]))
    else:
        check_main(rest[0], rest[1], int(rest[2]))
    sys.exit(0)


# ------------------------------------------------------------------------------ families

QWEN3 = dict(
    cls="Qwen3ForCausalLM", arch="qwen3", stem="random-qwen3-1.7b", seed=1701, add_bos=False,
    config=dict(model_type="qwen3", vocab_size=32000, hidden_size=2048, intermediate_size=6144,
                num_hidden_layers=28, num_attention_heads=16, num_key_value_heads=8, head_dim=128,
                max_position_embeddings=4096, rms_norm_eps=1e-6, tie_word_embeddings=True,
                use_sliding_window=False, sliding_window=None, attention_bias=False, hidden_act="silu",
                pad_token_id=PAD, bos_token_id=BOS, eos_token_id=EOS,
                rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}))

MISTRAL4_TEXT = dict(
    model_type="mistral4", vocab_size=32768, hidden_size=1536, intermediate_size=4608, num_hidden_layers=16,
    num_attention_heads=12, num_key_value_heads=12, q_lora_rank=512, kv_lora_rank=256, qk_rope_head_dim=64,
    qk_nope_head_dim=64, v_head_dim=128, n_routed_experts=32, num_experts_per_tok=4, n_shared_experts=1,
    moe_intermediate_size=512, n_group=1, topk_group=1, routed_scaling_factor=1.0, norm_topk_prob=True,
    first_k_dense_replace=1, rope_interleave=True, attention_bias=False, hidden_act="silu",
    max_position_embeddings=32768, rms_norm_eps=1e-6, tie_word_embeddings=False,
    pad_token_id=PAD, bos_token_id=BOS, eos_token_id=EOS,
    rope_parameters={"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0,
                     "original_max_position_embeddings": 8192, "max_position_embeddings": 32768,
                     "beta_fast": 32.0, "beta_slow": 1.0, "mscale": 1.0, "mscale_all_dim": 1.0,
                     "llama_4_scaling_beta": 0.1, "partial_rotary_factor": 64 / 128})

# As make_family_goldens.py's MISTRAL3_WRAPPER: a tiny Pixtral tower and projector the text GGUF leaves out.
MISTRAL4 = dict(
    cls="Mistral3ForConditionalGeneration", arch="mistral4", stem="random-mistral4-moe", seed=1704, add_bos=True,
    config=dict(model_type="mistral3", tie_word_embeddings=False, image_token_index=10,
                projector_hidden_act="gelu", vision_feature_layer=-1, multimodal_projector_bias=False,
                spatial_merge_size=2, text_config=MISTRAL4_TEXT,
                vision_config=dict(model_type="pixtral", hidden_size=32, intermediate_size=64,
                                   num_hidden_layers=1, num_attention_heads=2, head_dim=16, num_channels=3,
                                   image_size=32, patch_size=8, hidden_act="silu",
                                   rope_parameters={"rope_type": "default", "rope_theta": 10000.0})))

FAMILIES = {"qwen3": QWEN3, "mistral4": MISTRAL4}


# ------------------------------------------------------------------------------ tokenizer

LETTERS = "etaoinshrdlcumwfgypbvkjxqz"
SYMBOLS = LETTERS + LETTERS.upper() + "0123456789"


def synthetic_merges(n):
    """n byte-level BPE merges: 'Ġ'/symbol + symbol pairs, then pair + letter triples, each level in
    order of summed frequency rank so the most English-like ones come first. Every merge joins two
    existing tokens into a new, distinct one."""
    firsts = ["Ġ"] + list(SYMBOLS)
    rank = {c: i for i, c in enumerate(firsts)}
    pairs = sorted(((a, b) for a in firsts for b in SYMBOLS), key=lambda p: (rank[p[0]] + rank[p[1]], rank[p[0]]))
    merges = list(pairs)
    if len(merges) < n:
        lrank = {c: i for i, c in enumerate(LETTERS)}
        prank = {a + b: i for i, (a, b) in enumerate(pairs)}
        triples = sorted(((a + b, c) for a, b in pairs for c in LETTERS),
                         key=lambda t: (prank[t[0]] + 40 * lrank[t[1]], prank[t[0]]))
        merges += triples
    if len(merges) < n:
        raise ValueError(f"only {len(merges)} synthetic merges, {n} needed")
    return merges[:n]


def make_tokenizer(d, vocab_size, add_bos):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors
    specials = ["<pad>", "<s>", "</s>"]
    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    vocab = {t: i for i, t in enumerate(specials + alphabet)}
    merges = synthetic_merges(vocab_size - len(vocab))
    for a, b in merges:
        assert a in vocab and b in vocab and a + b not in vocab, (a, b)
        vocab[a + b] = len(vocab)
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    if add_bos:  # the converter reads add_bos_token from the post-processor, not tokenizer_config.json
        tok.post_processor = processors.Sequence([
            processors.ByteLevel(trim_offsets=False),
            processors.TemplateProcessing(single="<s> $A", pair="<s> $A $B", special_tokens=[("<s>", BOS)])])
    tok.add_special_tokens(specials)
    assert tok.get_vocab_size() == vocab_size, tok.get_vocab_size()
    assert [tok.token_to_id(t) for t in specials] == [PAD, BOS, EOS]
    tok.save(os.path.join(d, "tokenizer.json"))
    with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<s>", "eos_token": "</s>",
                   "pad_token": "<pad>", "unk_token": None, "add_bos_token": add_bos, "add_eos_token": False,
                   "clean_up_tokenization_spaces": False, "model_max_length": 4096}, f, indent=2)
    print(f"  tokenizer: {vocab_size} tokens; 'The quick brown fox' -> "
          f"{tok.encode('The quick brown fox').tokens}")


# ------------------------------------------------------------------------------ model

def build_model(spec, layers=None):
    import torch
    import transformers
    from transformers import AutoConfig
    from transformers.initialization import no_init_weights
    kwargs = json.loads(json.dumps(spec["config"]))
    if layers is not None:  # quick pipeline checks only: the output names stay the same
        (kwargs.get("text_config") or kwargs)["num_hidden_layers"] = layers
    cfg = AutoConfig.for_model(kwargs.pop("model_type"), **kwargs)
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.bfloat16)
    try:
        with no_init_weights():
            model = getattr(transformers, spec["cls"])(cfg)
    finally:
        torch.set_default_dtype(old)
    model.tie_weights()  # no_init_weights skips it: without this a tied lm_head is saved as its own tensor
    if cfg.get_text_config().tie_word_embeddings:
        assert model.get_output_embeddings().weight is model.get_input_embeddings().weight
    g = torch.Generator().manual_seed(spec["seed"])
    with torch.no_grad():
        for name, p in model.named_parameters():  # tied parameters appear once
            if p.dim() == 1 and name.endswith("bias"):
                p.zero_()
            elif p.dim() == 1:  # RMSNorm weights (text and vision)
                p.fill_(1.0)
            else:
                p.normal_(0.0, STD, generator=g)
    return model.to(torch.bfloat16).eval(), cfg


def count(model, cfg):
    text = cfg.get_text_config()
    total = routed = 0
    for name, p in model.named_parameters():
        if "vision_tower" in name or "multi_modal_projector" in name:
            continue  # not in the text GGUF
        total += p.numel()
        if ".mlp.experts." in name:
            routed += p.numel()
    e = getattr(text, "n_routed_experts", None)
    active = total - routed + (routed * text.num_experts_per_tok // e if e else 0)
    return total, active


def run_child(args, what, python=None):
    env = dict(os.environ)
    env.pop("NO_LOCAL_GGUF", None)
    r = subprocess.run([python or sys.executable, os.path.abspath(__file__)] + args, env=env,
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout[-4000:] + r.stderr[-8000:])
        sys.exit(f"{what} failed (exit {r.returncode})")
    return r.stdout


def gb(path):
    return f"{os.path.getsize(path) / 1e9:.3f} GB ({os.path.getsize(path)} bytes)"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--family", choices=sorted(FAMILIES), required=True)
    ap.add_argument("--out-dir", default="models")
    ap.add_argument("--types", nargs="+", choices=list(FTYPES), default=list(FTYPES))
    ap.add_argument("--threads", type=int, default=2, help="llama.cpp threads (quantize, check)")
    ap.add_argument("--layers", type=int, help=argparse.SUPPRESS)  # quick pipeline checks only
    ap.add_argument("--no-check", action="store_true", help="skip loading the outputs in llama.cpp")
    a = ap.parse_args()
    spec = FAMILIES[a.family]
    outs = {t: os.path.join(a.out_dir, f"{spec['stem']}.{t}.gguf") for t in a.types}
    todo = {t: p for t, p in outs.items() if not os.path.exists(p)}
    for t, p in outs.items():
        if t not in todo:
            print(f"{p} exists")
    if not todo:
        return
    os.makedirs(a.out_dir, exist_ok=True)
    import torch
    torch.set_num_threads(a.threads)
    tmp = tempfile.mkdtemp(prefix=f"random-{a.family}-", dir=a.out_dir)
    times = {}
    try:
        t0 = time.time()
        model, cfg = build_model(spec, a.layers)
        total, active = count(model, cfg)
        print(f"{a.family}: {total:,} parameters ({total / 1e9:.3f}B) in the text model, "
              f"{active:,} ({active / 1e9:.3f}B) active per token (embedding and output included)")
        hf = os.path.join(tmp, spec["stem"])  # the converter's general.name comes from the directory name
        model.save_pretrained(hf)
        del model
        gen = os.path.join(hf, "generation_config.json")
        if os.path.exists(gen):
            os.remove(gen)
        make_tokenizer(hf, cfg.get_text_config().vocab_size, spec["add_bos"])
        times["build + save_pretrained"] = time.time() - t0

        t0 = time.time()
        bf16 = os.path.join(tmp, f"{spec['stem']}.BF16.gguf")
        r = llamacpp_converter.convert(hf, bf16, "bf16")
        if r.returncode != 0:
            sys.stderr.write(r.stdout[-4000:] + r.stderr[-8000:])
            sys.exit(f"convert_hf_to_gguf.py failed (exit {r.returncode})")
        shutil.rmtree(hf)
        times["convert (BF16 GGUF)"] = time.time() - t0
        print(f"  {bf16}: {gb(bf16)}")

        for t, out in todo.items():
            t0 = time.time()
            part = out + ".tmp"
            try:
                run_child(["--quantize", bf16, part, t, str(a.threads)], f"quantize {t}", LLAMA_PYTHON)
            except BaseException:
                if os.path.exists(part):
                    os.remove(part)
                raise
            os.replace(part, out)
            times[f"quantize {t}"] = time.time() - t0
            print(f"  {out}: {gb(out)}")
        os.remove(bf16)

        if not a.no_check:
            for t, out in todo.items():
                t0 = time.time()
                sys.stdout.write(run_child(["--check", out, spec["arch"], str(a.threads)], f"check {out}",
                                           LLAMA_PYTHON))
                times[f"check {t}"] = time.time() - t0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("  times: " + ", ".join(f"{k} {v:.0f} s" for k, v in times.items()))


if __name__ == "__main__":
    main()
