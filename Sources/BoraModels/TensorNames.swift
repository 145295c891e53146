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
        case .gguf:
            let n: String
            switch t {
            case .attentionNorm: n = "attn_norm"
            case .q: n = "attn_q"
            case .k: n = "attn_k"
            case .v: n = "attn_v"
            case .o: n = "attn_output"
            case .ffnNorm: n = "ffn_norm"
            case .gate: n = "ffn_gate"
            case .up: n = "ffn_up"
            case .down: n = "ffn_down"
            case .router: n = "ffn_gate_inp"
            }
            return "blk.\(l).\(n).weight"
        case .huggingFace:
            let n: String
            switch t {
            case .attentionNorm: n = "input_layernorm"
            case .q: n = "self_attn.q_proj"
            case .k: n = "self_attn.k_proj"
            case .v: n = "self_attn.v_proj"
            case .o: n = "self_attn.o_proj"
            case .ffnNorm: n = "post_attention_layernorm"
            case .gate: n = "mlp.gate_proj"
            case .up: n = "mlp.up_proj"
            case .down: n = "mlp.down_proj"
            case .router: n = "block_sparse_moe.gate"
            }
            return "model.layers.\(l).\(n).weight"
        case .mistral:
            let n: String
            switch t {
            case .attentionNorm: n = "attention_norm"
            case .q: n = "attention.wq"
            case .k: n = "attention.wk"
            case .v: n = "attention.wv"
            case .o: n = "attention.wo"
            case .ffnNorm: n = "ffn_norm"
            case .gate: n = "feed_forward.w1"
            case .up: n = "feed_forward.w3"
            case .down: n = "feed_forward.w2"
            case .router: n = "feed_forward.gate"
            }
            return "layers.\(l).\(n).weight"
        }
    }

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
