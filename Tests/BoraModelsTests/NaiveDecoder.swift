import BoraKernels
import BoraModels
import Foundation

/// The simplest possible forward pass of the decoder over a whole sequence, in Double, with no cache: the
/// reference for the decoder's fast path. It reads the same traits (biases, QK-norm, sandwich norms,
/// GeGLU, embedding scale, per-layer RoPE with its scaling, attention scale and temperature, soft-capping,
/// expert routing) and computes each the plain way. Returns logits for every position.
func naiveLogits(_ model: DecoderModel, _ tokens: [Int]) -> [[Double]] {
    let c = model.config, w = model.weights
    let e = c.embeddingLength, hd = c.headDim
    func row(_ m: WeightMatrix, _ r: Int) -> [Double] {
        var f = [Float](repeating: 0, count: m.cols)
        f.withUnsafeMutableBufferPointer { m.row(r, into: $0.baseAddress!) }
        return f.map(Double.init)
    }
    func matvec(_ m: WeightMatrix, _ x: [Double]) -> [Double] {
        (0..<m.rows).map { r in zip(row(m, r), x).reduce(0) { $0 + $1.0 * $1.1 } }
    }
    func norm(_ x: [Double], _ wt: [Float]) -> [Double] {
        let ms = x.reduce(0) { $0 + $1 * $1 } / Double(x.count)
        let s = 1 / (ms + Double(c.rmsNormEpsilon)).squareRoot()
        return x.indices.map { x[$0] * s * Double(wt[$0]) }
    }
    func headNorm(_ v: inout [Double], heads: Int, _ wt: [Float]) {
        for h in 0..<heads {
            let normed = norm(Array(v[(h * hd)..<((h + 1) * hd)]), wt)
            for d in 0..<hd { v[h * hd + d] = normed[d] }
        }
    }
    func rope(_ v: inout [Double], heads: Int, pos: Int, layer l: Int) {
        ropeSegment(&v, offset: 0, stride: hd, heads: heads, pos: pos, layer: l)
    }
    /// RoPE on the ropeDimensions values at `offset` of each head of width `stride`.
    func ropeSegment(_ v: inout [Double], offset: Int, stride: Int, heads: Int, pos: Int, layer l: Int) {
        let (inv, factor) = c.rope(layer: l).table(dimensions: c.ropeDimensions, divisors: w.ropeFrequencyFactors)
        for h in 0..<heads {
            for i in 0..<(c.ropeDimensions / 2) {
                let theta = Double(pos) * Double(inv[i])
                let b0 = h * stride + offset
                let (ia, ib) = c.ropeStyle == .adjacentPairs ? (b0 + 2 * i, b0 + 2 * i + 1) : (b0 + i, b0 + i + c.ropeDimensions / 2)
                let a = v[ia], b = v[ib], f = Double(factor)
                v[ia] = (a * cos(theta) - b * sin(theta)) * f
                v[ib] = (a * sin(theta) + b * cos(theta)) * f
            }
        }
    }
    func gated(_ f: FeedForwardWeights, _ xn: [Double]) -> [Double] {
        let g = matvec(f.gate, xn), u = matvec(f.up, xn)
        return matvec(f.down, g.indices.map { i in
            let x = g[i]
            switch c.traits.activation {
            case .silu: return x / (1 + exp(-x)) * u[i]
            case .geluTanh: return 0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x))) * u[i]
            }
        })
    }
    var xs = tokens.map { t in row(w.tokenEmbedding, t).map { c.traits.scaleEmbedding ? $0 * Double(e).squareRoot() : $0 } }
    for (l, layer) in w.layers.enumerated() {
        let window = c.window(layer: l)
        // Per position: queries (heads x qd), keys (kvHeads x qd), values (kvHeads x vd).
        var ks: [[Double]] = [], vs: [[Double]] = []
        var qs: [[Double]] = []
        var qd = hd, vd = hd, kvHeads = c.headCountKV
        for (p, x) in xs.enumerated() {
            let xn = norm(x, layer.attentionNorm)
            var q: [Double], k: [Double], v: [Double]
            switch layer.attention {
            case let .standard(a):
                q = matvec(a.wq, xn); k = matvec(a.wk, xn); v = matvec(a.wv, xn)
                if let b = a.qkvBias {
                    for i in q.indices { q[i] += Double(b.q[i]) }
                    for i in k.indices { k[i] += Double(b.k[i]); v[i] += Double(b.v[i]) }
                }
                if let qk = a.qkNorm {
                    headNorm(&q, heads: c.headCount, qk.q)
                    headNorm(&k, heads: c.headCountKV, qk.k)
                }
                rope(&q, heads: c.headCount, pos: p, layer: l)
                rope(&k, heads: c.headCountKV, pos: p, layer: l)
            case let .latent(a):
                // Not absorbed: every head's key [K_h c ; k_rot] and value V_h c are formed in full.
                guard let shape = c.latentAttention else { return [] }
                qd = shape.queryHeadDim; vd = shape.valueDim; kvHeads = c.headCount
                if let qa = a.queryA, let qn = a.queryANorm { q = matvec(a.query, norm(matvec(qa, xn), qn)) } else { q = matvec(a.query, xn) }
                let kv = matvec(a.kvA, xn)
                let latent = norm(Array(kv[0..<shape.kvRank]), a.kvANorm)
                var kRot = Array(kv[shape.kvRank...])
                ropeSegment(&kRot, offset: 0, stride: shape.ropeDim, heads: 1, pos: p, layer: l)
                ropeSegment(&q, offset: shape.nopeDim, stride: qd, heads: c.headCount, pos: p, layer: l)
                k = []; v = []
                for h in 0..<c.headCount {
                    for d in 0..<shape.nopeDim {
                        k.append((0..<shape.kvRank).reduce(0.0) { $0 + Double(a.keyAbsorb[(h * shape.kvRank + $1) * shape.nopeDim + d]) * latent[$1] })
                    }
                    k += kRot
                    for d in 0..<shape.valueDim {
                        v.append((0..<shape.kvRank).reduce(0.0) { $0 + Double(a.valueUp[(h * shape.valueDim + d) * shape.kvRank + $1]) * latent[$1] })
                    }
                }
            }
            if let t = c.attentionTemperature {
                let s = 1 + t.beta * log(1 + floor(Double(p) / Double(t.originalContext)))
                q = q.map { $0 * s }
            }
            qs.append(q); ks.append(k); vs.append(v)
        }
        let scale = Double(c.effectiveAttentionScale)
        for p in xs.indices {
            var att = [Double](repeating: 0, count: c.headCount * vd)
            for h in 0..<c.headCount {
                let g = h / (c.headCount / kvHeads)
                let lo = window.map { max(0, p - $0 + 1) } ?? 0
                var scores = (lo...p).map { j in
                    (0..<qd).reduce(0.0) { $0 + qs[p][h * qd + $1] * ks[j][g * qd + $1] } * scale
                }
                let m = scores.max()!
                scores = scores.map { exp($0 - m) }
                let sum = scores.reduce(0, +)
                for j in lo...p { for d in 0..<vd { att[h * vd + d] += scores[j - lo] / sum * vs[j][g * vd + d] } }
            }
            var o = matvec(layer.wo, att)
            if let post = layer.postNorms { o = norm(o, post.attention) }
            for i in 0..<e { xs[p][i] += o[i] }
            let xn = norm(xs[p], layer.ffnNorm)
            var d = [Double](repeating: 0, count: e)
            switch layer.feedForward {
            case let .dense(f):
                d = gated(f, xn)
            case let .experts(router, experts, k, shared):
                d = naiveExperts(c, router: router, experts: experts, perToken: k, shared: shared, xn, matvec: matvec, gated: gated)
            }
            if let post = layer.postNorms { d = norm(d, post.feedForward) }
            for i in 0..<e { xs[p][i] += d[i] }
        }
    }
    return xs.map { x in
        let logits = matvec(w.output, norm(x, w.outputNorm))
        guard let cap = c.finalLogitSoftcap.map(Double.init) else { return logits }
        return logits.map { cap * tanh($0 / cap) }
    }
}

/// The reference mixture of experts: softmax over all experts, groups scored by their two best
/// probabilities, the top k within the best groups, renormalized or not, scaled; plus the shared expert.
func naiveExperts(_ c: DecoderConfig, router: WeightMatrix, experts: [FeedForwardWeights], perToken k: Int,
                  shared: FeedForwardWeights?, _ xn: [Double], matvec m: (WeightMatrix, [Double]) -> [Double], gated: (FeedForwardWeights, [Double]) -> [Double]) -> [Double] {
    let e = c.embeddingLength
    let logits = m(router, xn)
    let top = logits.max()!
    var p = logits.map { exp($0 - top) }
    let sum = p.reduce(0, +)
    p = p.map { $0 / sum }
    let size = experts.count / c.expertGroups
    let groupScore = (0..<c.expertGroups).map { g in p[(g * size)..<((g + 1) * size)].sorted(by: >).prefix(2).reduce(0, +) }
    let groups = Set(groupScore.indices.sorted { groupScore[$0] > groupScore[$1] || (groupScore[$0] == groupScore[$1] && $0 < $1) }
        .prefix(c.expertGroupsUsed))
    let chosen = Array(p.indices.filter { groups.contains($0 / size) }
        .sorted { p[$0] > p[$1] || (p[$0] == p[$1] && $0 < $1) }.prefix(k))
    let total = c.normalizeExpertWeights ? chosen.reduce(0) { $0 + p[$1] } : 1
    var d = [Double](repeating: 0, count: e)
    for x in chosen {
        let out = gated(experts[x], xn)
        for i in 0..<e { d[i] += p[x] / total * Double(c.expertWeightsScale) * out[i] }
    }
    if let shared {
        let out = gated(shared, xn)
        for i in 0..<e { d[i] += out[i] }
    }
    return d
}
