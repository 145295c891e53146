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
        let (inv, factor) = c.rope(layer: l).table(dimensions: c.ropeDimensions, divisors: w.ropeFrequencyFactors)
        for h in 0..<heads {
            for i in 0..<(c.ropeDimensions / 2) {
                let theta = Double(pos) * Double(inv[i])
                let (ia, ib) = c.ropeStyle == .adjacentPairs ? (h * hd + 2 * i, h * hd + 2 * i + 1) : (h * hd + i, h * hd + i + c.ropeDimensions / 2)
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
        var ks: [[Double]] = [], vs: [[Double]] = []
        var qs: [[Double]] = []
        for (p, x) in xs.enumerated() {
            let xn = norm(x, layer.attentionNorm)
            var q = matvec(layer.wq, xn), k = matvec(layer.wk, xn), v = matvec(layer.wv, xn)
            if let b = layer.qkvBias {
                for i in q.indices { q[i] += Double(b.q[i]) }
                for i in k.indices { k[i] += Double(b.k[i]); v[i] += Double(b.v[i]) }
            }
            if let qk = layer.qkNorm {
                headNorm(&q, heads: c.headCount, qk.q)
                headNorm(&k, heads: c.headCountKV, qk.k)
            }
            rope(&q, heads: c.headCount, pos: p, layer: l)
            rope(&k, heads: c.headCountKV, pos: p, layer: l)
            if let t = c.attentionTemperature {
                let s = 1 + t.beta * log(1 + floor(Double(p) / Double(t.originalContext)))
                q = q.map { $0 * s }
            }
            qs.append(q); ks.append(k); vs.append(v)
        }
        let scale = Double(c.attentionScale ?? 1 / Float(hd).squareRoot())
        for p in xs.indices {
            var att = [Double](repeating: 0, count: c.queryDim)
            for h in 0..<c.headCount {
                let g = h / (c.headCount / c.headCountKV)
                let lo = window.map { max(0, p - $0 + 1) } ?? 0
                var scores = (lo...p).map { j in
                    (0..<hd).reduce(0.0) { $0 + qs[p][h * hd + $1] * ks[j][g * hd + $1] } * scale
                }
                let m = scores.max()!
                scores = scores.map { exp($0 - m) }
                let sum = scores.reduce(0, +)
                for j in lo...p { for d in 0..<hd { att[h * hd + d] += scores[j - lo] / sum * vs[j][g * hd + d] } }
            }
            var o = matvec(layer.wo, att)
            if let post = layer.postNorms { o = norm(o, post.attention) }
            for i in 0..<e { xs[p][i] += o[i] }
            let xn = norm(xs[p], layer.ffnNorm)
            var d = [Double](repeating: 0, count: e)
            switch layer.feedForward {
            case let .dense(f):
                d = gated(f, xn)
            case let .experts(router, experts, k):
                let logits = matvec(router, xn)
                let chosen = Array(logits.indices.sorted { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }.prefix(k))
                let m = logits.max()!
                let probabilities = logits.map { exp($0 - m) }
                let total = c.normalizeExpertWeights ? chosen.reduce(0) { $0 + probabilities[$1] } : probabilities.reduce(0, +)
                for x in chosen {
                    let out = gated(experts[x], xn)
                    for i in 0..<e { d[i] += probabilities[x] / total * out[i] }
                }
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
