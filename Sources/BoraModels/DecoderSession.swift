import BoraKernels

/// Per-session state of the decoder: KV cache, scratch buffers (preallocated for `maxBatch` tokens), and
/// the thread pool. Not thread-safe: one session is driven by one task at a time.
///
/// Port of the Llama forward pass as llama.cpp's `llm_build_llama` computes it: pre-norm RMSNorm,
/// RoPE on adjacent pairs (GGUF stores Q/K permuted for that, by llama.cpp's converter), grouped-query
/// attention with a causal mask, SwiGLU feed-forward, residual adds, final norm and output projection.
public final class DecoderSession: @unchecked Sendable {
    public let model: LlamaModel
    public let cache: KVCache
    public let maxBatch: Int
    let pool: ThreadPool
    let s: Scratch

    /// Where the next token goes.
    public var position: Int { cache.count }

    public init(model: LlamaModel, contextLength: Int, threads: Int, maxBatch: Int = 32) {
        self.model = model
        let c = model.config
        cache = KVCache(kvDim: c.kvDim, contextLength: max(1, contextLength), windows: c.slidingWindows)
        self.maxBatch = max(1, maxBatch)
        pool = ThreadPool(threads: threads)
        s = Scratch(config: c, batch: self.maxBatch, context: max(1, contextLength), threads: pool.threadCount, weights: model.weights)
    }

    public func reset() { cache.reset() }

    /// Evaluates `tokens` at positions `position ..< position + tokens.count`, appending them to the cache,
    /// and calls `logits(i, row)` with the vocabulary logits after token i, for each i in `want`
    /// (indices into `tokens`). The row is valid only during the call.
    public func evaluate(_ tokens: [Int], logitsFor want: LogitsRequest = .last,
                         _ logits: (Int, UnsafeBufferPointer<Float>) throws -> Void = { _, _ in }) throws {
        guard !tokens.isEmpty else { throw ModelError.emptyInput }
        let vocab = model.config.vocabularySize
        for t in tokens where t < 0 || t >= vocab {
            throw ModelError.tokenOutOfRange(token: t, vocabularySize: vocab)
        }
        guard cache.count + tokens.count <= cache.contextLength else {
            throw ModelError.contextFull(needed: cache.count + tokens.count, capacity: cache.contextLength)
        }
        var start = 0
        while start < tokens.count {
            let end = min(tokens.count, start + maxBatch)
            let chunk = Array(tokens[start..<end])
            let rows: [Int]
            switch want {
            case .none: rows = []
            case .all: rows = Array(0..<chunk.count)
            case .last: rows = end == tokens.count ? [chunk.count - 1] : []
            }
            forwardChunk(chunk, logitRows: rows)
            for (k, r) in rows.enumerated() {
                try logits(start + r, UnsafeBufferPointer(start: s.logits + k * vocab, count: vocab))
            }
            start = end
        }
    }

    /// Logits of the last token of one `evaluate` call, copied.
    public func next(_ tokens: [Int]) throws -> [Float] {
        var out: [Float] = []
        try evaluate(tokens, logitsFor: .last) { _, row in out = Array(row) }
        return out
    }
}

public enum LogitsRequest: Sendable {
    case none, last, all
}
