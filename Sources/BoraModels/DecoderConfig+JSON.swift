import BoraFormats
import Foundation

/// The keys of a Hugging Face `config.json` that every family shares (transformers' names). For a
/// vision-language checkpoint these are read from its `text_config`.
struct HuggingFaceConfig: Decodable {
    var modelType: String?
    var architectures: [String]?
    var vocabSize: Int
    var hiddenSize: Int
    var intermediateSize: Int
    var numHiddenLayers: Int
    var numAttentionHeads: Int
    var numKeyValueHeads: Int?
    var headDim: Int?
    var maxPositionEmbeddings: Int?
    var rmsNormEps: Double?
    var ropeTheta: Double?
    var slidingWindow: Int?
    var layerTypes: [String]?
    var numLocalExperts: Int?
    var numExpertsPerTok: Int?
    var ropeScaling: HuggingFaceRope?
    /// transformers 5 keeps theta and scaling here: one object, or one per layer type.
    var ropeParameters: HuggingFaceRopeParameters?

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type", architectures, vocabSize = "vocab_size", hiddenSize = "hidden_size"
        case intermediateSize = "intermediate_size", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", numKeyValueHeads = "num_key_value_heads"
        case headDim = "head_dim", maxPositionEmbeddings = "max_position_embeddings", rmsNormEps = "rms_norm_eps"
        case ropeTheta = "rope_theta", slidingWindow = "sliding_window", layerTypes = "layer_types"
        case numLocalExperts = "num_local_experts", numExpertsPerTok = "num_experts_per_tok", ropeScaling = "rope_scaling"
        case ropeParameters = "rope_parameters"
    }

    /// Llama 4's attention temperature from the RoPE object (`llama_4_scaling_beta` with
    /// `original_max_position_embeddings`), nil when absent.
    func attentionTemperature(path: String) throws(FormatError) -> AttentionTemperature? {
        guard let r = ropeObject(), let beta = r.llama4ScalingBeta else { return nil }
        guard let original = r.originalMaxPositionEmbeddings else {
            throw FormatError.missingKey(path: path, key: "rope_parameters.original_max_position_embeddings")
        }
        return AttentionTemperature(beta: beta, originalContext: original)
    }

    /// The RoPE of the layers of `layerType` ("full_attention", "sliding_attention"), or of all layers.
    func ropeObject(layerType: String? = nil) -> HuggingFaceRope? {
        switch ropeParameters {
        case let .single(r)?: return r
        case let .perLayerType(m)?: return layerType.flatMap { m[$0] } ?? m["full_attention"]
        case nil: return ropeScaling
        }
    }
}

/// One RoPE object of a config.json (`rope_scaling`, or `rope_parameters` in transformers 5).
struct HuggingFaceRope: Decodable {
    var type: String?
    var ropeType: String?
    var factor: Double?
    var ropeTheta: Double?
    var lowFreqFactor: Double?
    var highFreqFactor: Double?
    var originalMaxPositionEmbeddings: Int?
    var betaFast: Double?
    var betaSlow: Double?
    var mscale: Double?
    var mscaleAllDim: Double?
    var attentionFactor: Double?
    var llama4ScalingBeta: Double?

    enum CodingKeys: String, CodingKey {
        case type, ropeType = "rope_type", factor, ropeTheta = "rope_theta", lowFreqFactor = "low_freq_factor"
        case highFreqFactor = "high_freq_factor", originalMaxPositionEmbeddings = "original_max_position_embeddings"
        case betaFast = "beta_fast", betaSlow = "beta_slow", mscale, mscaleAllDim = "mscale_all_dim"
        case attentionFactor = "attention_factor", llama4ScalingBeta = "llama_4_scaling_beta"
    }

    /// The scaling it describes; `key` names it in errors.
    func scaling(path: String, key: String) throws(FormatError) -> RopeScaling {
        let kind = ropeType ?? type ?? "default"
        func need<T>(_ v: T?, _ name: String) throws(FormatError) -> T {
            guard let v else { throw FormatError.missingKey(path: path, key: "\(key).\(name)") }
            return v
        }
        switch kind {
        case "default": return .none
        case "linear": return .linear(factor: try need(factor, "factor"))
        case "llama3":
            return .llama3(factor: try need(factor, "factor"), lowFrequencyFactor: try need(lowFreqFactor, "low_freq_factor"),
                           highFrequencyFactor: try need(highFreqFactor, "high_freq_factor"),
                           originalContext: try need(originalMaxPositionEmbeddings, "original_max_position_embeddings"))
        case "yarn":
            let f = try need(factor, "factor")
            return .yarn(factor: f, originalContext: try need(originalMaxPositionEmbeddings, "original_max_position_embeddings"),
                         betaFast: betaFast ?? 32, betaSlow: betaSlow ?? 1,
                         attentionFactor: attentionFactor ?? RopeScaling.yarnAttentionFactor(factor: f, mscale: mscale, mscaleAllDim: mscaleAllDim))
        default:
            throw FormatError.invalid(path: path, what: "\(key) rope_type '\(kind)' is not supported (default, linear, llama3, yarn)")
        }
    }
}

/// transformers 5's `rope_parameters`: one object for all layers, or one per layer type (Gemma 3).
enum HuggingFaceRopeParameters: Decodable {
    case single(HuggingFaceRope)
    case perLayerType([String: HuggingFaceRope])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let m = try? c.decode([String: HuggingFaceRope].self), !m.isEmpty,
           m.keys.allSatisfy({ $0.hasSuffix("_attention") }) {
            self = .perLayerType(m)
        } else {
            self = .single(try c.decode(HuggingFaceRope.self))
        }
    }
}

/// Mistral's native `params.json` (mistral-inference `ModelArgs`).
struct MistralParams: Decodable {
    var dim: Int
    var nLayers: Int
    var headDim: Int?
    var hiddenDim: Int
    var nHeads: Int
    var nKvHeads: Int?
    var normEps: Double?
    var vocabSize: Int
    var ropeTheta: Double?
    var slidingWindow: SlidingWindow?
    var moe: Moe?
    var maxSeqLen: Int?
    /// Ministral 3 / Devstral 2: YaRN (`beta` is beta_fast, `alpha` beta_slow; `apply_scale` false means
    /// mscale_all_dim 1, as llama.cpp's converter reads it) and Llama 4's attention temperature.
    var yarn: Yarn?
    var llama4Scaling: Llama4Scaling?
    /// Latent-attention ranks (Mistral Small 4's native layout), which Bora reads only from Hugging Face or GGUF.
    var kvLoraRank: Int?

    struct Yarn: Decodable {
        var factor: Double
        var beta: Double?
        var alpha: Double?
        var originalMaxPositionEmbeddings: Int
        var applyScale: Bool?
        enum CodingKeys: String, CodingKey {
            case factor, beta, alpha, originalMaxPositionEmbeddings = "original_max_position_embeddings", applyScale = "apply_scale"
        }
    }

    struct Llama4Scaling: Decodable {
        var beta: Double
        var originalMaxPositionEmbeddings: Int?
        enum CodingKeys: String, CodingKey { case beta, originalMaxPositionEmbeddings = "original_max_position_embeddings" }
    }

    struct Moe: Decodable {
        var numExperts: Int
        var numExpertsPerTok: Int
        enum CodingKeys: String, CodingKey { case numExperts = "num_experts", numExpertsPerTok = "num_experts_per_tok" }
    }

    /// One window for all layers, or one per layer.
    enum SlidingWindow: Decodable {
        case all(Int), perLayer([Int])
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let v = try? c.decode(Int.self) { self = .all(v) } else { self = .perLayer(try c.decode([Int].self)) }
        }
    }

    enum CodingKeys: String, CodingKey {
        case dim, nLayers = "n_layers", headDim = "head_dim", hiddenDim = "hidden_dim", nHeads = "n_heads"
        case nKvHeads = "n_kv_heads", normEps = "norm_eps", vocabSize = "vocab_size", ropeTheta = "rope_theta"
        case slidingWindow = "sliding_window", moe, maxSeqLen = "max_seq_len", yarn, llama4Scaling = "llama_4_scaling"
        case kvLoraRank = "kv_lora_rank"
    }
}

extension DecoderConfig {
    /// Decodes JSON, turning decoding errors into messages that name the file and the key.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data, path: String) throws(FormatError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw FormatError.missingKey(path: path, key: (ctx.codingPath + [key]).map(\.stringValue).joined(separator: "."))
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw FormatError.wrongKeyType(path: path, key: ctx.codingPath.map(\.stringValue).joined(separator: "."), expected: "another type (\(ctx.debugDescription))")
        } catch let DecodingError.valueNotFound(_, ctx) {
            throw FormatError.wrongKeyType(path: path, key: ctx.codingPath.map(\.stringValue).joined(separator: "."), expected: "a value, not null")
        } catch {
            throw FormatError.invalid(path: path, what: "it is not valid JSON (\(error.localizedDescription))")
        }
    }

    static func read(_ path: String) throws(FormatError) -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FormatError.cannotOpen(path: path, reason: "cannot read the file")
        }
        return data
    }

    /// The text model's part of a config.json: the whole object, or its `text_config` (vision-language
    /// checkpoints such as Mistral3ForConditionalGeneration), with the outer `model_type` and
    /// `architectures` for finding the family.
    static func textConfig(_ data: Data, path: String) throws(FormatError) -> (text: Data, outerType: String?, classes: [String]) {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw FormatError.invalid(path: path, what: "it is not valid JSON (\(error.localizedDescription))")
        }
        guard let dict = object as? [String: Any] else { throw FormatError.invalid(path: path, what: "it is not a JSON object") }
        let classes = dict["architectures"] as? [String] ?? []
        let outer = dict["model_type"] as? String
        guard let text = dict["text_config"] as? [String: Any],
              let textData = try? JSONSerialization.data(withJSONObject: text) else { return (data, outer, classes) }
        return (textData, outer, classes)
    }

    /// From a Hugging Face `config.json` of any family in the registry.
    public init(huggingFaceConfig path: String) throws(FormatError) {
        let (data, outerType, classes) = try Self.textConfig(try Self.read(path), path: path)
        let h = try Self.decode(HuggingFaceConfig.self, from: data, path: path)
        guard let family = ArchitectureRegistry.huggingFace(modelType: h.modelType ?? outerType, classes: classes)
                ?? outerType.flatMap({ ArchitectureRegistry.huggingFace(modelType: $0, classes: []) }) else {
            let what = [(h.modelType ?? outerType).map { "model_type '\($0)'" }, classes.first].compactMap { $0 }.joined(separator: ", ")
            throw FormatError.invalid(path: path, what: "its architecture (\(what.isEmpty ? "no model_type" : what)) is not one Bora runs. Supported: \(ArchitectureRegistry.supported)")
        }
        let full = h.ropeObject(layerType: "full_attention")
        self.init(
            vocabularySize: h.vocabSize, embeddingLength: h.hiddenSize, blockCount: h.numHiddenLayers,
            feedForwardLength: h.intermediateSize, headCount: h.numAttentionHeads,
            headCountKV: h.numKeyValueHeads ?? h.numAttentionHeads, headDim: h.headDim,
            ropeTheta: full?.ropeTheta ?? h.ropeTheta ?? 10_000, rmsNormEpsilon: Float(h.rmsNormEps ?? 1e-6),
            contextLength: h.maxPositionEmbeddings ?? 2048, slidingWindow: h.slidingWindow, ropeStyle: .halves,
            expertCount: h.numLocalExperts ?? 0, expertsPerToken: h.numExpertsPerTok ?? 0, architecture: family)
        rope.scaling = try full?.scaling(path: path, key: h.ropeParameters == nil ? "rope_scaling" : "rope_parameters") ?? .none
        if let types = h.layerTypes {
            guard types.count == blockCount else {
                throw FormatError.invalid(path: path, what: "layer_types has \(types.count) entries for \(blockCount) layers")
            }
            slidingWindows = types.map { $0 == "sliding_attention" ? (h.slidingWindow ?? 0) : 0 }
        }
        try family.readHuggingFace(&self, data, path)
        try validate(path: path)
    }

    /// From Mistral's `params.json`: the llama family, or mistral3 when it has `llama_4_scaling` (Ministral 3,
    /// Devstral 2; as llama.cpp's converter decides).
    public init(mistralParams path: String) throws(FormatError) {
        let m = try Self.decode(MistralParams.self, from: try Self.read(path), path: path)
        if m.kvLoraRank != nil {
            throw FormatError.invalid(path: path, what: "this is a latent-attention checkpoint (kv_lora_rank) in Mistral's native layout, which Bora does not read; use its Hugging Face checkpoint or a GGUF file")
        }
        var window: Int?
        if case let .all(w)? = m.slidingWindow { window = w }
        self.init(
            vocabularySize: m.vocabSize, embeddingLength: m.dim, blockCount: m.nLayers, feedForwardLength: m.hiddenDim,
            headCount: m.nHeads, headCountKV: m.nKvHeads ?? m.nHeads, headDim: m.headDim,
            ropeTheta: m.ropeTheta ?? 10_000, rmsNormEpsilon: Float(m.normEps ?? 1e-5),
            contextLength: m.maxSeqLen ?? 32_768, slidingWindow: window, ropeStyle: .adjacentPairs,
            expertCount: m.moe?.numExperts ?? 0, expertsPerToken: m.moe?.numExpertsPerTok ?? 0,
            architecture: m.llama4Scaling == nil ? .llama : .mistral3)
        if let y = m.yarn {
            let all: Double? = y.applyScale == true ? nil : 1
            rope.scaling = .yarn(factor: y.factor, originalContext: y.originalMaxPositionEmbeddings, betaFast: y.beta ?? 32,
                                 betaSlow: y.alpha ?? 1,
                                 attentionFactor: RopeScaling.yarnAttentionFactor(factor: y.factor, mscale: all, mscaleAllDim: all))
        }
        if let t = m.llama4Scaling {
            guard let original = t.originalMaxPositionEmbeddings ?? m.yarn?.originalMaxPositionEmbeddings else {
                throw FormatError.missingKey(path: path, key: "llama_4_scaling.original_max_position_embeddings")
            }
            attentionTemperature = AttentionTemperature(beta: t.beta, originalContext: original)
        }
        if case let .perLayer(ws)? = m.slidingWindow {
            guard ws.count == blockCount else {
                throw FormatError.invalid(path: path, what: "sliding_window lists \(ws.count) windows for \(blockCount) layers")
            }
            slidingWindows = ws
        }
        try validate(path: path)
    }
}

extension DecoderConfig {
    /// The configuration of a checkpoint directory and its tensor layout; nil when `path` is not a directory.
    static func directoryConfig(_ path: String) throws(FormatError) -> (DecoderConfig, CheckpointLayout)? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return nil }
        let dir = URL(fileURLWithPath: path)
        let hf = dir.appendingPathComponent("config.json").path
        let mistral = dir.appendingPathComponent("params.json").path
        if FileManager.default.fileExists(atPath: hf) { return (try DecoderConfig(huggingFaceConfig: hf), .huggingFace) }
        if FileManager.default.fileExists(atPath: mistral) { return (try DecoderConfig(mistralParams: mistral), .mistral) }
        throw FormatError.invalid(path: path, what: "the directory has neither config.json (Hugging Face) nor params.json (Mistral); pass a GGUF file or a checkpoint directory")
    }

    /// The configuration alone (no weights are bound) of a GGUF file or a checkpoint directory.
    public init(path: String) throws(FormatError) {
        if let (config, _) = try Self.directoryConfig(path) {
            self = config
        } else {
            self = try DecoderConfig(gguf: GGUFFile(path: path))
        }
    }
}
