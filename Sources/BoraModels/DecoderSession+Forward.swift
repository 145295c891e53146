import BoraKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension DecoderSession {
    /// Runs the decoder on up to `maxBatch` tokens at the cache's next positions and leaves the logits of
    /// `logitRows` (indices into `tokens`) in `s.logits`, one row each.
    func forwardChunk(_ tokens: [Int], logitRows: [Int]) {
        let c = model.config
        let w = model.weights
        let n = tokens.count
        let e = c.embeddingLength
        let p0 = cache.count

        for (t, tok) in tokens.enumerated() {
            w.tokenEmbedding.row(tok, into: s.x + t * e)
        }

        for (l, layer) in w.layers.enumerated() {
            for t in 0..<n {
                Ops.rmsNorm(s.x + t * e, weight: layer.attentionNorm, eps: c.rmsNormEpsilon, out: s.xn + t * e, e)
            }
            quantizeInput(s.xn, rows: n, cols: e, for: layer.wq.type)
            matmul(layer.wq, rows: n, out: s.q)
            if Quant.activationType(for: layer.wk.type) != Quant.activationType(for: layer.wq.type) {
                quantizeInput(s.xn, rows: n, cols: e, for: layer.wk.type)
            }
            matmul(layer.wk, rows: n, out: s.k)
            if Quant.activationType(for: layer.wv.type) != Quant.activationType(for: layer.wk.type) {
                quantizeInput(s.xn, rows: n, cols: e, for: layer.wv.type)
            }
            matmul(layer.wv, rows: n, out: s.v)

            for t in 0..<n {
                rope(s.q + t * c.queryDim, heads: c.headCount, position: p0 + t)
                rope(s.k + t * c.kvDim, heads: c.headCountKV, position: p0 + t)
            }
            let kc = cache.keys[l], vc = cache.values[l]
            (kc + p0 * c.kvDim).update(from: s.k, count: n * c.kvDim)
            (vc + p0 * c.kvDim).update(from: s.v, count: n * c.kvDim)
            attention(layer: l, tokens: n, start: p0)

            quantizeInput(s.att, rows: n, cols: c.queryDim, for: layer.wo.type)
            matmul(layer.wo, rows: n, out: s.o)
            Ops.add(s.x, s.o, n * e)

            for t in 0..<n {
                Ops.rmsNorm(s.x + t * e, weight: layer.ffnNorm, eps: c.rmsNormEpsilon, out: s.xn + t * e, e)
            }
            quantizeInput(s.xn, rows: n, cols: e, for: layer.gate.type)
            matmul(layer.gate, rows: n, out: s.gate)
            if Quant.activationType(for: layer.up.type) != Quant.activationType(for: layer.gate.type) {
                quantizeInput(s.xn, rows: n, cols: e, for: layer.up.type)
            }
            matmul(layer.up, rows: n, out: s.up)
            Ops.swiglu(s.gate, s.up, n * c.feedForwardLength)
            quantizeInput(s.gate, rows: n, cols: c.feedForwardLength, for: layer.down.type)
            matmul(layer.down, rows: n, out: s.o)
            Ops.add(s.x, s.o, n * e)
        }
        cache.count = p0 + n

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
    /// Each thread walks its rows in blocks of up to 256 rows (which stay in L2 for the next token) and
    /// applies each block to every token, so a block of weights is read from memory once per chunk of tokens.
    func matmul(_ m: WeightMatrix, rows: Int, out: UnsafeMutablePointer<Float>) {
        let xq = UnsafeRawPointer(s.xq), stride = s.xqStride
        let block = rows == 1 ? m.rows : 256
        pool.parallelFor(m.rows, granularity: 16) { range in
            var r = range.lowerBound
            while r < range.upperBound {
                let hi = min(range.upperBound, r + block)
                for t in 0..<rows {
                    Quant.matvec(m.type, weights: m.data, cols: m.cols, rows: r..<hi, x: xq + t * stride,
                                 y: out + t * m.rows + r)
                }
                r = hi
            }
        }
    }

    /// Rotates adjacent pairs (x[2i], x[2i+1]) of the first ropeDimensions of each head by position * freq_i.
    func rope(_ x: UnsafeMutablePointer<Float>, heads: Int, position: Int) {
        let c = model.config
        let inv = model.inverseFrequencies
        for i in 0..<inv.count {
            let theta = Float(position) * inv[i]
            let cs = cosf(theta), sn = sinf(theta)
            for h in 0..<heads {
                let p = x + h * c.headDim + 2 * i
                let a = p[0], b = p[1]
                p[0] = a * cs - b * sn
                p[1] = a * sn + b * cs
            }
        }
    }

    /// Causal grouped-query attention for `tokens` new positions starting at `start`, reading layer l's
    /// cache, writing (tokens, queryDim) into s.att.
    func attention(layer l: Int, tokens n: Int, start p0: Int) {
        let c = model.config
        let hd = c.headDim
        let group = c.headCount / c.headCountKV
        let scale = 1 / Float(hd).squareRoot()
        let kc = UnsafePointer(cache.keys[l]), vc = UnsafePointer(cache.values[l])
        let q = s.q, att = s.att, scoresBase = s.scores, context = s.context
        let jobs = n * c.headCount
        pool.run { thread in
            let scores = scoresBase + thread * context
            let lo = jobs * thread / pool.threadCount, hi = jobs * (thread + 1) / pool.threadCount
            for job in lo..<hi {
                let t = job / c.headCount, h = job % c.headCount
                let g = h / group
                let qh = q + t * c.queryDim + h * hd
                let len = p0 + t + 1
                for j in 0..<len {
                    scores[j] = Ops.dot(qh, kc + j * c.kvDim + g * hd, hd) * scale
                }
                Ops.softmax(scores, len)
                let out = att + t * c.queryDim + h * hd
                out.initialize(repeating: 0, count: hd)
                for j in 0..<len {
                    Ops.axpy(scores[j], vc + j * c.kvDim + g * hd, out, hd)
                }
            }
        }
    }
}
