import BoraFormats
import Foundation

/// How RoPE pairs the dimensions of a head.
public enum RopeStyle: String, Codable, Sendable {
    /// (x[2i], x[2i+1]): GGUF (llama.cpp's converter permutes Q/K for it) and Mistral's native checkpoints.
    case adjacentPairs
    /// (x[i], x[i + d/2]): Hugging Face checkpoints ("rotate_half").
    case halves
}

/// Llama 4's attention temperature (Ministral 3, Devstral 2): queries at position p are multiplied by
/// 1 + beta * ln(1 + floor(p / originalContext)) (transformers `get_llama_4_attn_scale`).
public struct AttentionTemperature: Codable, Sendable, Equatable {
    public var beta: Double
    public var originalContext: Int

    public func scale(position p: Int) -> Float {
        Float(1 + beta * log(1 + floor(Double(p) / Double(originalContext))))
    }
}

/// Hyperparameters of the decoder. Every family (`ArchitectureRegistry`) is a configuration of the one
/// decoder: its traits, dense or mixture-of-experts feed-forward, a window per layer, RoPE per layer.
/// Read from GGUF `{arch}.*` keys (llama.cpp's names), Hugging Face `config.json`, or Mistral's `params.json`.
public struct DecoderConfig: Codable, Sendable, Equatable {
    /// The registry name of the family (`Architecture.name`).
    public var architecture: String
    public var traits: DecoderTraits
    public var vocabularySize: Int
    /// Model width (`{arch}.embedding_length`).
    public var embeddingLength: Int
    public var blockCount: Int
    public var feedForwardLength: Int
    public var headCount: Int
    public var headCountKV: Int
    /// Per-head width of queries and keys (`{arch}.attention.key_length`, else embedding / heads).
    public var headDim: Int
    /// Dimensions rotated by RoPE (`{arch}.rope.dimension_count`, else headDim).
    public var ropeDimensions: Int
    /// RoPE of the full-attention layers (and of all layers without `localRope`).
    public var rope: RopeParameters
    /// RoPE of the local (sliding-window) layers when it differs (Gemma 3: base 10,000, unscaled), and
    /// which layers those are (set with it, so that `--sliding-window` does not move RoPE bases).
    public var localRope: RopeParameters?
    public var localRopeLayers: [Bool] = []
    public var rmsNormEpsilon: Float
    /// Training context length.
    public var contextLength: Int
    /// Sliding-window size per layer (query i sees key j when i - W < j <= i); 0 = full causal attention.
    public var slidingWindows: [Int]
    public var ropeStyle: RopeStyle
    /// The factor attention scores are multiplied by; nil: 1 / sqrt(headDim). Gemma's
    /// `query_pre_attn_scalar` s gives 1 / sqrt(s).
    public var attentionScale: Float?
    /// Llama 4 attention temperature scaling (Ministral 3), nil when absent.
    public var attentionTemperature: AttentionTemperature?
    /// Final logits soft-capped to cap * tanh(logit / cap) (Gemma 2), nil when absent.
    public var finalLogitSoftcap: Float?
    /// Experts per layer (0: a dense feed-forward) and experts used per token.
    public var expertCount: Int
    public var expertsPerToken: Int
    /// Width of each expert's feed-forward (Qwen 3 MoE's `moe_intermediate_size`); feedForwardLength if equal.
    public var expertFeedForwardLength: Int
    /// Whether the chosen experts' router probabilities are renormalized to sum to 1 (Mixtral: yes;
    /// Qwen 3 MoE: `norm_topk_prob`).
    public var normalizeExpertWeights: Bool
    /// Group-limited routing (DeepSeek V3, Mistral 4: `n_group`, `topk_group`): experts are split into
    /// `expertGroups` groups, each scored by the sum of its two best probabilities, and the top k are
    /// chosen within the best `expertGroupsUsed` groups. 1 and 1: no grouping.
    public var expertGroups: Int = 1
    public var expertGroupsUsed: Int = 1
    /// The chosen experts' weights are multiplied by this (`routed_scaling_factor`).
    public var expertWeightsScale: Float = 1
    /// Width of the shared expert every token goes through besides the chosen ones (0: none).
    public var sharedExpertFeedForwardLength: Int = 0
    /// The first layers have a dense feed-forward of `feedForwardLength` instead of experts
    /// (`first_k_dense_replace`).
    public var leadingDenseLayers: Int = 0
    /// Multi-head latent attention (Mistral 4), nil for grouped-query attention. With it, `headDim` is the
    /// latent width, `headCountKV` 1 and `ropeDimensions` its RoPE part (`LatentAttention.apply`).
    public var latentAttention: LatentAttention?

    public var queryDim: Int { headCount * headDim }
    public var kvDim: Int { headCountKV * headDim }
    /// The family's entry in the registry.
    public var family: Architecture? { ArchitectureRegistry.named(architecture) }

    public init(vocabularySize: Int, embeddingLength: Int, blockCount: Int, feedForwardLength: Int,
                headCount: Int, headCountKV: Int, headDim: Int? = nil, ropeDimensions: Int? = nil,
                ropeTheta: Double = 10_000, ropeLinearFactor: Double = 1, rmsNormEpsilon: Float = 1e-5,
                contextLength: Int = 2048, slidingWindow: Int? = nil, ropeStyle: RopeStyle = .adjacentPairs,
                expertCount: Int = 0, expertsPerToken: Int = 0, architecture: Architecture = .llama) {
        self.architecture = architecture.name
        traits = architecture.traits
        self.vocabularySize = vocabularySize
        self.embeddingLength = embeddingLength
        self.blockCount = blockCount
        self.feedForwardLength = feedForwardLength
        self.headCount = headCount
        self.headCountKV = headCountKV
        let hd = headDim ?? embeddingLength / max(headCount, 1)
        self.headDim = hd
        self.ropeDimensions = ropeDimensions ?? hd
        rope = RopeParameters(theta: ropeTheta, scaling: ropeLinearFactor == 1 ? .none : .linear(factor: ropeLinearFactor))
        self.rmsNormEpsilon = rmsNormEpsilon
        self.contextLength = contextLength
        slidingWindows = [Int](repeating: slidingWindow ?? 0, count: max(0, blockCount))
        self.ropeStyle = ropeStyle
        self.expertCount = expertCount
        self.expertsPerToken = expertsPerToken
        expertFeedForwardLength = feedForwardLength
        normalizeExpertWeights = true
    }

    /// The window of layer l, nil for full attention.
    public func window(layer l: Int) -> Int? {
        let w = l < slidingWindows.count ? slidingWindows[l] : 0
        return w > 0 ? w : nil
    }

    /// The RoPE of layer l: `localRope` for a sliding-window layer when there is one.
    public func rope(layer l: Int) -> RopeParameters {
        if let localRope, l < localRopeLayers.count, localRopeLayers[l] { return localRope }
        return rope
    }

    /// Sets one window for every layer (nil or 0 removes it), e.g. from `--sliding-window`.
    public mutating func setSlidingWindow(_ w: Int?) {
        slidingWindows = [Int](repeating: max(0, w ?? 0), count: blockCount)
    }

    /// Sets the RoPE of the layers that currently have a window.
    public mutating func setLocalRope(_ r: RopeParameters) {
        localRope = r
        localRopeLayers = slidingWindows.map { $0 > 0 }
    }

    /// The factor attention scores are multiplied by.
    public var effectiveAttentionScale: Float { attentionScale ?? 1 / Float(headDim).squareRoot() }

    /// Checks the relations the decoder relies on; the message names the key at fault.
    public func validate(path: String) throws(FormatError) {
        func bad(_ what: String) -> FormatError { .invalid(path: path, what: what) }
        guard vocabularySize > 0, embeddingLength > 0, blockCount > 0, feedForwardLength > 0, expertFeedForwardLength > 0 else {
            throw bad("embedding_length, block_count, feed_forward_length and the vocabulary size must be positive")
        }
        guard headCount > 0, headCountKV > 0, headCount % headCountKV == 0 else {
            throw bad("attention.head_count (\(headCount)) must be a positive multiple of attention.head_count_kv (\(headCountKV))")
        }
        guard headDim > 0, headDim % 2 == 0, ropeDimensions > 0, ropeDimensions <= headDim, ropeDimensions % 2 == 0 else {
            throw bad("the head size (\(headDim)) and rope.dimension_count (\(ropeDimensions)) must be even, with the rotated part no wider than the head")
        }
        for r in [rope] + (localRope.map { [$0] } ?? []) {
            guard r.theta > 0 else { throw bad("rope.freq_base (\(r.theta)) must be positive") }
            switch r.scaling {
            case .none: break
            case let .linear(f): guard f > 0 else { throw bad("rope.scaling.factor (\(f)) must be positive") }
            case let .llama3(f, lo, hi, ctx):
                guard f > 0, lo > 0, hi > lo, ctx > 0 else {
                    throw bad("llama3 RoPE scaling needs factor > 0, high_freq_factor > low_freq_factor > 0 and original_max_position_embeddings > 0")
                }
            case let .yarn(f, ctx, fast, slow, af):
                guard f > 0, ctx > 0, fast > 0, slow > 0, af > 0 else {
                    throw bad("YaRN RoPE scaling needs a positive factor, original context, beta_fast, beta_slow and attention factor")
                }
            }
        }
        guard rmsNormEpsilon > 0, rmsNormEpsilon < 1 else {
            throw bad("attention.layer_norm_rms_epsilon (\(rmsNormEpsilon)) must be between 0 and 1")
        }
        guard slidingWindows.count == blockCount, slidingWindows.allSatisfy({ $0 >= 0 }) else {
            throw bad("the sliding window must be 0 (none) or positive, one per layer")
        }
        guard expertCount == 0 || (expertsPerToken >= 1 && expertsPerToken <= expertCount && expertCount <= 512) else {
            throw bad("experts used per token (\(expertsPerToken)) must be between 1 and the expert count (\(expertCount))")
        }
        if let t = attentionTemperature, t.originalContext <= 0 || !(t.beta >= 0) {
            throw bad("llama_4_scaling_beta (\(t.beta)) must be non-negative and original_max_position_embeddings (\(t.originalContext)) positive")
        }
        if let s = attentionScale, !(s > 0) || !s.isFinite { throw bad("the attention scale (\(s)) must be positive") }
        if let cap = finalLogitSoftcap, !(cap > 0) || !cap.isFinite { throw bad("final_logit_softcapping (\(cap)) must be positive") }
        if expertCount > 0 {
            guard expertGroups >= 1, expertCount % expertGroups == 0, expertGroupsUsed >= 1, expertGroupsUsed <= expertGroups,
                  expertsPerToken <= expertGroupsUsed * (expertCount / expertGroups), leadingDenseLayers >= 0,
                  leadingDenseLayers <= blockCount, sharedExpertFeedForwardLength >= 0, expertWeightsScale.isFinite,
                  expertWeightsScale > 0 else {
                throw bad("the expert routing is inconsistent: \(expertCount) experts in \(expertGroups) groups, \(expertGroupsUsed) groups used, \(expertsPerToken) experts per token, \(leadingDenseLayers) leading dense layers, scale \(expertWeightsScale)")
            }
        }
        if let latent = latentAttention { try latent.validate(path: path, config: self) }
        guard embeddingLength <= 1 << 16, feedForwardLength <= 1 << 18, expertFeedForwardLength <= 1 << 18, blockCount <= 1024,
              headCount <= 1024, vocabularySize <= 1 << 22 else {
            throw bad("hyperparameters are absurdly large (embedding \(embeddingLength), feed-forward \(feedForwardLength), blocks \(blockCount), heads \(headCount), vocabulary \(vocabularySize))")
        }
    }
}

extension DecoderConfig {
    /// Reads the `{arch}.*` keys of a GGUF file: the family is `general.architecture` looked up in the
    /// registry, which then reads its own keys.
    public init(gguf: GGUFFile) throws(FormatError) {
        let arch = try gguf.string("general.architecture")
        guard let family = ArchitectureRegistry.gguf(arch) else {
            throw FormatError.invalid(path: gguf.path, what: "general.architecture is '\(arch)', which Bora does not run. Supported GGUF architectures: \(ArchitectureRegistry.supportedGGUF)")
        }
        let p = arch + "."
        let embedding = try gguf.int(p + "embedding_length")
        let heads = try gguf.int(p + "attention.head_count")
        let headDim = try gguf.optionalInt(p + "attention.key_length") ?? (heads > 0 ? embedding / heads : 0)
        var vocab = try gguf.optionalInt(p + "vocab_size")
        if vocab == nil, let tokens = gguf.metadata["tokenizer.ggml.tokens"]?.array { vocab = tokens.count }
        if vocab == nil, let emb = gguf.tensor(named: "token_embd.weight"), emb.shape.count == 2 { vocab = emb.shape[1] }
        guard let vocab else { throw FormatError.missingKey(path: gguf.path, key: p + "vocab_size") }
        var linear = 1.0
        if let type = try gguf.optionalString(p + "rope.scaling.type"), type == "linear" {
            linear = try gguf.optionalDouble(p + "rope.scaling.factor") ?? 1
        }
        self.init(
            vocabularySize: vocab,
            embeddingLength: embedding,
            blockCount: try gguf.int(p + "block_count"),
            feedForwardLength: try gguf.int(p + "feed_forward_length"),
            headCount: heads,
            headCountKV: try gguf.optionalInt(p + "attention.head_count_kv") ?? heads,
            headDim: headDim,
            ropeDimensions: try gguf.optionalInt(p + "rope.dimension_count"),
            ropeTheta: try gguf.optionalDouble(p + "rope.freq_base") ?? 10_000,
            ropeLinearFactor: linear,
            rmsNormEpsilon: Float(try gguf.optionalDouble(p + "attention.layer_norm_rms_epsilon") ?? 1e-5),
            contextLength: try gguf.optionalInt(p + "context_length") ?? 2048,
            slidingWindow: try gguf.optionalInt(p + "attention.sliding_window"),
            ropeStyle: family.ggufRopeStyle,
            expertCount: try gguf.optionalInt(p + "expert_count") ?? 0,
            expertsPerToken: try gguf.optionalInt(p + "expert_used_count") ?? 0,
            architecture: family)
        if let ffn = try gguf.optionalInt(p + "expert_feed_forward_length") { expertFeedForwardLength = ffn }
        // YaRN for every family as llama.cpp's context reads it (yarn_log_multiplier as mscale_all_dim);
        // a family with another convention (Mistral 4's DeepSeek V2 graph) reads it again in its hook.
        if let yarn = try Self.ggufYarn(gguf, p, contextLength: contextLength,
                                        mscaleAllDim: try gguf.optionalDouble(p + "rope.scaling.yarn_log_multiplier")) {
            rope.scaling = yarn
        }
        try family.readGGUF(&self, gguf, p)
        try validate(path: gguf.path)
    }
}

extension DecoderConfig {
    /// YaRN from a GGUF file's `{arch}.rope.scaling.*` keys (llama.cpp's), nil when its scaling is not YaRN.
    /// The attention factor is llama.cpp's (`llama_context`): mscale taken as 1 and `mscaleAllDim` (the
    /// family's reading of `yarn_log_multiplier`), times `rope.scaling.attn_factor`.
    static func ggufYarn(_ gguf: GGUFFile, _ p: String, contextLength: Int, mscaleAllDim: Double?) throws(FormatError) -> RopeScaling? {
        guard let kind = try gguf.optionalString(p + "rope.scaling.type"), kind == "yarn" else { return nil }
        let factor = try gguf.optionalDouble(p + "rope.scaling.factor") ?? 1
        let attention = RopeScaling.yarnAttentionFactor(factor: factor, mscale: mscaleAllDim.map { _ in 1 }, mscaleAllDim: mscaleAllDim)
            * (try gguf.optionalDouble(p + "rope.scaling.attn_factor") ?? 1)
        return .yarn(factor: factor,
                     originalContext: try gguf.optionalInt(p + "rope.scaling.original_context_length") ?? contextLength,
                     betaFast: try gguf.optionalDouble(p + "rope.scaling.yarn_beta_fast") ?? 32,
                     betaSlow: try gguf.optionalDouble(p + "rope.scaling.yarn_beta_slow") ?? 1,
                     attentionFactor: attention)
    }
}
