/// Tensor names of the three checkpoint layouts Bora reads.
public enum CheckpointLayout: String, Sendable {
    /// llama.cpp's GGUF names (`blk.N.attn_q.weight`, ...).
    case gguf
    /// Hugging Face transformers (`model.layers.N.self_attn.q_proj.weight`, ...).
    case huggingFace
    /// Mistral's native consolidated checkpoints (`layers.N.attention.wq.weight`, ...).
    case mistral

    var embedding: String {
        switch self {
        case .gguf: return "token_embd.weight"
        case .huggingFace: return "model.embed_tokens.weight"
        case .mistral: return "tok_embeddings.weight"
        }
    }

    var outputNorm: String {
        switch self {
        case .gguf: return "output_norm.weight"
        case .huggingFace: return "model.norm.weight"
        case .mistral: return "norm.weight"
        }
    }

    var output: String {
        switch self {
        case .gguf, .mistral: return "output.weight"
        case .huggingFace: return "lm_head.weight"
        }
    }

    enum LayerTensor {
        case attentionNorm, q, k, v, o, ffnNorm, gate, up, down, router
    }

    func layer(_ l: Int, _ t: LayerTensor) -> String {
        switch self {
        case .gguf: return "blk.\(l).\(Self.ggufNames[t] ?? "").weight"
        case .huggingFace: return "model.layers.\(l).\(Self.huggingFaceNames[t] ?? "").weight"
        case .mistral: return "layers.\(l).\(Self.mistralNames[t] ?? "").weight"
        }
    }

    static let ggufNames: [LayerTensor: String] = [
        .attentionNorm: "attn_norm", .q: "attn_q", .k: "attn_k", .v: "attn_v", .o: "attn_output",
        .ffnNorm: "ffn_norm", .gate: "ffn_gate", .up: "ffn_up", .down: "ffn_down", .router: "ffn_gate_inp",
    ]
    static let huggingFaceNames: [LayerTensor: String] = [
        .attentionNorm: "input_layernorm", .q: "self_attn.q_proj", .k: "self_attn.k_proj", .v: "self_attn.v_proj",
        .o: "self_attn.o_proj", .ffnNorm: "post_attention_layernorm", .gate: "mlp.gate_proj", .up: "mlp.up_proj",
        .down: "mlp.down_proj", .router: "block_sparse_moe.gate",
    ]
    static let mistralNames: [LayerTensor: String] = [
        .attentionNorm: "attention_norm", .q: "attention.wq", .k: "attention.wk", .v: "attention.wv", .o: "attention.wo",
        .ffnNorm: "ffn_norm", .gate: "feed_forward.w1", .up: "feed_forward.w3", .down: "feed_forward.w2",
        .router: "feed_forward.gate",
    ]

    /// Expert e's matrix as a separate tensor (HF `block_sparse_moe.experts.E.w1`, Mistral
    /// `feed_forward.experts.E.w1`, older GGUF `blk.N.ffn_gate.E.weight`).
    func expert(_ l: Int, _ e: Int, _ t: LayerTensor) -> String {
        switch self {
        case .gguf:
            let n = t == .gate ? "ffn_gate" : t == .up ? "ffn_up" : "ffn_down"
            return "blk.\(l).\(n).\(e).weight"
        case .huggingFace, .mistral:
            let w = t == .gate ? "w1" : t == .up ? "w3" : "w2"
            let prefix = self == .huggingFace ? "model.layers.\(l).block_sparse_moe" : "layers.\(l).feed_forward"
            return "\(prefix).experts.\(e).\(w).weight"
        }
    }

    /// transformers 5's Mixtral router and fused experts (`mlp.gate`, `mlp.experts.gate_up_proj` / `down_proj`).
    static func fusedRouter(_ l: Int) -> String { "model.layers.\(l).mlp.gate.weight" }
    static func fusedExperts(_ l: Int, gateUp: Bool) -> String {
        "model.layers.\(l).mlp.experts.\(gateUp ? "gate_up_proj" : "down_proj")"
    }

    /// GGUF's stacked (n_expert, rows, cols) expert tensors `blk.N.ffn_{gate,up,down}_exps.weight`.
    func stackedExperts(_ l: Int, _ t: LayerTensor) -> String {
        let n = t == .gate ? "ffn_gate_exps" : t == .up ? "ffn_up_exps" : "ffn_down_exps"
        return "blk.\(l).\(n).weight"
    }
}
