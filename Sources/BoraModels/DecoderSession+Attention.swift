import BoraKernels
import Foundation

/// Attention over the KV cache: the tiled kernel (keys split over the threads when there are too few runs),
/// its reference and the hook comparing them, and the cache writes.
extension DecoderSession {
    /// Causal grouped-query attention for `tokens` rows, writing (tokens, queryDim) into s.att. Row t is
    /// the query at `positions[t]` of `caches[t]` (one entry: every row shares it); it sees keys j with
    /// max(0, p - W + 1) <= j <= p (W: the layer's window, if any). Keys below `cachedBelow[t]` come from
    /// the cache (their slots are intact: a chunk's own keys are stored only afterwards), the others from
    /// this chunk's s.k / s.v (row j - cachedBelow).
    ///
    /// Each thread takes a range of (token, query head) jobs and runs `Attention.attend` once per run of
    /// consecutive heads of one KV head in it, so K and V are read once per group rather than per head.
    /// With too few such runs for the threads (decoding a model with few KV heads), each run's keys are
    /// split over the threads instead (`attentionSplitByKeys`).
    /// `referenceAttention` switches to `attentionReference` (one head at a time, whole softmax).
    func attention(layer l: Int, tokens n: Int, caches: [KVCache], cachedBelow: [Int], positions: [Int]) {
        if referenceAttention {
            return attentionReference(layer: l, tokens: n, caches: caches, cachedBelow: cachedBelow, positions: positions)
        }
        defer {
            if let check = attentionCheck {
                check(l, attentionDifference(layer: l, tokens: n, caches: caches, cachedBelow: cachedBelow, positions: positions))
            }
        }
        switch cacheType {
        case .f16:
            if attentionByBlocks(layer: l, tokens: n, caches: caches, cachedBelow: cachedBelow, positions: positions) { return }
            attention(layer: l, tokens: n, caches: caches, cachedBelow: cachedBelow, positions: positions,
                      ownKeys: UnsafePointer(s.k16), ownValues: UnsafePointer(s.v16))
        case .f32:
            attention(layer: l, tokens: n, caches: caches, cachedBelow: cachedBelow, positions: positions,
                      ownKeys: UnsafePointer(s.k), ownValues: UnsafePointer(s.v))
        }
    }

    /// `attention` over caches of element type E, the chunk's own keys and values (tokens, kvDim) in `k`, `v`.
    func attention<E: AttentionElement>(layer l: Int, tokens n: Int, caches: [KVCache], cachedBelow: [Int], positions: [Int],
                                        ownKeys k: UnsafePointer<E>, ownValues v: UnsafePointer<E>) {
        let c = model.config
        let hd = c.headDim, kvDim = c.kvDim, heads = c.headCount
        let group = heads / c.headCountKV
        let scale = c.effectiveAttentionScale
        let window = c.window(layer: l)
        let q = UnsafePointer(s.q), att = s.att
        let threads = pool.threadCount
        /// The rows row t sees of KV head g, in order: the cached ones (lo ..< min(p + 1, p0); a rolling
        /// buffer wraps at most once; head g's rows are contiguous), then the chunk's own (rows j - p0 of
        /// `k` / `v`, kvDim apart).
        func spans(_ t: Int, _ g: Int) -> (Attention.Span<E>, Attention.Span<E>, Attention.Span<E>) {
            let p = positions[t]
            let cache = caches[caches.count == 1 ? 0 : t], p0 = cachedBelow[cachedBelow.count == 1 ? 0 : t]
            let lo = Self.firstVisible(p, window: window)
            let cachedEnd = max(lo, min(p + 1, p0)), slots = cache.slots[l]
            let cached = cachedEnd - lo, n1 = min(cached, slots - lo % slots)
            func cacheSpan(_ j: Int, _ count: Int) -> Attention.Span<E> {
                Attention.Span(keys: UnsafePointer(cache.keys(E.self, layer: l, head: g, position: j)),
                               values: UnsafePointer(cache.values(E.self, layer: l, head: g, position: j)),
                               count: count, rowStride: hd)
            }
            let own = Attention.Span(keys: k + max(0, cachedEnd - p0) * kvDim + g * hd,
                                     values: v + max(0, cachedEnd - p0) * kvDim + g * hd, count: p + 1 - cachedEnd,
                                     rowStride: kvDim)
            return (cacheSpan(lo, n1), cacheSpan(lo + n1, cached - n1), own)
        }
        if splitAttention(tokens: n, positions: positions, window: window) {
            return attentionSplitByKeys(tokens: n, group: group, scale: scale, spans: spans)
        }
        let jobs = n * heads
        pool.run { thread in
            var job = jobs * thread / threads
            let last = jobs * (thread + 1) / threads
            while job < last {
                let t = job / heads, h = job % heads
                // This head and the next ones of its KV head that are in this thread's range.
                let run = min(group - h % group, last - job)
                defer { job += run }
                Attention.attend(queries: q + t * c.queryDim + h * hd, heads: run, headDim: hd, scale: scale,
                                 spans: spans(t, h / group), out: att + t * c.queryDim + h * hd)
            }
        }
    }

    /// Tokens per block of the block kernel (`attentionByBlocks`), and the fewest tokens it is used for.
    static let attentionBlock = 16, attentionBlockFrom = 8
    /// False when the environment sets `BORA_BLOCK_ATTENTION=0` (an A/B switch for benchmarks). Read once.
    static let useBlockAttention: Bool = ProcessInfo.processInfo.environment["BORA_BLOCK_ATTENTION"] != "0"

    /// `attention` for a chunk of one sequence (prefill) with an F16 cache, a block of tokens at a time: each
    /// tile of 16 keys is converted once for every query vector of the block (`Attention.attendBlock`), where
    /// the per-row kernel reads and converts the whole history again for every token. For chunks of at least
    /// `attentionBlockFrom` tokens at consecutive positions right after the cached ones, on a CPU with the C
    /// kernels, where no rolling buffer has wrapped (no window, or one the chunk's positions stay inside).
    /// Returns false (nothing done) otherwise.
    func attentionByBlocks(layer l: Int, tokens n: Int, caches: [KVCache], cachedBelow: [Int], positions: [Int]) -> Bool {
        let c = model.config
        let hd = c.headDim, group = c.headCount / c.headCountKV
        guard Self.useBlockAttention, n >= Self.attentionBlockFrom, Attention.blockAvailable, hd % 16 == 0,
              caches.count == 1, cachedBelow.count == 1, let cache = caches.first, let p0 = cachedBelow.first,
              positions.count == n, positions.enumerated().allSatisfy({ $0.element == p0 + $0.offset }) else { return false }
        if let window = c.window(layer: l), p0 + n > window { return false }
        let pos = positions.map { Int32($0) }
        let scale = c.effectiveAttentionScale, kvDim = c.kvDim, queryDim = c.queryDim
        let q = UnsafePointer(s.q), att = s.att, k = UnsafePointer(s.k16), v = UnsafePointer(s.v16)
        let blocks = (n + Self.attentionBlock - 1) / Self.attentionBlock, jobs = blocks * c.headCountKV
        let threads = pool.threadCount, scratchCount = Attention.blockScratch(headDim: hd, tokens: Self.attentionBlock, heads: group)
        pos.withUnsafeBufferPointer { posBuffer in
            let positionsBase = posBuffer.baseAddress.unsafelyUnwrapped
            pool.run { thread in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: scratchCount) { scratch in
                    for job in (jobs * thread / threads)..<(jobs * (thread + 1) / threads) {
                        let g = job % c.headCountKV, b = job / c.headCountKV
                        let t0 = b * Self.attentionBlock, tokens = min(Self.attentionBlock, n - t0)
                        var spans: [(Attention.Span<Float16>, first: Int)] = []
                        if p0 > 0 {
                            spans.append((Attention.Span(keys: UnsafePointer(cache.keys(Float16.self, layer: l, head: g, position: 0)),
                                                         values: UnsafePointer(cache.values(Float16.self, layer: l, head: g, position: 0)),
                                                         count: p0, rowStride: hd), first: 0))
                        }
                        spans.append((Attention.Span(keys: k + g * hd, values: v + g * hd, count: t0 + tokens, rowStride: kvDim), first: p0))
                        Attention.attendBlock(queries: q + t0 * queryDim + g * group * hd, queryStride: queryDim, tokens: tokens,
                                              heads: group, headDim: hd, positions: positionsBase + t0, window: 0, scale: scale,
                                              spans: spans, out: att + t0 * queryDim + g * group * hd, outStride: queryDim,
                                              scratch: scratch.baseAddress.unsafelyUnwrapped)
                    }
                }
            }
        }
        return true
    }

    /// True when there are too few (token, KV head) runs to keep every thread busy (decoding one token of a
    /// model with fewer KV heads than twice the threads: SmolLM2's 3 on 2 threads) and every row sees at
    /// least `splitAttentionFrom` keys (and one per thread), the scratch holding a part per thread.
    func splitAttention(tokens n: Int, positions: [Int], window: Int?) -> Bool {
        let c = model.config, threads = pool.threadCount
        guard threads > 1, n * c.headCountKV < 2 * threads else { return false }
        let group = c.headCount / c.headCountKV
        guard n * c.headCountKV * threads * (group * c.headDim + 2 * group) <= threads * s.context else { return false }
        for t in 0..<n {
            let p = positions[t], lo = Self.firstVisible(p, window: window)
            if p + 1 - lo < max(splitAttentionFrom, threads) { return false }
        }
        return true
    }

    /// `attention` with each (token, KV head) run's keys cut in one part per thread: every thread takes
    /// parts (`Attention.attendPart` into s.scores), then the parts of each run are merged
    /// (`Attention.merge`). Each key and value row is read once, and the threads share the work evenly.
    func attentionSplitByKeys<E: AttentionElement>(tokens n: Int, group: Int, scale: Float,
                                                   spans: (Int, Int) -> (Attention.Span<E>, Attention.Span<E>, Attention.Span<E>)) {
        let c = model.config
        let hd = c.headDim, groups = c.headCountKV, threads = pool.threadCount
        let q = UnsafePointer(s.q), att = s.att, scratch = s.scores
        let parts = threads, stride = group * hd + 2 * group, jobs = n * groups * parts
        pool.run { thread in
            for job in (jobs * thread / threads)..<(jobs * (thread + 1) / threads) {
                let i = job % parts, tg = job / parts, t = tg / groups, g = tg % groups
                let all = spans(t, g)
                let rows = all.0.count + all.1.count + all.2.count
                let from = rows * i / parts, to = rows * (i + 1) / parts
                let out = scratch + job * stride
                Attention.attendPart(queries: q + t * c.queryDim + g * group * hd, heads: group, headDim: hd, scale: scale,
                                     spans: Attention.slice(all, from: from, count: to - from), out: out, stats: out + group * hd)
            }
        }
        for tg in 0..<(n * groups) {
            let t = tg / groups, g = tg % groups
            Attention.merge(scratch + tg * parts * stride, count: parts, partStride: stride, heads: group, headDim: hd,
                            out: att + t * c.queryDim + g * group * hd)
        }
    }

    /// Test hook: the largest difference between `s.att` (the tiled kernel's, kept) and what
    /// `attentionReference` computes from the same inputs, relative to the largest |output| of its row.
    func attentionDifference(layer l: Int, tokens n: Int, caches: [KVCache], cachedBelow: [Int], positions: [Int]) -> Float {
        let width = model.config.queryDim
        let fast = Array(UnsafeBufferPointer(start: s.att, count: n * width))
        attentionReference(layer: l, tokens: n, caches: caches, cachedBelow: cachedBelow, positions: positions)
        var worst: Float = 0
        for t in 0..<n {
            let row = UnsafeBufferPointer(start: s.att + t * width, count: width)
            let scale = max(row.map(abs).max() ?? 0, .leastNormalMagnitude)
            for i in 0..<width { worst = max(worst, abs(fast[t * width + i] - row[i]) / scale) }
        }
        s.att.update(from: fast, count: fast.count)
        return worst
    }

    /// Reference of `attention`: one job per (token, query head), scores of every visible key, a softmax,
    /// then the weighted sum of the values (`Ops.dot`, `Ops.softmax`, `Ops.axpy` on each row converted to
    /// Float, one element at a time).
    func attentionReference(layer l: Int, tokens n: Int, caches: [KVCache], cachedBelow: [Int], positions: [Int]) {
        switch cacheType {
        case .f16:
            attentionReference(layer: l, tokens: n, caches: caches, cachedBelow: cachedBelow, positions: positions,
                               ownKeys: UnsafePointer(s.k16), ownValues: UnsafePointer(s.v16))
        case .f32:
            attentionReference(layer: l, tokens: n, caches: caches, cachedBelow: cachedBelow, positions: positions,
                               ownKeys: UnsafePointer(s.k), ownValues: UnsafePointer(s.v))
        }
    }

    func attentionReference<E: AttentionElement>(layer l: Int, tokens n: Int, caches: [KVCache], cachedBelow: [Int],
                                                 positions: [Int], ownKeys k: UnsafePointer<E>, ownValues v: UnsafePointer<E>) {
        let c = model.config
        let hd = c.headDim, kvDim = c.kvDim
        let group = c.headCount / c.headCountKV
        let scale = c.effectiveAttentionScale
        let window = c.window(layer: l)
        let q = s.q, att = s.att, scoresBase = s.scores, context = s.context
        let jobs = n * c.headCount
        let threads = pool.threadCount
        pool.run { thread in
            let scores = scoresBase + thread * context
            withUnsafeTemporaryAllocation(of: Float.self, capacity: hd) { buffer in
                let row = buffer.baseAddress.unsafelyUnwrapped
                /// The hd elements at `p`, as floats in `row`.
                func floats(_ p: UnsafePointer<E>) -> UnsafePointer<Float> {
                    for i in 0..<hd { row[i] = E.load(p, i) }
                    return UnsafePointer(row)
                }
                for job in (jobs * thread / threads)..<(jobs * (thread + 1) / threads) {
                    let t = job / c.headCount, h = job % c.headCount
                    let g = h / group
                    let p = positions[t]
                    let cache = caches[caches.count == 1 ? 0 : t], p0 = cachedBelow[cachedBelow.count == 1 ? 0 : t]
                    let lo = Self.firstVisible(p, window: window)
                    let qh = q + t * c.queryDim + h * hd
                    func keyAt(_ j: Int) -> UnsafePointer<E> {
                        j < p0 ? UnsafePointer(cache.keys(E.self, layer: l, head: g, position: j)) : k + (j - p0) * kvDim + g * hd
                    }
                    func valueAt(_ j: Int) -> UnsafePointer<E> {
                        j < p0 ? UnsafePointer(cache.values(E.self, layer: l, head: g, position: j)) : v + (j - p0) * kvDim + g * hd
                    }
                    let len = p - lo + 1
                    for j in lo...p {
                        scores[j - lo] = Ops.dot(qh, floats(keyAt(j)), hd) * scale
                    }
                    Ops.softmax(scores, len)
                    let out = att + t * c.queryDim + h * hd
                    out.initialize(repeating: 0, count: hd)
                    for j in lo...p {
                        Ops.axpy(scores[j - lo], floats(valueAt(j)), out, hd)
                    }
                }
            }
        }
    }

    /// The first key position the query at position p sees: max(0, p - W + 1) with a window W, else 0.
    static func firstVisible(_ p: Int, window: Int?) -> Int { window.map { max(0, p - $0 + 1) } ?? 0 }

    /// Writes this chunk's keys and values into the cache (only the last `slots` positions can survive).
    func storeKeysAndValues(layer l: Int, tokens n: Int, start p0: Int) {
        let kvDim = model.config.kvDim
        for t in max(0, n - cache.slots[l])..<n {
            cache.store(layer: l, position: p0 + t, keys: s.k + t * kvDim, values: s.v + t * kvDim)
        }
    }
}
