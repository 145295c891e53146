import BoraKernels

/// Preallocated buffers of one session, sized for `batch` tokens. Shapes are (batch, width), row-major.
final class Scratch {
    let x, xn, q, k, v, att, o, gate, up: UnsafeMutablePointer<Float>
    let logits: UnsafeMutablePointer<Float>
    /// Router logits (batch, experts) and per-expert inputs and outputs (batch, embedding) for MoE layers.
    let routerLogits, expertIn, expertOut: UnsafeMutablePointer<Float>
    /// Latent attention: the queries before absorption (batch, max(heads * (nope + rope), q rank)) and the
    /// heads' values (batch, heads * value).
    let latentQuery, latentOut: UnsafeMutablePointer<Float>
    /// Quantized activations: `batch` rows of `xqStride` bytes.
    let xq: UnsafeMutableRawPointer
    let xqStride: Int
    /// Attention scores, `context` floats per thread.
    let scores: UnsafeMutablePointer<Float>
    let context: Int
    /// A chunk's keys and values rounded to F16 (batch, kvDim), as an F16 cache will hold them.
    let k16, v16: UnsafeMutablePointer<Float16>
    private var all: [UnsafeMutablePointer<Float>] = []

    init(config c: DecoderConfig, batch: Int, context: Int, threads: Int, weights: DecoderWeights) {
        func make(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(1, n))
            p.initialize(repeating: 0, count: max(1, n))
            return p
        }
        x = make(batch * c.embeddingLength)
        xn = make(batch * c.embeddingLength)
        q = make(batch * c.queryDim)
        k = make(batch * c.kvDim)
        v = make(batch * c.kvDim)
        att = make(batch * c.queryDim)
        o = make(batch * c.embeddingLength)
        let ffn = max(c.feedForwardLength, c.expertCount > 0 ? max(c.expertFeedForwardLength, c.sharedExpertFeedForwardLength) : 0)
        gate = make(batch * ffn)
        up = make(batch * ffn)
        logits = make(batch * c.vocabularySize)
        routerLogits = make(batch * max(1, c.expertCount))
        expertIn = make(c.expertCount > 0 ? batch * c.embeddingLength : 1)
        expertOut = make(c.expertCount > 0 ? batch * c.embeddingLength : 1)
        let latent = c.latentAttention
        latentQuery = make(latent.map { batch * max(c.headCount * $0.queryHeadDim, $0.queryRank ?? 0) } ?? 1)
        latentOut = make(latent.map { batch * c.headCount * $0.valueDim } ?? 1)
        scores = make(threads * context)
        self.context = context
        k16 = .allocate(capacity: max(1, batch * c.kvDim))
        v16 = .allocate(capacity: max(1, batch * c.kvDim))
        k16.initialize(repeating: 0, count: max(1, batch * c.kvDim))
        v16.initialize(repeating: 0, count: max(1, batch * c.kvDim))
        all = [x, xn, q, k, v, att, o, gate, up, logits, scores, routerLogits, expertIn, expertOut, latentQuery, latentOut]
        var stride = 64
        var matrices = [weights.output]
        for layer in weights.layers { matrices += layer.allMatrices }
        for m in matrices {
            stride = max(stride, Quant.activationBytes(for: m.type, count: m.cols))
        }
        xqStride = (stride + 63) / 64 * 64
        xq = UnsafeMutableRawPointer.allocate(byteCount: batch * xqStride, alignment: 64)
    }

    deinit {
        all.forEach { $0.deallocate() }
        xq.deallocate()
        k16.deallocate()
        v16.deallocate()
    }
}
