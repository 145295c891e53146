import BoraKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension DecoderSession {
    /// Runs the decoder on up to `maxBatch` tokens and leaves the logits of `logitRows` (indices into
    /// `tokens`) in `s.logits`, one row each. `rows` says where each token goes: `.chunk`, consecutive
    /// positions of this session's cache; `.sequences(caches)`, token t at the next position of caches[t]
    /// (one decode step of several sequences at once, sharing every weight read).
    func forwardChunk(_ tokens: [Int], rows: RowPlacement = .chunk, logitRows: [Int]) {
        let c = model.config
        let w = model.weights
        let n = tokens.count
        let e = c.embeddingLength
        let p0 = cache.count
        let positions: [Int]
        switch rows {
        case .chunk: positions = Array(p0..<(p0 + n))
        case let .sequences(caches): positions = caches.map(\.count)
        }

        for (t, tok) in tokens.enumerated() {
            w.tokenEmbedding.row(tok, into: s.x + t * e)
        }

        for (l, layer) in w.layers.enumerated() {
            for t in 0..<n {
                Ops.rmsNorm(s.x + t * e, weight: layer.attentionNorm, eps: c.rmsNormEpsilon, out: s.xn + t * e, e)
            }
            quantizeInput(s.xn, rows: n, cols: e, for: layer.wq.type)
            matmul(layer.wq, rows: n, out: s.q)
            addLoRA(.q, layer: l, input: s.xn, inWidth: e, rows: n, out: s.q, outWidth: c.queryDim)
            if Quant.activationType(for: layer.wk.type) != Quant.activationType(for: layer.wq.type) {
                quantizeInput(s.xn, rows: n, cols: e, for: layer.wk.type)
            }
            matmul(layer.wk, rows: n, out: s.k)
            addLoRA(.k, layer: l, input: s.xn, inWidth: e, rows: n, out: s.k, outWidth: c.kvDim)
            if Quant.activationType(for: layer.wv.type) != Quant.activationType(for: layer.wk.type) {
                quantizeInput(s.xn, rows: n, cols: e, for: layer.wv.type)
            }
            matmul(layer.wv, rows: n, out: s.v)
            addLoRA(.v, layer: l, input: s.xn, inWidth: e, rows: n, out: s.v, outWidth: c.kvDim)

            for t in 0..<n {
                rope(s.q + t * c.queryDim, heads: c.headCount, position: positions[t])
                rope(s.k + t * c.kvDim, heads: c.headCountKV, position: positions[t])
            }
            switch rows {
            case .chunk:
                attention(layer: l, tokens: n, caches: [cache], cachedBelow: [p0], positions: positions)
                storeKeysAndValues(layer: l, tokens: n, start: p0)
            case let .sequences(caches):
                // Each row's own key and value go into its cache first; attention then reads only caches.
                for (t, other) in caches.enumerated() {
                    other.keyRow(layer: l, position: positions[t]).update(from: s.k + t * c.kvDim, count: c.kvDim)
                    other.valueRow(layer: l, position: positions[t]).update(from: s.v + t * c.kvDim, count: c.kvDim)
                }
                attention(layer: l, tokens: n, caches: caches, cachedBelow: positions.map { $0 + 1 }, positions: positions)
            }

            quantizeInput(s.att, rows: n, cols: c.queryDim, for: layer.wo.type)
            matmul(layer.wo, rows: n, out: s.o)
            addLoRA(.o, layer: l, input: s.att, inWidth: c.queryDim, rows: n, out: s.o, outWidth: e)
            Ops.add(s.x, s.o, n * e)

            for t in 0..<n {
                Ops.rmsNorm(s.x + t * e, weight: layer.ffnNorm, eps: c.rmsNormEpsilon, out: s.xn + t * e, e)
            }
            feedForward(layer.feedForward, layer: l, tokens: n)
            Ops.add(s.x, s.o, n * e)
        }
        switch rows {
        case .chunk: cache.count = p0 + n
        case let .sequences(caches): caches.forEach { $0.count += 1 }
        }

        guard !logitRows.isEmpty else { return }
        for (k, t) in logitRows.enumerated() {
            Ops.rmsNorm(s.x + t * e, weight: w.outputNorm, eps: c.rmsNormEpsilon, out: s.xn + k * e, e)
        }
        quantizeInput(s.xn, rows: logitRows.count, cols: e, for: w.output.type)
        matmul(w.output, rows: logitRows.count, out: s.logits)
    }

    /// Quantizes `rows` input vectors of `cols` floats into `s.xq` in the activation format of `type`.
    func quantizeInput(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, for type: GGMLType) {
        for t in 0..<rows {
            Quant.quantizeActivations(x + t * cols, count: cols, for: type, into: s.xq + t * s.xqStride)
        }
    }

    /// out[t, r] = W[r] · x[t] for t < rows, over all of W's rows, split across threads by rows.
    /// One token: a matvec over the thread's rows. Several: each thread walks its rows in blocks of up to
    /// 256 rows (which stay in L2 from one tile of tokens to the next) and runs the GEMM `Quant.matmul` on
    /// each block, which decodes every weight block once per tile of tokens.
    func matmul(_ m: WeightMatrix, rows: Int, out: UnsafeMutablePointer<Float>) {
        let xq = UnsafeRawPointer(s.xq), stride = s.xqStride
        pool.parallelFor(m.rows, granularity: 16) { range in
            if rows == 1 {
                m.matvec(rows: range, x: xq, y: out + range.lowerBound)
                return
            }
            var r = range.lowerBound
            while r < range.upperBound {
                let hi = min(range.upperBound, r + 256)
                m.matmul(rows: r..<hi, x: xq, xStride: stride, tokens: rows, y: out + r, yStride: m.rows)
                r = hi
            }
        }
    }

    /// Rotates the first ropeDimensions of each head by position * freq_i: pairs (x[2i], x[2i+1]) for
    /// GGUF and Mistral checkpoints, (x[i], x[i + d/2]) for Hugging Face ones.
    func rope(_ x: UnsafeMutablePointer<Float>, heads: Int, position: Int) {
        let c = model.config
        let inv = model.inverseFrequencies
        let half = c.ropeDimensions / 2
        let adjacent = c.ropeStyle == .adjacentPairs
        for i in 0..<inv.count {
            let theta = Float(position) * inv[i]
            let cs = cosf(theta), sn = sinf(theta)
            let (ia, ib) = adjacent ? (2 * i, 2 * i + 1) : (i, i + half)
            for h in 0..<heads {
                let p = x + h * c.headDim
                let a = p[ia], b = p[ib]
                p[ia] = a * cs - b * sn
                p[ib] = a * sn + b * cs
            }
        }
    }

    /// Causal grouped-query attention for `tokens` rows, writing (tokens, queryDim) into s.att. Row t is
    /// the query at `positions[t]` of `caches[t]` (one entry: every row shares it); it sees keys j with
    /// max(0, p - W + 1) <= j <= p (W: the layer's window, if any). Keys below `cachedBelow[t]` come from
    /// the cache (their slots are intact: a chunk's own keys are stored only afterwards), the others from
    /// this chunk's s.k / s.v (row j - cachedBelow).
    ///
    /// Each thread takes a range of (token, query head) jobs and runs `Attention.attend` once per run of
    /// consecutive heads of one KV head in it, so K and V are read once per group rather than per head.
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
        let c = model.config
        let hd = c.headDim, kvDim = c.kvDim, heads = c.headCount
        let group = heads / c.headCountKV
        let scale = 1 / Float(hd).squareRoot()
        let window = c.window(layer: l)
        let q = UnsafePointer(s.q), k = UnsafePointer(s.k), v = UnsafePointer(s.v), att = s.att
        let jobs = n * heads
        let threads = pool.threadCount
        pool.run { thread in
            var job = jobs * thread / threads
            let last = jobs * (thread + 1) / threads
            while job < last {
                let t = job / heads, h = job % heads
                // This head and the next ones of its KV head that are in this thread's range.
                let run = min(group - h % group, last - job)
                defer { job += run }
                let g = h / group, p = positions[t]
                let cache = caches[caches.count == 1 ? 0 : t], p0 = cachedBelow[cachedBelow.count == 1 ? 0 : t]
                let lo = window.map { max(0, p - $0 + 1) } ?? 0
                // Rows lo...p: the cached ones (lo ..< min(p + 1, p0); a rolling buffer wraps at most once),
                // then the chunk's own (rows j - p0 of s.k / s.v).
                let cachedEnd = max(lo, min(p + 1, p0)), slots = cache.slots[l]
                let cached = cachedEnd - lo, n1 = min(cached, slots - lo % slots)
                func cacheSpan(_ j: Int, _ count: Int) -> Attention.Span {
                    Attention.Span(keys: UnsafePointer(cache.keyRow(layer: l, position: j)) + g * hd,
                                   values: UnsafePointer(cache.valueRow(layer: l, position: j)) + g * hd, count: count)
                }
                let own = Attention.Span(keys: k + max(0, cachedEnd - p0) * kvDim + g * hd,
                                         values: v + max(0, cachedEnd - p0) * kvDim + g * hd, count: p + 1 - cachedEnd)
                Attention.attend(queries: q + t * c.queryDim + h * hd, heads: run, headDim: hd, scale: scale,
                                 spans: (cacheSpan(lo, n1), cacheSpan(lo + n1, cached - n1), own),
                                 rowStride: kvDim, out: att + t * c.queryDim + h * hd)
            }
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
    /// then the weighted sum of the values (`Ops.dot`, `Ops.softmax`, `Ops.axpy`).
    func attentionReference(layer l: Int, tokens n: Int, caches: [KVCache], cachedBelow: [Int], positions: [Int]) {
        let c = model.config
        let hd = c.headDim, kvDim = c.kvDim
        let group = c.headCount / c.headCountKV
        let scale = 1 / Float(hd).squareRoot()
        let window = c.window(layer: l)
        let q = s.q, k = UnsafePointer(s.k), v = UnsafePointer(s.v), att = s.att, scoresBase = s.scores, context = s.context
        let jobs = n * c.headCount
        let threads = pool.threadCount
        pool.run { thread in
            let scores = scoresBase + thread * context
            for job in (jobs * thread / threads)..<(jobs * (thread + 1) / threads) {
                let t = job / c.headCount, h = job % c.headCount
                let g = h / group
                let p = positions[t]
                let cache = caches[caches.count == 1 ? 0 : t], p0 = cachedBelow[cachedBelow.count == 1 ? 0 : t]
                let lo = window.map { max(0, p - $0 + 1) } ?? 0
                let qh = q + t * c.queryDim + h * hd
                @inline(__always) func keyAt(_ j: Int) -> UnsafePointer<Float> {
                    j < p0 ? UnsafePointer(cache.keyRow(layer: l, position: j)) + g * hd : k + (j - p0) * kvDim + g * hd
                }
                @inline(__always) func valueAt(_ j: Int) -> UnsafePointer<Float> {
                    j < p0 ? UnsafePointer(cache.valueRow(layer: l, position: j)) + g * hd : v + (j - p0) * kvDim + g * hd
                }
                let len = p - lo + 1
                for j in lo...p {
                    scores[j - lo] = Ops.dot(qh, keyAt(j), hd) * scale
                }
                Ops.softmax(scores, len)
                let out = att + t * c.queryDim + h * hd
                out.initialize(repeating: 0, count: hd)
                for j in lo...p {
                    Ops.axpy(scores[j - lo], valueAt(j), out, hd)
                }
            }
        }
    }

    /// Writes this chunk's keys and values into the cache (only the last `slots` positions can survive).
    func storeKeysAndValues(layer l: Int, tokens n: Int, start p0: Int) {
        let kvDim = model.config.kvDim
        for t in max(0, n - cache.slots[l])..<n {
            cache.keyRow(layer: l, position: p0 + t).update(from: s.k + t * kvDim, count: kvDim)
            cache.valueRow(layer: l, position: p0 + t).update(from: s.v + t * kvDim, count: kvDim)
        }
    }
}
