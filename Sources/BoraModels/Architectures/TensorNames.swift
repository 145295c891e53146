import BoraFormats

/// The three checkpoint layouts Bora reads.
public enum CheckpointLayout: String, Sendable {
    /// llama.cpp's GGUF names (`blk.N.attn_q.weight`, ...).
    case gguf
    /// Hugging Face transformers (`model.layers.N.self_attn.q_proj.weight`, ...).
    case huggingFace
    /// Mistral's native consolidated checkpoints (`layers.N.attention.wq.weight`, ...).
    case mistral
}

/// A tensor of one decoder block. Which ones a block has depends on the family's traits.
public enum LayerTensor: Sendable, Hashable {
    case attentionNorm, q, k, v, o
    /// Per-head RMSNorm weights of q and k (QK-norm).
    case qNorm, kNorm
    /// Sandwich norms: on the attention output and on the feed-forward output.
    case postAttentionNorm, postFeedForwardNorm
    case ffnNorm, gate, up, down, router
    /// The shared expert's feed-forward (Mistral 4).
    case sharedGate, sharedUp, sharedDown
    /// Latent attention (Mistral 4): q_a_proj and its norm, q_b_proj, kv_a_proj_with_mqa and its norm,
    /// kv_b_proj (Hugging Face), attn_k_b / attn_v_b (GGUF: kv_b_proj split per head).
    case queryA, queryANorm, queryB, kvA, kvANorm, kvB, keyB, valueB
}

/// A family's tensor names in each layout: the names of a block's tensors relative to the block's prefix,
/// and the prefix of the text model in Hugging Face checkpoints (`model.`, or `model.language_model.` for a
/// vision-language checkpoint). Families declare only where they differ from Llama's (`overriding`).
public struct TensorNames: Sendable {
    public var gguf: [LayerTensor: String]
    public var huggingFace: [LayerTensor: String]
    public var mistral: [LayerTensor: String]
    /// Prefixes of the text model's tensors in Hugging Face checkpoints, tried in order (the first whose
    /// embedding exists is used), and the output projection's name under each.
    public var huggingFacePrefixes: [(model: String, output: String)]

    /// llama.cpp's `LLM_TENSOR_*` names (`src/llama-arch.cpp`), transformers' Llama module names and
    /// mistral-inference's. The Hugging Face prefixes cover text-only checkpoints and the text model of
    /// vision-language ones (transformers 5's `model.language_model.`, 4's `language_model.model.`).
    public static let llama = TensorNames(
        gguf: [.attentionNorm: "attn_norm", .q: "attn_q", .k: "attn_k", .v: "attn_v", .o: "attn_output",
               .qNorm: "attn_q_norm", .kNorm: "attn_k_norm", .postAttentionNorm: "post_attention_norm",
               .postFeedForwardNorm: "post_ffw_norm", .ffnNorm: "ffn_norm", .gate: "ffn_gate", .up: "ffn_up",
               .down: "ffn_down", .router: "ffn_gate_inp", .sharedGate: "ffn_gate_shexp", .sharedUp: "ffn_up_shexp",
               .sharedDown: "ffn_down_shexp", .queryA: "attn_q_a", .queryANorm: "attn_q_a_norm", .queryB: "attn_q_b",
               .kvA: "attn_kv_a_mqa", .kvANorm: "attn_kv_a_norm", .keyB: "attn_k_b", .valueB: "attn_v_b"],
        huggingFace: [.attentionNorm: "input_layernorm", .q: "self_attn.q_proj", .k: "self_attn.k_proj",
                      .v: "self_attn.v_proj", .o: "self_attn.o_proj", .qNorm: "self_attn.q_norm", .kNorm: "self_attn.k_norm",
                      .ffnNorm: "post_attention_layernorm", .gate: "mlp.gate_proj", .up: "mlp.up_proj",
                      .down: "mlp.down_proj", .router: "block_sparse_moe.gate", .sharedGate: "mlp.shared_experts.gate_proj",
                      .sharedUp: "mlp.shared_experts.up_proj", .sharedDown: "mlp.shared_experts.down_proj",
                      .queryA: "self_attn.q_a_proj", .queryANorm: "self_attn.q_a_layernorm", .queryB: "self_attn.q_b_proj",
                      .kvA: "self_attn.kv_a_proj_with_mqa", .kvANorm: "self_attn.kv_a_layernorm", .kvB: "self_attn.kv_b_proj"],
        mistral: [.attentionNorm: "attention_norm", .q: "attention.wq", .k: "attention.wk", .v: "attention.wv",
                  .o: "attention.wo", .ffnNorm: "ffn_norm", .gate: "feed_forward.w1", .up: "feed_forward.w3",
                  .down: "feed_forward.w2", .router: "feed_forward.gate"],
        huggingFacePrefixes: [("model.", "lm_head.weight"), ("model.language_model.", "lm_head.weight"),
                              ("language_model.model.", "language_model.lm_head.weight")])

    /// These names with some replaced.
    public func overriding(gguf g: [LayerTensor: String] = [:], huggingFace h: [LayerTensor: String] = [:]) -> TensorNames {
        var copy = self
        copy.gguf.merge(g) { $1 }
        copy.huggingFace.merge(h) { $1 }
        return copy
    }
}

/// The names of one checkpoint's tensors: a family's `TensorNames` in one layout, with the Hugging Face
/// prefix resolved against the file.
public struct TensorNaming: Sendable {
    public let layout: CheckpointLayout
    let names: TensorNames
    /// The Hugging Face text-model prefix found in the checkpoint (`model.` when none matched).
    let prefix: String
    let outputName: String

    public init(layout: CheckpointLayout, names: TensorNames, store: TensorStore? = nil) {
        self.layout = layout
        self.names = names
        var chosen = names.huggingFacePrefixes.first ?? ("model.", "lm_head.weight")
        if let store {
            for p in names.huggingFacePrefixes where store.contains(p.model + "embed_tokens.weight") {
                chosen = p
                break
            }
        }
        prefix = chosen.model
        outputName = chosen.output
    }

    public var embedding: String {
        switch layout {
        case .gguf: return "token_embd.weight"
        case .huggingFace: return prefix + "embed_tokens.weight"
        case .mistral: return "tok_embeddings.weight"
        }
    }

    public var outputNorm: String {
        switch layout {
        case .gguf: return "output_norm.weight"
        case .huggingFace: return prefix + "norm.weight"
        case .mistral: return "norm.weight"
        }
    }

    public var output: String {
        switch layout {
        case .gguf, .mistral: return "output.weight"
        case .huggingFace: return outputName
        }
    }

    /// Block l's tensor t (`.weight`, or `.bias` with `bias`).
    public func layer(_ l: Int, _ t: LayerTensor, bias: Bool = false) -> String {
        let suffix = bias ? ".bias" : ".weight"
        switch layout {
        case .gguf: return "blk.\(l).\(names.gguf[t] ?? "")" + suffix
        case .huggingFace: return "\(prefix)layers.\(l).\(names.huggingFace[t] ?? "")" + suffix
        case .mistral: return "layers.\(l).\(names.mistral[t] ?? "")" + suffix
        }
    }

    /// Expert e's matrix as a separate tensor (HF `block_sparse_moe.experts.E.w1` or `mlp.experts.E.gate_proj`,
    /// Mistral `feed_forward.experts.E.w1`, older GGUF `blk.N.ffn_gate.E.weight`).
    func expert(_ l: Int, _ e: Int, _ t: LayerTensor, qwenStyle: Bool = false) -> String {
        switch layout {
        case .gguf:
            let n = t == .gate ? "ffn_gate" : t == .up ? "ffn_up" : "ffn_down"
            return "blk.\(l).\(n).\(e).weight"
        case .huggingFace where qwenStyle:
            let w = t == .gate ? "gate_proj" : t == .up ? "up_proj" : "down_proj"
            return "\(prefix)layers.\(l).mlp.experts.\(e).\(w).weight"
        case .huggingFace, .mistral:
            let w = t == .gate ? "w1" : t == .up ? "w3" : "w2"
            let p = layout == .huggingFace ? "\(prefix)layers.\(l).block_sparse_moe" : "layers.\(l).feed_forward"
            return "\(p).experts.\(e).\(w).weight"
        }
    }

    /// transformers 5's router and fused experts (`mlp.gate`, `mlp.experts.gate_up_proj` / `down_proj`).
    func fusedRouter(_ l: Int) -> String { "\(prefix)layers.\(l).mlp.gate.weight" }
    func fusedExperts(_ l: Int, gateUp: Bool) -> String {
        "\(prefix)layers.\(l).mlp.experts.\(gateUp ? "gate_up_proj" : "down_proj")"
    }

    /// GGUF's stacked (n_expert, rows, cols) expert tensors `blk.N.ffn_{gate,up,down}_exps.weight`.
    /// GGUF's fused (n_expert, 2 ffn, cols) gate-and-up experts `blk.N.ffn_gate_up_exps.weight` (Mistral 4).
    public func stackedGateUp(_ l: Int) -> String { "blk.\(l).ffn_gate_up_exps.weight" }

    public func stackedExperts(_ l: Int, _ t: LayerTensor) -> String {
        let n = t == .gate ? "ffn_gate_exps" : t == .up ? "ffn_up_exps" : "ffn_down_exps"
        return "blk.\(l).\(n).weight"
    }
}
