import BoraFormats
import BoraModels
import Foundation

/// The `general.*` and `{arch}.*` metadata llama.cpp's convert_hf_to_gguf.py writes for a checkpoint of a
/// family in the registry (`general.architecture` is the family's GGUF name), with its value types:
/// counts uint32, frequencies and epsilons float32.
enum GGUFModelMetadata {
    static func keys(_ c: DecoderConfig, name: String, target: ConvertTarget, path: String) throws(ConversionError) -> [(String, GGUFValue)] {
        guard let family = c.family else {
            throw .unsupportedCheckpoint(path: path, reason: "its architecture '\(c.architecture)' is not in the registry")
        }
        let arch = family.ggufName, p = arch + "."
        func u32(_ v: Int) -> GGUFValue { .uint32(UInt32(clamping: v)) }
        var m: [(String, GGUFValue)] = [
            ("general.architecture", .string(arch)),
            ("general.name", .string(name)),
            (p + "vocab_size", u32(c.vocabularySize)),
            (p + "context_length", u32(c.contextLength)),
            (p + "embedding_length", u32(c.embeddingLength)),
            (p + "block_count", u32(c.blockCount)),
            (p + "feed_forward_length", u32(c.feedForwardLength)),
            (p + "attention.head_count", u32(c.headCount)),
            (p + "attention.head_count_kv", u32(c.headCountKV)),
            (p + "rope.freq_base", .float32(Float(c.rope.theta))),
            (p + "attention.layer_norm_rms_epsilon", .float32(c.rmsNormEpsilon)),
        ]
        if let a = c.latentAttention {
            // llama.cpp's DeepSeek V2 keys: the MQA view (latent width, kv rank) and the per-head MLA sizes.
            if let r = a.queryRank { m.append((p + "attention.q_lora_rank", u32(r))) }
            m.append((p + "attention.kv_lora_rank", u32(a.kvRank)))
            m.append((p + "attention.key_length", u32(a.latentDim)))
            m.append((p + "attention.value_length", u32(a.kvRank)))
            m.append((p + "attention.key_length_mla", u32(a.queryHeadDim)))
            m.append((p + "attention.value_length_mla", u32(a.valueDim)))
        } else if c.headDim * c.headCount != c.embeddingLength {
            // Heads narrower or wider than embedding / heads (Mistral Nemo, Qwen 3, Gemma 3): llama.cpp's
            // default is embedding / heads.
            m.append((p + "attention.key_length", u32(c.headDim)))
            m.append((p + "attention.value_length", u32(c.headDim)))
        }
        m.append((p + "rope.dimension_count", u32(c.ropeDimensions)))
        switch c.rope.scaling {
        case .none: break
        case let .linear(f):
            m.append((p + "rope.scaling.type", .string("linear")))
            m.append((p + "rope.scaling.factor", .float32(Float(f))))
        case .llama3:
            // llama.cpp stores Llama 3.1's scaling as the `rope_freqs.weight` divisors (ConvertedTensor.plan).
            break
        case let .yarn(f, ctx, fast, slow, _):
            m.append((p + "rope.scaling.type", .string("yarn")))
            m.append((p + "rope.scaling.factor", .float32(Float(f))))
            m.append((p + "rope.scaling.original_context_length", u32(ctx)))
            m.append((p + "rope.scaling.yarn_beta_fast", .float32(Float(fast))))
            m.append((p + "rope.scaling.yarn_beta_slow", .float32(Float(slow))))
            if let a = c.latentAttention {
                // llama.cpp's DeepSeek V2 convention: 0.1 x mscale_all_dim, recovered from the softmax scale
                // mscale(factor, mscale_all_dim)^2 / sqrt(nope + rope).
                let m2 = Double(c.effectiveAttentionScale) * Double(a.queryHeadDim).squareRoot()
                let all = f > 1 ? (m2.squareRoot() - 1) / (0.1 * log(f)) : 0
                m.append((p + "rope.scaling.yarn_log_multiplier", .float32(Float(0.1 * all))))
            } else if let logMul = c.yarnLogMultiplier {
                m.append((p + "rope.scaling.yarn_log_multiplier", .float32(Float(logMul))))
            }
        }
        if let t = c.attentionTemperature {
            m.append((p + "attention.temperature_scale", .float32(Float(t.beta))))
            if c.latentAttention != nil { m.append((p + "attention.temperature_length", u32(t.originalContext))) }
        }
        if let cap = c.finalLogitSoftcap { m.append((p + "final_logit_softcapping", .float32(cap))) }
        if c.expertCount > 0 {
            m.append((p + "expert_count", u32(c.expertCount)))
            m.append((p + "expert_used_count", u32(c.expertsPerToken)))
            m.append((p + "expert_feed_forward_length", u32(c.expertFeedForwardLength)))
            if c.sharedExpertFeedForwardLength > 0 {
                m.append((p + "expert_shared_count", u32(c.sharedExpertFeedForwardLength / max(1, c.expertFeedForwardLength))))
            }
            if c.leadingDenseLayers > 0 { m.append((p + "leading_dense_block_count", u32(c.leadingDenseLayers))) }
            if c.latentAttention != nil {
                m.append((p + "expert_weights_scale", .float32(c.expertWeightsScale)))
                m.append((p + "expert_weights_norm", .bool(c.normalizeExpertWeights)))
                m.append((p + "expert_group_count", u32(c.expertGroups)))
                m.append((p + "expert_group_used_count", u32(c.expertGroupsUsed)))
            }
        }
        m += try windowKeys(c, prefix: p, path: path)
        m.append(("general.file_type", .uint32(target.quantizeTarget.fileType)))
        if target == .q8_0 { m.append(("general.quantization_version", .uint32(ModelQuantizer.quantizationVersion))) }
        return m
    }

    /// The sliding window: one for all layers, or Gemma 3's window with its pattern (every n-th layer global,
    /// the pattern llama.cpp assumes when it reads none) and the local RoPE base.
    static func windowKeys(_ c: DecoderConfig, prefix p: String, path: String) throws(ConversionError) -> [(String, GGUFValue)] {
        let windows = Set(c.slidingWindows.filter { $0 > 0 })
        guard let w = windows.first else { return [] }
        guard windows.count == 1 else {
            throw .unsupportedCheckpoint(path: path, reason: "its layers have different sliding windows (\(c.slidingWindows)), which GGUF's one attention.sliding_window cannot express")
        }
        var m: [(String, GGUFValue)] = [(p + "attention.sliding_window", .uint32(UInt32(clamping: w)))]
        let local = c.slidingWindows.map { $0 > 0 }
        if local.allSatisfy({ $0 }) { return m }
        // A pattern: layer l is local unless l % n == n - 1 (llama.cpp `set_swa_pattern`).
        guard let n = local.firstIndex(of: false).map({ $0 + 1 }),
              local.indices.allSatisfy({ local[$0] == ($0 % n < n - 1) }) else {
            throw .unsupportedCheckpoint(path: path, reason: "its sliding-window layers \(local) follow no pattern a GGUF file can express")
        }
        if n != 6 { m.append((p + "attention.sliding_window_pattern", .uint32(UInt32(n)))) }
        if let r = c.localRope { m.append((p + "rope.freq_base_swa", .float32(Float(r.theta)))) }
        return m
    }
}

extension DecoderConfig {
    /// The `rope.scaling.yarn_log_multiplier` that makes llama.cpp compute this YaRN attention factor (it
    /// takes mscale as 1 and the multiplier as mscale_all_dim: factor = m(1) / m(multiplier), with
    /// m(k) = 1 + 0.1 k ln(scale)); nil when the factor is transformers' default m(1).
    var yarnLogMultiplier: Double? {
        guard case let .yarn(f, _, _, _, af) = rope.scaling, f > 1 else { return nil }
        let m1 = 0.1 * log(f) + 1
        if abs(af - m1) < 1e-6 { return nil }
        return (m1 / af - 1) / (0.1 * log(f))
    }
}
