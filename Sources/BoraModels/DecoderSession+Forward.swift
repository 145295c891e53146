import BoraKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension DecoderSession {
    /// Runs the decoder on up to `maxBatch` tokens and leaves the logits of `logitRows` (indices into
    /// `tokens`) in `s.logits`, one row each. `rows` says where each token goes: `.chunk`, consecutive
    /// positions of this session's cache; `.sequences(caches, positions)`, token t at positions[t] of
    /// caches[t] (one step of several sequences at once, sharing every weight read).
    func forwardChunk(_ tokens: [Int], rows: RowPlacement = .chunk, logitRows: [Int]) {
        let c = model.config
        let w = model.weights
        let n = tokens.count
        let e = c.embeddingLength
        let p0 = cache.count
        let positions: [Int]
        switch rows {
        case .chunk: positions = Array(p0..<(p0 + n))
        case let .sequences(_, rowPositions): positions = rowPositions
        }

        for (t, tok) in tokens.enumerated() {
            w.tokenEmbedding.row(tok, into: s.x + t * e)
            if c.traits.scaleEmbedding { Ops.scale(s.x + t * e, Float(e).squareRoot(), e) }
        }

        for (l, layer) in w.layers.enumerated() {
            // Row-wise steps run on the pool's threads when there are several rows (a batched decode step or a
            // prompt chunk): on the caller alone they would leave the other threads waiting.
            let firstInput: GGMLType
            switch layer.attention {
            case let .standard(a): firstInput = a.wq.type
            case let .latent(a): firstInput = (a.queryA ?? a.query).type
            }
            forEachRow(n) { t in
                if l > 0 { Ops.add(s.x + t * e, s.o + t * e, e) }  // the previous layer's feed-forward output
                Ops.rmsNorm(s.x + t * e, weight: layer.attentionNorm, eps: c.rmsNormEpsilon, out: s.xn + t * e, e)
                quantizeRow(s.xn, row: t, cols: e, for: firstInput)
            }
            switch layer.attention {
            case let .standard(a): queriesAndKeys(a, layer: l, tokens: n, positions: positions)
            case let .latent(a): latentQueriesAndKeys(a, layer: l, tokens: n, positions: positions)
            }
            let latent = c.latentAttention != nil
            forEachRow(n) { t in
                // Latent attention's cached row is both key and value.
                if latent { (s.v + t * c.kvDim).update(from: s.k + t * c.kvDim, count: c.kvDim) }
                switch rows {
                case let .sequences(caches, _):
                    // Each row's own key and value go into its cache first; attention then reads only caches.
                    caches[t].store(layer: l, position: positions[t], keys: s.k + t * c.kvDim, values: s.v + t * c.kvDim)
                case .chunk where cacheType == .f16:
                    // The chunk's own keys and values, rounded as the cache will hold them: a token sees the
                    // same keys whether they come from this chunk or the cache (results do not depend on chunking).
                    Float16.store(s.k + t * c.kvDim, into: s.k16 + t * c.kvDim, count: c.kvDim)
                    Float16.store(s.v + t * c.kvDim, into: s.v16 + t * c.kvDim, count: c.kvDim)
                case .chunk: break
                }
            }
            switch rows {
            case .chunk:
                attention(layer: l, tokens: n, caches: [cache], cachedBelow: [p0], positions: positions)
                storeKeysAndValues(layer: l, tokens: n, start: p0)
            case let .sequences(caches, _):
                attention(layer: l, tokens: n, caches: caches, cachedBelow: positions.map { $0 + 1 }, positions: positions)
            }

            var attended = s.att, width = c.queryDim
            if case let .latent(a) = layer.attention, let shape = c.latentAttention {
                latentValues(a, shape: shape, tokens: n)
                attended = s.latentOut
                width = c.headCount * shape.valueDim
            }
            forEachRow(n) { t in quantizeRow(attended, row: t, cols: width, for: layer.wo.type) }
            matmul(layer.wo, rows: n, out: s.o)
            addLoRA(.o, layer: l, input: attended, inWidth: width, rows: n, out: s.o, outWidth: e)
            if let post = layer.postNorms {
                forEachRow(n) { t in Ops.rmsNorm(s.o + t * e, weight: post.attention, eps: c.rmsNormEpsilon, out: s.o + t * e, e) }
            }

            let dense: FeedForwardWeights? = if case let .dense(f) = layer.feedForward { f } else { nil }
            forEachRow(n) { t in
                Ops.add(s.x + t * e, s.o + t * e, e)
                Ops.rmsNorm(s.x + t * e, weight: layer.ffnNorm, eps: c.rmsNormEpsilon, out: s.xn + t * e, e)
                if let dense { quantizeRow(s.xn, row: t, cols: e, for: dense.gate.type) }
            }
            if let dense {
                swiGLU(dense, input: s.xn, rows: n, out: s.o, layer: l, quantized: true)
            } else {
                feedForward(layer.feedForward, layer: l, tokens: n)
            }
            if let post = layer.postNorms {
                forEachRow(n) { t in Ops.rmsNorm(s.o + t * e, weight: post.feedForward, eps: c.rmsNormEpsilon, out: s.o + t * e, e) }
            }
        }
        if !w.layers.isEmpty { Ops.add(s.x, s.o, n * e) }  // the last layer's feed-forward output
        switch rows {
        case .chunk: cache.count = p0 + n
        case let .sequences(caches, _):
            for (t, other) in caches.enumerated() { other.count = max(other.count, positions[t] + 1) }
        }

        guard !logitRows.isEmpty else { return }
        forEachRow(logitRows.count) { k in
            Ops.rmsNorm(s.x + logitRows[k] * e, weight: w.outputNorm, eps: c.rmsNormEpsilon, out: s.xn + k * e, e)
            quantizeRow(s.xn, row: k, cols: e, for: w.output.type)
        }
        matmul(w.output, rows: logitRows.count, out: s.logits)
        if let cap = c.finalLogitSoftcap {
            forEachRow(logitRows.count) { k in Ops.softcap(s.logits + k * c.vocabularySize, cap: cap, c.vocabularySize) }
        }
    }

    /// Grouped-query attention's q, k and v of `n` rows from s.xn (already quantized for wq in s.xq) into
    /// s.q, s.k, s.v, with LoRA, then each row prepared (`prepareQueryAndKey`).
    func queriesAndKeys(_ a: StandardAttentionWeights, layer l: Int, tokens n: Int, positions: [Int]) {
        let c = model.config, e = c.embeddingLength
        let act = Quant.activationType(for: a.wq.type)
        if Quant.activationType(for: a.wk.type) == act, Quant.activationType(for: a.wv.type) == act {
            matmul([(a.wq, s.q), (a.wk, s.k), (a.wv, s.v)], rows: n)
        } else {
            matmul(a.wq, rows: n, out: s.q)
            quantizeInput(s.xn, rows: n, cols: e, for: a.wk.type)
            matmul(a.wk, rows: n, out: s.k)
            quantizeInput(s.xn, rows: n, cols: e, for: a.wv.type)
            matmul(a.wv, rows: n, out: s.v)
        }
        addLoRA(.q, layer: l, input: s.xn, inWidth: e, rows: n, out: s.q, outWidth: c.queryDim)
        addLoRA(.k, layer: l, input: s.xn, inWidth: e, rows: n, out: s.k, outWidth: c.kvDim)
        addLoRA(.v, layer: l, input: s.xn, inWidth: e, rows: n, out: s.v, outWidth: c.kvDim)
        forEachRow(n) { t in prepareQueryAndKey(a, index: l, row: t, position: positions[t]) }
    }

    /// Row t of s.q and s.k after the projections: biases (Qwen 2), per-head RMSNorm (QK-norm), RoPE with
    /// the layer's table, the query's attention temperature (Llama 4 scaling).
    func prepareQueryAndKey(_ layer: StandardAttentionWeights, index l: Int, row t: Int, position: Int) {
        let c = model.config, hd = c.headDim
        let q = s.q + t * c.queryDim, k = s.k + t * c.kvDim
        if let b = layer.qkvBias {
            b.q.withUnsafeBufferPointer { Ops.add(q, $0.baseAddress.unsafelyUnwrapped, c.queryDim) }
            b.k.withUnsafeBufferPointer { Ops.add(k, $0.baseAddress.unsafelyUnwrapped, c.kvDim) }
            b.v.withUnsafeBufferPointer { Ops.add(s.v + t * c.kvDim, $0.baseAddress.unsafelyUnwrapped, c.kvDim) }
        }
        if let norm = layer.qkNorm {
            for h in 0..<c.headCount { Ops.rmsNorm(q + h * hd, weight: norm.q, eps: c.rmsNormEpsilon, out: q + h * hd, hd) }
            for h in 0..<c.headCountKV { Ops.rmsNorm(k + h * hd, weight: norm.k, eps: c.rmsNormEpsilon, out: k + h * hd, hd) }
        }
        let table = model.ropeTables[model.ropeOfLayer[l]]
        rope(q, heads: c.headCount, position: position, table: table)
        rope(k, heads: c.headCountKV, position: position, table: table)
        if let temperature = c.attentionTemperature {
            Ops.scale(q, temperature.scale(position: position), c.queryDim)
        }
    }

    /// Runs `body(t)` for each row t < n: split across the pool's threads from `rowParallelMinimum` rows
    /// on (each row's work is independent: rows write only their own slices), on the caller below that.
    func forEachRow(_ n: Int, _ body: (Int) -> Void) {
        guard n >= Self.rowParallelMinimum, pool.threadCount > 1 else {
            for t in 0..<n { body(t) }
            return
        }
        pool.parallelFor(n) { range in
            for t in range { body(t) }
        }
    }

    /// Rows from which `forEachRow` hands them out on the pool (fewer are not worth a dispatch).
    static let rowParallelMinimum = 4

    /// Quantizes input row `row` of `x` (`cols` floats per row) into its slot of `s.xq` in the activation
    /// format of `type`.
    func quantizeRow(_ x: UnsafeMutablePointer<Float>, row t: Int, cols: Int, for type: GGMLType) {
        Quant.quantizeActivations(x + t * cols, count: cols, for: type, into: s.xq + t * s.xqStride)
    }

    /// Quantizes `rows` input vectors of `cols` floats into `s.xq` in the activation format of `type`.
    func quantizeInput(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, for type: GGMLType) {
        for t in 0..<rows { quantizeRow(x, row: t, cols: cols, for: type) }
    }

    /// out[t, r] = W[r] · x[t] for t < rows, over all of W's rows, split across threads by rows.
    /// One token: a matvec over the thread's rows. Several: each thread walks its rows in blocks of up to
    /// 256 rows (which stay in L2 from one tile of tokens to the next) and runs the GEMM `Quant.matmul` on
    /// each block, which decodes every weight block once per tile of tokens.
    func matmul(_ m: WeightMatrix, rows: Int, out: UnsafeMutablePointer<Float>) {
        matmul([(m, out)], rows: rows)
    }

    /// `matmul` of several matrices on the same quantized input in one dispatch of the pool (q, k and v; gate
    /// and up): each thread does its share of every matrix's rows, and the threads wait for each other once.
    func matmul(_ products: [(WeightMatrix, UnsafeMutablePointer<Float>)], rows: Int) {
        let xq = UnsafeRawPointer(s.xq), stride = s.xqStride
        pool.parallelFor(each: products.map { $0.0.rows }, granularity: 16) { i, range in
            let (m, out) = products[i]
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
    /// `table`: the layer's inverse frequencies and the factor on cos and sin (YaRN's attention factor).
    func rope(_ x: UnsafeMutablePointer<Float>, heads: Int, position: Int,
              table: (inverseFrequencies: [Float], attentionFactor: Float), stride: Int? = nil) {
        let c = model.config
        let inv = table.inverseFrequencies, factor = table.attentionFactor
        let half = c.ropeDimensions / 2
        let adjacent = c.ropeStyle == .adjacentPairs
        for i in 0..<inv.count {
            let theta = Float(position) * inv[i]
            let cs = cosf(theta) * factor, sn = sinf(theta) * factor
            let (ia, ib) = adjacent ? (2 * i, 2 * i + 1) : (i, i + half)
            for h in 0..<heads {
                let p = x + h * (stride ?? c.headDim)
                let a = p[ia], b = p[ib]
                p[ia] = a * cs - b * sn
                p[ib] = a * sn + b * cs
            }
        }
    }
}
