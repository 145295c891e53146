import BoraFormats

/// How RoPE pairs the dimensions of a head.
public enum RopeStyle: String, Codable, Sendable {
    /// (x[2i], x[2i+1]): GGUF (llama.cpp's converter permutes Q/K for it) and Mistral's native checkpoints.
    case adjacentPairs
    /// (x[i], x[i + d/2]): Hugging Face checkpoints ("rotate_half").
    case halves
}

/// Hyperparameters of the Llama/Mistral/Mixtral decoder. Dense, sliding-window and mixture-of-experts
/// models are configurations of the one decoder. Read from GGUF `llama.*` keys (llama.cpp's names),
/// Hugging Face `config.json`, or Mistral's `params.json`.
public struct LlamaConfig: Codable, Sendable, Equatable {
    public var vocabularySize: Int
    /// Model width (`llama.embedding_length`).
    public var embeddingLength: Int
    public var blockCount: Int
    public var feedForwardLength: Int
    public var headCount: Int
    public var headCountKV: Int
    /// Per-head width of queries and keys (`llama.attention.key_length`, else embedding / heads).
    public var headDim: Int
    /// Dimensions rotated by RoPE (`llama.rope.dimension_count`, else headDim).
    public var ropeDimensions: Int
    public var ropeTheta: Double
    /// Linear RoPE scaling: positions are divided by this factor (1 when absent).
    public var ropeLinearFactor: Double
    public var rmsNormEpsilon: Float
    /// Training context length.
    public var contextLength: Int
    /// Sliding-window size per layer (query i sees key j when i - W < j <= i); 0 = full causal attention.
    public var slidingWindows: [Int]
    public var ropeStyle: RopeStyle
    /// Experts per layer (0: a dense feed-forward) and experts used per token.
    public var expertCount: Int
    public var expertsPerToken: Int

    public var queryDim: Int { headCount * headDim }
    public var kvDim: Int { headCountKV * headDim }

    public init(vocabularySize: Int, embeddingLength: Int, blockCount: Int, feedForwardLength: Int,
                headCount: Int, headCountKV: Int, headDim: Int? = nil, ropeDimensions: Int? = nil,
                ropeTheta: Double = 10_000, ropeLinearFactor: Double = 1, rmsNormEpsilon: Float = 1e-5,
                contextLength: Int = 2048, slidingWindow: Int? = nil, ropeStyle: RopeStyle = .adjacentPairs,
                expertCount: Int = 0, expertsPerToken: Int = 0) {
        self.vocabularySize = vocabularySize
        self.embeddingLength = embeddingLength
        self.blockCount = blockCount
        self.feedForwardLength = feedForwardLength
        self.headCount = headCount
        self.headCountKV = headCountKV
        let hd = headDim ?? embeddingLength / max(headCount, 1)
        self.headDim = hd
        self.ropeDimensions = ropeDimensions ?? hd
        self.ropeTheta = ropeTheta
        self.ropeLinearFactor = ropeLinearFactor
        self.rmsNormEpsilon = rmsNormEpsilon
        self.contextLength = contextLength
        slidingWindows = [Int](repeating: slidingWindow ?? 0, count: max(0, blockCount))
        self.ropeStyle = ropeStyle
        self.expertCount = expertCount
        self.expertsPerToken = expertsPerToken
    }

    /// The window of layer l, nil for full attention.
    public func window(layer l: Int) -> Int? {
        let w = l < slidingWindows.count ? slidingWindows[l] : 0
        return w > 0 ? w : nil
    }

    /// Sets one window for every layer (nil or 0 removes it), e.g. from `--sliding-window`.
    public mutating func setSlidingWindow(_ w: Int?) {
        slidingWindows = [Int](repeating: max(0, w ?? 0), count: blockCount)
    }

    /// Checks the relations the decoder relies on; the message names the key at fault.
    public func validate(path: String) throws(FormatError) {
        func bad(_ what: String) -> FormatError { .invalid(path: path, what: what) }
        guard vocabularySize > 0, embeddingLength > 0, blockCount > 0, feedForwardLength > 0 else {
            throw bad("llama.embedding_length, llama.block_count, llama.feed_forward_length and the vocabulary size must be positive")
        }
        guard headCount > 0, headCountKV > 0, headCount % headCountKV == 0 else {
            throw bad("llama.attention.head_count (\(headCount)) must be a positive multiple of llama.attention.head_count_kv (\(headCountKV))")
        }
        guard headDim > 0, headDim % 2 == 0, ropeDimensions > 0, ropeDimensions <= headDim, ropeDimensions % 2 == 0 else {
            throw bad("the head size (\(headDim)) and llama.rope.dimension_count (\(ropeDimensions)) must be even, with the rotated part no wider than the head")
        }
        guard ropeTheta > 0, ropeLinearFactor > 0, rmsNormEpsilon > 0, rmsNormEpsilon < 1 else {
            throw bad("llama.rope.freq_base, the rope scaling factor and llama.attention.layer_norm_rms_epsilon must be positive")
        }
        guard slidingWindows.count == blockCount, slidingWindows.allSatisfy({ $0 >= 0 }) else {
            throw bad("the sliding window must be 0 (none) or positive, one per layer")
        }
        guard expertCount == 0 || (expertsPerToken >= 1 && expertsPerToken <= expertCount && expertCount <= 256) else {
            throw bad("experts used per token (\(expertsPerToken)) must be between 1 and the expert count (\(expertCount))")
        }
        guard embeddingLength <= 1 << 16, feedForwardLength <= 1 << 18, blockCount <= 1024, headCount <= 1024 else {
            throw bad("hyperparameters are absurdly large (embedding \(embeddingLength), feed-forward \(feedForwardLength), blocks \(blockCount), heads \(headCount))")
        }
    }
}

extension LlamaConfig {
    /// Reads the `{arch}.*` keys of a GGUF file (arch is `general.architecture`; llama and mistral layouts).
    public init(gguf: GGUFFile) throws(FormatError) {
        let arch = try gguf.string("general.architecture")
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
            ropeStyle: .adjacentPairs,
            expertCount: try gguf.optionalInt(p + "expert_count") ?? 0,
            expertsPerToken: try gguf.optionalInt(p + "expert_used_count") ?? 0)
        try validate(path: gguf.path)
    }
}
