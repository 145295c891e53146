import BoraKernels

/// Multi-head latent attention in its absorbed form (`LatentAttention`): the queries are brought into the
/// latent space so attention runs as one KV head over the cached [c ; k_rot] rows, and each head's value
/// projection applies to what attention returns.
extension DecoderSession {
    /// From s.xn (quantized for the first query matrix in s.xq), per row t:
    ///   q = q_b(norm(q_a x)) (or q_proj x), per head [q_nope ; q_rot]; q_rot rotated;
    ///   s.q head h = [K_h^T q_nope_h ; q_rot_h] (kvRank + rope), times the attention temperature;
    ///   s.k = [norm(c) ; rotated k_rot] from kv_a x.
    func latentQueriesAndKeys(_ a: LatentAttentionWeights, layer l: Int, tokens n: Int, positions: [Int]) {
        let c = model.config, e = c.embeddingLength
        guard let shape = c.latentAttention else { return }
        let heads = c.headCount, qd = shape.queryHeadDim, width = shape.latentDim
        if let queryA = a.queryA, let norm = a.queryANorm, let rank = shape.queryRank {
            matmul(queryA, rows: n, out: s.latentQuery)  // (n, rank), reusing the buffer before q_b fills it
            forEachRow(n) { t in
                Ops.rmsNorm(s.latentQuery + t * rank, weight: norm, eps: c.rmsNormEpsilon, out: s.latentQuery + t * rank, rank)
                quantizeRow(s.latentQuery, row: t, cols: rank, for: a.query.type)
            }
        }
        matmul(a.query, rows: n, out: s.latentQuery)        // (n, heads * (nope + rope))
        quantizeInput(s.xn, rows: n, cols: e, for: a.kvA.type)
        matmul(a.kvA, rows: n, out: s.k)                    // (n, kvRank + rope): the cached row
        let table = model.ropeTables[model.ropeOfLayer[l]]
        forEachRow(n) { t in
            let q = s.latentQuery + t * heads * qd, k = s.k + t * width
            Ops.rmsNorm(k, weight: a.kvANorm, eps: c.rmsNormEpsilon, out: k, shape.kvRank)
            rope(k + shape.kvRank, heads: 1, position: positions[t], table: table, stride: width)
            rope(q + shape.nopeDim, heads: heads, position: positions[t], table: table, stride: qd)
            let out = s.q + t * c.queryDim
            a.keyAbsorb.withUnsafeBufferPointer { kb in
                let base = kb.baseAddress.unsafelyUnwrapped
                for h in 0..<heads {
                    let qh = q + h * qd, oh = out + h * width
                    let kh = base + h * shape.kvRank * shape.nopeDim
                    for r in 0..<shape.kvRank { oh[r] = Ops.dot(kh + r * shape.nopeDim, qh, shape.nopeDim) }
                    (oh + shape.kvRank).update(from: qh + shape.nopeDim, count: shape.ropeDim)
                }
            }
            if let temperature = c.attentionTemperature {
                Ops.scale(out, temperature.scale(position: positions[t]), c.queryDim)
            }
        }
    }

    /// s.latentOut head h = V_h (s.att head h's first kvRank values): (n, heads * value).
    func latentValues(_ a: LatentAttentionWeights, shape: LatentAttention, tokens n: Int) {
        let c = model.config, heads = c.headCount, width = shape.latentDim
        forEachRow(n) { t in
            a.valueUp.withUnsafeBufferPointer { vb in
                let base = vb.baseAddress.unsafelyUnwrapped
                for h in 0..<heads {
                    let att = s.att + t * c.queryDim + h * width
                    let out = s.latentOut + (t * heads + h) * shape.valueDim
                    let vh = base + h * shape.valueDim * shape.kvRank
                    for d in 0..<shape.valueDim { out[d] = Ops.dot(vh + d * shape.kvRank, att, shape.kvRank) }
                }
            }
        }
    }
}
