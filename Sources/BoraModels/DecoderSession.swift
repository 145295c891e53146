import BoraKernels

/// Per-session state of the decoder: KV cache, scratch buffers (preallocated for `maxBatch` tokens), and
/// the thread pool. Not thread-safe: one session is driven by one task at a time.
///
/// The forward pass as llama.cpp's `llm_build_llama` computes it (RMSNorm, RoPE on the checkpoint's pair
/// layout, grouped-query attention with a causal mask and per-layer windows, gated feed-forward or experts,
/// residual adds, final norm and output projection), with what the model's family changes read from its
/// traits and configuration (`DecoderTraits`, `DecoderConfig`): biases, QK-norm, sandwich norms, GeGLU,
/// embedding scale, per-layer RoPE and scaling, attention scale and temperature, soft-capping, routing, and
/// latent attention (DecoderSession+LatentAttention.swift) as llama.cpp's gemma3, qwen2/3, mistral3 and
/// deepseek2 graphs do.
public final class DecoderSession: @unchecked Sendable {
    public let model: DecoderModel
    /// The cache `evaluate` extends: the session's own, or another one for the length of `using(_:_:)`.
    public private(set) var cache: KVCache
    public let maxBatch: Int
    let pool: ThreadPool
    let s: Scratch

    /// A LoRA adapter applied at run time (unmerged) to what `evaluate` computes; nil: none.
    public var adapter: ScaledAdapter? {
        didSet { rowAdapters = adapter.map { [$0] } ?? [] }
    }
    /// The adapter of each row of the current forward step (one entry: all rows; empty: none).
    var rowAdapters: [ScaledAdapter?] = []

    /// Test hook: attention through `attentionReference` (one head at a time) instead of the tiled kernel.
    package var referenceAttention = false
    /// Test hook: after each layer's tiled attention, also runs the reference on the same inputs and calls
    /// this with (layer, largest difference relative to the row's largest output); the tiled result is kept.
    package var attentionCheck: ((Int, Float) -> Void)?
    /// Keys each row must see before decoding splits a KV head's keys over the threads
    /// (`attentionSplitByKeys`); tests lower it.
    package var splitAttentionFrom = 256

    /// Where the next token goes.
    public var position: Int { cache.count }

    /// The element type of this session's caches (`makeCache()`; `using` and `decode` take no other).
    public let cacheType: KVCacheType

    public init(model: DecoderModel, contextLength: Int, threads: Int, maxBatch: Int = 32, cacheType: KVCacheType = .f16) {
        self.model = model
        self.cacheType = cacheType
        let c = model.config
        cache = KVCache(kvHeads: c.headCountKV, headDim: c.headDim, contextLength: max(1, contextLength),
                        windows: c.slidingWindows, type: cacheType, valuesAreKeys: c.latentAttention != nil)
        self.maxBatch = max(1, maxBatch)
        pool = ThreadPool(threads: threads)
        s = Scratch(config: c, batch: self.maxBatch, context: max(1, contextLength), threads: pool.threadCount, weights: model.weights)
    }

    public func reset() { cache.reset() }

    /// A new empty cache shaped for this model and this session's context length, for sequences that
    /// share this session's scratch and threads (`using(_:_:)`, `decode(_:caches:_:)`).
    public func makeCache() -> KVCache {
        KVCache(kvHeads: model.config.headCountKV, headDim: model.config.headDim, contextLength: cache.contextLength,
                windows: model.config.slidingWindows, type: cacheType, valuesAreKeys: model.config.latentAttention != nil)
    }

    /// Runs `body` with `other` as the session's cache (`evaluate`, `next` and `reset` act on it).
    /// Throws `invalidBatch` when `other` was not made by `makeCache()` of a session like this one.
    public func using<R>(_ other: KVCache, _ body: () throws -> R) throws -> R {
        try checkShape(of: other, index: 0)
        let own = cache
        cache = other
        defer { cache = own }
        return try body()
    }

    /// One decode step of several sequences at once: `tokens[i]` goes at the next position of `caches[i]`,
    /// and `logits(i, row)` gets the vocabulary logits after it. All rows share each weight read, which is
    /// what makes serving several streams cheaper than running them one after another.
    /// `adapters[i]` (if given) is the run-time LoRA adapter of sequence i. With `concurrently`, the rows
    /// are handed out on the session's threads at once (each i exactly once: `logits` must be safe to call
    /// for different rows in parallel), so per-row work such as sampling runs in parallel too; the first
    /// error thrown is rethrown after all rows.
    public func decode(_ tokens: [Int], caches: [KVCache], adapters: [ScaledAdapter?] = [], concurrently: Bool = false,
                       _ logits: (Int, UnsafeBufferPointer<Float>) throws -> Void) throws {
        try step(tokens.map { [$0] }, caches: caches, adapters: adapters, concurrently: concurrently, logits)
    }

    /// `decode` where sequence i appends `inputs[i]`: one token for a decode step, or a piece of a prompt
    /// (continuous batching: a joining request's prompt is evaluated in the same forward pass as the other
    /// sequences' next tokens). `logits(i, row)` gets the logits after the last token of input i, for
    /// each i where `wantLogits[i]` (all when nil). The rows of all inputs together are at most `maxBatch`.
    /// A piece of several tokens must fit in the cache without wrapping a sliding window's rolling buffer
    /// (its keys are stored before its queries attend); evaluate longer ones with `using` and `evaluate`.
    public func step(_ inputs: [[Int]], caches: [KVCache], wantLogits: [Bool]? = nil, adapters: [ScaledAdapter?] = [],
                     concurrently: Bool = false, _ logits: (Int, UnsafeBufferPointer<Float>) throws -> Void) throws {
        guard !inputs.isEmpty, !inputs.contains(where: \.isEmpty) else { throw ModelError.emptyInput }
        let total = inputs.reduce(0) { $0 + $1.count }
        guard inputs.count == caches.count, total <= maxBatch, wantLogits.map({ $0.count == inputs.count }) ?? true else {
            throw ModelError.invalidBatch("\(inputs.count) inputs of \(total) tokens for \(caches.count) caches; a step takes one input per cache and at most \(maxBatch) tokens in all (the session's batch size)")
        }
        let vocab = model.config.vocabularySize
        for input in inputs {
            for t in input where t < 0 || t >= vocab { throw ModelError.tokenOutOfRange(token: t, vocabularySize: vocab) }
        }
        for (i, c) in caches.enumerated() {
            try checkShape(of: c, index: i)
            let k = inputs[i].count
            guard c.count + k <= c.contextLength else { throw ModelError.contextFull(needed: c.count + k, capacity: c.contextLength) }
            guard k == 1 || c.slots.allSatisfy({ c.count + k <= $0 }) else {
                throw ModelError.invalidBatch("input \(i) of \(k) tokens would wrap a sliding-window layer's rolling buffer; evaluate it on its own")
            }
            guard !caches[..<i].contains(where: { $0 === c }) else {
                throw ModelError.invalidBatch("cache \(i) appears twice in one step: each sequence gets one input")
            }
        }
        var rowCaches: [KVCache] = [], positions: [Int] = [], rowTokens: [Int] = [], rowAdapters: [ScaledAdapter?] = []
        var logitRows: [Int] = [], logitInputs: [Int] = []
        let anyAdapter = adapters.contains { $0 != nil }
        for (i, input) in inputs.enumerated() {
            for (j, t) in input.enumerated() {
                rowCaches.append(caches[i])
                positions.append(caches[i].count + j)
                rowTokens.append(t)
                if anyAdapter { rowAdapters.append(i < adapters.count ? adapters[i] : nil) }
            }
            if wantLogits?[i] ?? true {
                logitRows.append(rowTokens.count - 1)
                logitInputs.append(i)
            }
        }
        let own = self.rowAdapters
        self.rowAdapters = rowAdapters
        defer { self.rowAdapters = own }
        forwardChunk(rowTokens, rows: .sequences(rowCaches, positions: positions), logitRows: logitRows)
        guard concurrently, logitRows.count > 1, pool.threadCount > 1 else {
            for (k, i) in logitInputs.enumerated() {
                try logits(i, UnsafeBufferPointer(start: s.logits + k * vocab, count: vocab))
            }
            return
        }
        let errors = RowErrors(count: logitRows.count)
        let base = UnsafePointer(s.logits)
        pool.parallelFor(logitRows.count) { range in
            for k in range {
                do { try logits(logitInputs[k], UnsafeBufferPointer(start: base + k * vocab, count: vocab)) } catch { errors.set(k, error) }
            }
        }
        if let first = errors.first { throw first }
    }

    private func checkShape(of c: KVCache, index i: Int) throws {
        guard c.kvHeads == model.config.headCountKV, c.headDim == model.config.headDim, c.layers == model.weights.layers.count,
              c.contextLength <= s.context, c.type == cacheType, c.valuesAreKeys == (model.config.latentAttention != nil) else {
            throw ModelError.invalidBatch("cache \(i) was made for another model, a longer context or another cache type (\(c.type.rawValue), this session's is \(cacheType.rawValue)); make caches with makeCache()")
        }
    }

    /// Evaluates `tokens` at positions `position ..< position + tokens.count`, appending them to the cache,
    /// and calls `logits(i, row)` with the vocabulary logits after token i, for each i in `want`
    /// (indices into `tokens`). The row is valid only during the call.
    public func evaluate(_ tokens: [Int], logitsFor want: LogitsRequest = .last,
                         _ logits: (Int, UnsafeBufferPointer<Float>) throws -> Void = { _, _ in }) throws {
        let vocab = model.config.vocabularySize
        try chunks(of: tokens) { start, chunk, isLast in
            let rows: [Int]
            switch want {
            case .none: rows = []
            case .all: rows = Array(0..<chunk.count)
            case .last: rows = isLast ? [chunk.count - 1] : []
            }
            forwardChunk(chunk, logitRows: rows)
            for (k, r) in rows.enumerated() {
                try logits(start + r, UnsafeBufferPointer(start: s.logits + k * vocab, count: vocab))
            }
        }
    }

    /// Evaluates `tokens` like `evaluate` and calls `hidden(i, row)` with token i's final hidden state (after
    /// the output norm, before the output projection; `embeddingLength` floats), for embeddings.
    public func evaluateHidden(_ tokens: [Int], _ hidden: (Int, UnsafeBufferPointer<Float>) throws -> Void) throws {
        let c = model.config, e = c.embeddingLength
        try chunks(of: tokens) { start, chunk, _ in
            forwardChunk(chunk, logitRows: [])
            for t in chunk.indices {
                Ops.rmsNorm(s.x + t * e, weight: model.weights.outputNorm, eps: c.rmsNormEpsilon, out: s.xn + t * e, e)
                try hidden(start + t, UnsafeBufferPointer(start: s.xn + t * e, count: e))
            }
        }
    }

    /// Checks `tokens` against the vocabulary and the room left in the cache, then hands them over in
    /// chunks of at most `maxBatch`: (offset, chunk, is the last chunk).
    private func chunks(of tokens: [Int], _ body: (Int, [Int], Bool) throws -> Void) throws {
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
            try body(start, Array(tokens[start..<end]), end == tokens.count)
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

/// One slot per row for errors thrown on the pool's threads (each row writes only its own slot, through a
/// buffer: concurrent writes to one array property would trip Swift's exclusivity checks).
private final class RowErrors: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<(any Error)?>
    init(count: Int) { slots = .allocate(capacity: count); slots.initialize(repeating: nil) }
    deinit { slots.deinitialize(); slots.deallocate() }
    func set(_ i: Int, _ error: any Error) { slots[i] = error }
    var first: (any Error)? { slots.lazy.compactMap { $0 }.first }
}

public enum LogitsRequest: Sendable {
    case none, last, all
}

/// Where the rows of one forward step go: consecutive positions of the session's cache, or row t at
/// `positions[t]` of `caches[t]` (rows of one sequence at consecutive positions, keys stored before
/// attention).
enum RowPlacement {
    case chunk
    case sequences([KVCache], positions: [Int])
}
