import BoraFormats
import Foundation

extension Architecture {
    /// Gemma 3 text (transformers `Gemma3ForCausalLM`, the text model of `Gemma3ForConditionalGeneration`;
    /// llama.cpp `gemma3`): sandwich norms with (1 + w) weights, GeGLU with tanh GELU, QK-norm, embeddings
    /// times sqrt(width), attention scale 1 / sqrt(query_pre_attn_scalar), and interleaved local
    /// sliding-window layers (their own RoPE base, unscaled) and global layers.
    public static let gemma3 = Architecture(
        name: "gemma3", models: "Gemma 3",
        ggufNames: ["gemma3"],
        huggingFaceModelTypes: ["gemma3_text", "gemma3"],
        huggingFaceClasses: ["Gemma3ForCausalLM", "Gemma3ForConditionalGeneration"],
        ggufRopeStyle: .halves,
        traits: DecoderTraits(normPlacement: .sandwich, normForm: .onePlusWeight, activation: .geluTanh,
                              qkNorm: true, scaleEmbedding: true),
        tensorNames: TensorNames.llama.overriding(
            gguf: [.postAttentionNorm: "post_attention_norm", .postFeedForwardNorm: "post_ffw_norm"],
            huggingFace: [.postAttentionNorm: "post_attention_layernorm", .ffnNorm: "pre_feedforward_layernorm",
                          .postFeedForwardNorm: "post_feedforward_layernorm"]),
        readGGUF: { c, gguf, p throws(FormatError) in
            // llama.cpp (`llama_model_gemma3`): the window applies to all layers but every sixth (or the
            // file's `attention.sliding_window_pattern`), whose RoPE base is `rope.freq_base_swa` (10,000).
            if let w = c.slidingWindows.first, w > 0 {
                let pattern = try gguf.optionalInt(p + "attention.sliding_window_pattern") ?? 6
                c.slidingWindows = (0..<c.blockCount).map { pattern == 0 || $0 % pattern < pattern - 1 ? w : 0 }
                c.setLocalRope(RopeParameters(theta: try gguf.optionalDouble(p + "rope.freq_base_swa") ?? 10_000))
            }
            if let cap = try gguf.optionalDouble(p + "final_logit_softcapping"), cap > 0 { c.finalLogitSoftcap = Float(cap) }
            // llama.cpp's scale: 1 / sqrt(head size), except the 27B (62 layers): 1 / sqrt(width / heads).
            c.attentionScale = 1 / Float(c.blockCount == 62 ? c.embeddingLength / c.headCount : c.headDim).squareRoot()
        },
        readHuggingFace: { c, data, path throws(FormatError) in
            let k = try DecoderConfig.decode(Gemma3Keys.self, from: data, path: path)
            if let act = k.hiddenActivation ?? k.hiddenAct, !["gelu_pytorch_tanh", "gelu_tanh"].contains(act) {
                throw FormatError.invalid(path: path, what: "hidden_activation '\(act)' is not supported for Gemma 3 (gelu_pytorch_tanh)")
            }
            if let cap = k.attnLogitSoftcapping {
                throw FormatError.invalid(path: path, what: "attn_logit_softcapping (\(cap)) is set; Gemma 3 has none and Bora does not run attention soft-capping")
            }
            if let s = k.queryPreAttnScalar { c.attentionScale = 1 / Float(s).squareRoot() }
            if let cap = k.finalLogitSoftcapping { c.finalLogitSoftcap = Float(cap) }
            let h = try DecoderConfig.decode(HuggingFaceConfig.self, from: data, path: path)
            if h.layerTypes == nil, let w = h.slidingWindow {
                // transformers 4: every `sliding_window_pattern`-th layer is global.
                let pattern = k.slidingWindowPattern ?? 6
                c.slidingWindows = (0..<c.blockCount).map { ($0 + 1) % pattern != 0 ? w : 0 }
            }
            if let local = h.ropeObject(layerType: "sliding_attention"), case .perLayerType = h.ropeParameters {
                c.setLocalRope(RopeParameters(theta: local.ropeTheta ?? 10_000,
                                              scaling: try local.scaling(path: path, key: "rope_parameters.sliding_attention")))
            } else {
                c.setLocalRope(RopeParameters(theta: k.ropeLocalBaseFreq ?? 10_000))
            }
        })
}

struct Gemma3Keys: Decodable {
    var hiddenActivation: String?
    var hiddenAct: String?
    var queryPreAttnScalar: Double?
    var finalLogitSoftcapping: Double?
    var attnLogitSoftcapping: Double?
    var ropeLocalBaseFreq: Double?
    var slidingWindowPattern: Int?
    enum CodingKeys: String, CodingKey {
        case hiddenActivation = "hidden_activation", hiddenAct = "hidden_act", queryPreAttnScalar = "query_pre_attn_scalar"
        case finalLogitSoftcapping = "final_logit_softcapping", attnLogitSoftcapping = "attn_logit_softcapping"
        case ropeLocalBaseFreq = "rope_local_base_freq", slidingWindowPattern = "sliding_window_pattern"
    }
}
