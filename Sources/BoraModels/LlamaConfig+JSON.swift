import BoraFormats
import Foundation

/// Hugging Face `config.json` of a Llama, Mistral or Mixtral checkpoint (transformers' names).
struct HuggingFaceConfig: Decodable {
    var modelType: String?
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
    var ropeScaling: RopeScaling?
    /// transformers 5 keeps theta and scaling here.
    var ropeParameters: RopeScaling?

    struct RopeScaling: Decodable {
        var type: String?
        var ropeType: String?
        var factor: Double?
        var ropeTheta: Double?
        enum CodingKeys: String, CodingKey { case type, ropeType = "rope_type", factor, ropeTheta = "rope_theta" }
    }

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type", vocabSize = "vocab_size", hiddenSize = "hidden_size"
        case intermediateSize = "intermediate_size", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", numKeyValueHeads = "num_key_value_heads"
        case headDim = "head_dim", maxPositionEmbeddings = "max_position_embeddings", rmsNormEps = "rms_norm_eps"
        case ropeTheta = "rope_theta", slidingWindow = "sliding_window", layerTypes = "layer_types"
        case numLocalExperts = "num_local_experts", numExpertsPerTok = "num_experts_per_tok", ropeScaling = "rope_scaling"
        case ropeParameters = "rope_parameters"
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
        case slidingWindow = "sliding_window", moe, maxSeqLen = "max_seq_len"
    }
}

extension LlamaConfig {
    /// Decodes a JSON config file, turning decoding errors into messages that name the file and the key.
    static func decode<T: Decodable>(_ type: T.Type, path: String) throws(FormatError) -> T {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FormatError.cannotOpen(path: path, reason: "cannot read the file")
        }
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

    /// From a Hugging Face `config.json` (model_type llama, mistral or mixtral).
    public init(huggingFaceConfig path: String) throws(FormatError) {
        let h = try Self.decode(HuggingFaceConfig.self, path: path)
        if let t = h.modelType, !["llama", "mistral", "mixtral"].contains(t) {
            throw FormatError.invalid(path: path, what: "model_type '\(t)' is not supported; Bora runs llama, mistral and mixtral checkpoints")
        }
        var linear = 1.0
        if let s = h.ropeScaling ?? h.ropeParameters {
            let kind = s.ropeType ?? s.type ?? "default"
            guard kind == "linear" || kind == "default" else {
                throw FormatError.invalid(path: path, what: "rope_scaling type '\(kind)' is not supported (linear only)")
            }
            if kind == "linear" { linear = s.factor ?? 1 }
        }
        self.init(
            vocabularySize: h.vocabSize, embeddingLength: h.hiddenSize, blockCount: h.numHiddenLayers,
            feedForwardLength: h.intermediateSize, headCount: h.numAttentionHeads,
            headCountKV: h.numKeyValueHeads ?? h.numAttentionHeads, headDim: h.headDim,
            ropeTheta: h.ropeTheta ?? h.ropeParameters?.ropeTheta ?? 10_000, ropeLinearFactor: linear, rmsNormEpsilon: Float(h.rmsNormEps ?? 1e-6),
            contextLength: h.maxPositionEmbeddings ?? 2048, slidingWindow: h.slidingWindow, ropeStyle: .halves,
            expertCount: h.numLocalExperts ?? 0, expertsPerToken: h.numExpertsPerTok ?? 0)
        if let types = h.layerTypes {
            guard types.count == blockCount else {
                throw FormatError.invalid(path: path, what: "layer_types has \(types.count) entries for \(blockCount) layers")
            }
            slidingWindows = types.map { $0 == "sliding_attention" ? (h.slidingWindow ?? 0) : 0 }
        }
        try validate(path: path)
    }

    /// From Mistral's `params.json`.
    public init(mistralParams path: String) throws(FormatError) {
        let m = try Self.decode(MistralParams.self, path: path)
        var window: Int?
        if case let .all(w)? = m.slidingWindow { window = w }
        self.init(
            vocabularySize: m.vocabSize, embeddingLength: m.dim, blockCount: m.nLayers, feedForwardLength: m.hiddenDim,
            headCount: m.nHeads, headCountKV: m.nKvHeads ?? m.nHeads, headDim: m.headDim,
            ropeTheta: m.ropeTheta ?? 10_000, rmsNormEpsilon: Float(m.normEps ?? 1e-5),
            contextLength: m.maxSeqLen ?? 32_768, slidingWindow: window, ropeStyle: .adjacentPairs,
            expertCount: m.moe?.numExperts ?? 0, expertsPerToken: m.moe?.numExpertsPerTok ?? 0)
        if case let .perLayer(ws)? = m.slidingWindow {
            guard ws.count == blockCount else {
                throw FormatError.invalid(path: path, what: "sliding_window lists \(ws.count) windows for \(blockCount) layers")
            }
            slidingWindows = ws
        }
        try validate(path: path)
    }
}

extension LlamaConfig {
    /// The configuration of a checkpoint directory and its tensor layout; nil when `path` is not a directory.
    static func directoryConfig(_ path: String) throws(FormatError) -> (LlamaConfig, CheckpointLayout)? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return nil }
        let dir = URL(fileURLWithPath: path)
        let hf = dir.appendingPathComponent("config.json").path
        let mistral = dir.appendingPathComponent("params.json").path
        if FileManager.default.fileExists(atPath: hf) { return (try LlamaConfig(huggingFaceConfig: hf), .huggingFace) }
        if FileManager.default.fileExists(atPath: mistral) { return (try LlamaConfig(mistralParams: mistral), .mistral) }
        throw FormatError.invalid(path: path, what: "the directory has neither config.json (Hugging Face) nor params.json (Mistral); pass a GGUF file or a checkpoint directory")
    }

    /// The configuration alone (no weights are bound) of a GGUF file or a checkpoint directory.
    public init(path: String) throws(FormatError) {
        if let (config, _) = try Self.directoryConfig(path) {
            self = config
        } else {
            self = try LlamaConfig(gguf: GGUFFile(path: path))
        }
    }
}
