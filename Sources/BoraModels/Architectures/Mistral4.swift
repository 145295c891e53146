import BoraFormats
import Foundation

extension Architecture {
    /// Mistral Small 4 (transformers `mistral4`, the text model of its `Mistral3ForConditionalGeneration`;
    /// llama.cpp `mistral4`, a DeepSeek V2 graph): multi-head latent attention (`LatentAttention`, run
    /// absorbed over a compressed cache) with YaRN RoPE on interleaved pairs, and a mixture of experts with
    /// a shared expert after `first_k_dense_replace` dense layers: softmax routing, group-limited top-k,
    /// renormalized, times `routed_scaling_factor`. The softmax scale carries YaRN's mscale(mscale_all_dim)^2.
    public static let mistral4 = Architecture(
        name: "mistral4", models: "Mistral Small 4",
        ggufNames: ["mistral4"],
        huggingFaceModelTypes: ["mistral4"],
        huggingFaceClasses: ["Mistral4ForCausalLM"],
        readGGUF: { c, gguf, p throws(FormatError) in
            func need(_ key: String) throws(FormatError) -> Int {
                guard let v = try gguf.optionalInt(p + key) else { throw FormatError.missingKey(path: gguf.path, key: p + key) }
                return v
            }
            let kvRank = try need("attention.kv_lora_rank")
            let keyLength = try need("attention.key_length_mla")
            let rope = try need("rope.dimension_count")
            guard keyLength > rope else {
                throw FormatError.invalid(path: gguf.path, what: "\(p)attention.key_length_mla (\(keyLength)) must exceed \(p)rope.dimension_count (\(rope))")
            }
            let latent = LatentAttention(queryRank: try gguf.optionalInt(p + "attention.q_lora_rank"), kvRank: kvRank,
                                         nopeDim: keyLength - rope, ropeDim: rope, valueDim: try need("attention.value_length_mla"))
            if let k = try gguf.optionalInt(p + "attention.key_length"), k != latent.latentDim {
                throw FormatError.invalid(path: gguf.path, what: "\(p)attention.key_length is \(k) but kv_lora_rank + rope is \(latent.latentDim): the MLA ranks do not match")
            }
            latent.apply(to: &c)
            c.sharedExpertFeedForwardLength = (try gguf.optionalInt(p + "expert_shared_count") ?? 0) * c.expertFeedForwardLength
            c.leadingDenseLayers = try gguf.optionalInt(p + "leading_dense_block_count") ?? 0
            c.expertGroups = try gguf.optionalInt(p + "expert_group_count") ?? 1
            c.expertGroupsUsed = try gguf.optionalInt(p + "expert_group_used_count") ?? 1
            c.expertWeightsScale = Float(try gguf.optionalDouble(p + "expert_weights_scale") ?? 1)
            c.normalizeExpertWeights = gguf.metadata[p + "expert_weights_norm"]?.bool ?? false
            if let gating = try gguf.optionalInt(p + "expert_gating_func"), gating != 1 {
                throw FormatError.invalid(path: gguf.path, what: "\(p)expert_gating_func is \(gating); Bora runs softmax routing (1) for this family")
            }
            // llama.cpp's DeepSeek V2 graph: the converter writes 0.1 x mscale_all_dim, mscale is taken as 1.
            var mscaleAllDim: Double?
            if let logMul = try gguf.optionalDouble(p + "rope.scaling.yarn_log_multiplier") { mscaleAllDim = logMul / 0.1 }
            if let yarn = try DecoderConfig.ggufYarn(gguf, p, contextLength: c.contextLength, mscaleAllDim: mscaleAllDim),
               case let .yarn(factor, _, _, _, _) = yarn {
                c.rope.scaling = yarn
                let m = RopeScaling.yarnAttentionFactor(factor: factor, mscale: nil, mscaleAllDim: nil)
                c.attentionScale = Float(m * m / Double(latent.queryHeadDim).squareRoot())
            } else {
                c.attentionScale = 1 / Float(latent.queryHeadDim).squareRoot()
            }
            if let beta = try gguf.optionalDouble(p + "attention.temperature_scale"), beta != 0 {
                var length = try gguf.optionalInt(p + "attention.temperature_length")
                if length == nil { length = try gguf.optionalInt(p + "rope.scaling.original_context_length") }
                c.attentionTemperature = AttentionTemperature(beta: beta, originalContext: length ?? c.contextLength)
            }
        },
        readHuggingFace: { c, data, path throws(FormatError) in
            let k = try DecoderConfig.decode(Mistral4Keys.self, from: data, path: path)
            let latent = LatentAttention(queryRank: k.qLoraRank, kvRank: k.kvLoraRank, nopeDim: k.qkNopeHeadDim,
                                         ropeDim: k.qkRopeHeadDim, valueDim: k.vHeadDim)
            latent.apply(to: &c)
            c.ropeStyle = k.ropeInterleave ?? true ? .adjacentPairs : .halves
            if let n = k.nRoutedExperts { c.expertCount = n }
            c.expertsPerToken = k.numExpertsPerTok ?? c.expertsPerToken
            c.expertFeedForwardLength = k.moeIntermediateSize
            c.sharedExpertFeedForwardLength = (k.nSharedExperts ?? 0) * k.moeIntermediateSize
            c.leadingDenseLayers = k.firstKDenseReplace ?? 0
            c.expertGroups = k.nGroup ?? 1
            c.expertGroupsUsed = k.topkGroup ?? 1
            c.expertWeightsScale = Float(k.routedScalingFactor ?? 1)
            c.normalizeExpertWeights = k.normTopkProb ?? false
            if k.attentionBias == true {
                throw FormatError.invalid(path: path, what: "attention_bias is true; Bora runs Mistral 4 checkpoints without attention biases")
            }
            // transformers `yarn_apply_mscale`: the softmax scale carries mscale(factor, mscale_all_dim)^2.
            let h = try DecoderConfig.decode(HuggingFaceConfig.self, from: data, path: path)
            var scale = 1 / Double(latent.queryHeadDim).squareRoot()
            if let r = h.ropeObject(), (r.ropeType ?? r.type ?? "default") != "default", let all = r.mscaleAllDim, all != 0, let f = r.factor {
                let m = f <= 1 ? 1 : 0.1 * all * log(f) + 1
                scale *= m * m
            }
            c.attentionScale = Float(scale)
            c.attentionTemperature = try h.attentionTemperature(path: path)
        })
}

struct Mistral4Keys: Decodable {
    var qLoraRank: Int?
    var kvLoraRank: Int
    var qkNopeHeadDim: Int
    var qkRopeHeadDim: Int
    var vHeadDim: Int
    var ropeInterleave: Bool?
    var nRoutedExperts: Int?
    var numExpertsPerTok: Int?
    var nSharedExperts: Int?
    var moeIntermediateSize: Int
    var firstKDenseReplace: Int?
    var nGroup: Int?
    var topkGroup: Int?
    var routedScalingFactor: Double?
    var normTopkProb: Bool?
    var attentionBias: Bool?
    enum CodingKeys: String, CodingKey {
        case qLoraRank = "q_lora_rank", kvLoraRank = "kv_lora_rank", qkNopeHeadDim = "qk_nope_head_dim"
        case qkRopeHeadDim = "qk_rope_head_dim", vHeadDim = "v_head_dim", ropeInterleave = "rope_interleave"
        case nRoutedExperts = "n_routed_experts", numExpertsPerTok = "num_experts_per_tok", nSharedExperts = "n_shared_experts"
        case moeIntermediateSize = "moe_intermediate_size", firstKDenseReplace = "first_k_dense_replace", nGroup = "n_group"
        case topkGroup = "topk_group", routedScalingFactor = "routed_scaling_factor", normTopkProb = "norm_topk_prob"
        case attentionBias = "attention_bias"
    }
}
