import BoraKernels
import BoraModels
import Foundation

/// The simplest possible Llama forward pass over a whole sequence, in Double, with no cache: the
/// reference for the decoder's fast path. Returns logits for every position.
func naiveLogits(_ model: LlamaModel, _ tokens: [Int]) -> [[Double]] {
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
    func rope(_ v: inout [Double], heads: Int, pos: Int) {
        for h in 0..<heads {
            for i in 0..<(c.ropeDimensions / 2) {
                let theta = Double(pos) * pow(c.ropeTheta, -2 * Double(i) / Double(c.ropeDimensions)) / c.ropeLinearFactor
                let (ia, ib) = c.ropeStyle == .adjacentPairs ? (h * hd + 2 * i, h * hd + 2 * i + 1) : (h * hd + i, h * hd + i + c.ropeDimensions / 2)
                let a = v[ia], b = v[ib]
                v[ia] = a * cos(theta) - b * sin(theta)
                v[ib] = a * sin(theta) + b * cos(theta)
            }
        }
    }
    func swiglu(_ f: FeedForwardWeights, _ xn: [Double]) -> [Double] {
        let g = matvec(f.gate, xn), u = matvec(f.up, xn)
        return matvec(f.down, g.indices.map { g[$0] / (1 + exp(-g[$0])) * u[$0] })
    }
    var xs = tokens.map { row(w.tokenEmbedding, $0) }
    for (l, layer) in w.layers.enumerated() {
        let window = c.window(layer: l)
        var ks: [[Double]] = [], vs: [[Double]] = []
        var qs: [[Double]] = []
        for (p, x) in xs.enumerated() {
            let xn = norm(x, layer.attentionNorm)
            var q = matvec(layer.wq, xn), k = matvec(layer.wk, xn)
            rope(&q, heads: c.headCount, pos: p)
            rope(&k, heads: c.headCountKV, pos: p)
            qs.append(q); ks.append(k); vs.append(matvec(layer.wv, xn))
        }
        for p in xs.indices {
            var att = [Double](repeating: 0, count: c.queryDim)
            for h in 0..<c.headCount {
                let g = h / (c.headCount / c.headCountKV)
                let lo = window.map { max(0, p - $0 + 1) } ?? 0
                var scores = (lo...p).map { j in
                    (0..<hd).reduce(0.0) { $0 + qs[p][h * hd + $1] * ks[j][g * hd + $1] } / Double(hd).squareRoot()
                }
                let m = scores.max()!
                scores = scores.map { exp($0 - m) }
                let sum = scores.reduce(0, +)
                for j in lo...p { for d in 0..<hd { att[h * hd + d] += scores[j - lo] / sum * vs[j][g * hd + d] } }
            }
            let o = matvec(layer.wo, att)
            for i in 0..<e { xs[p][i] += o[i] }
            let xn = norm(xs[p], layer.ffnNorm)
            var d = [Double](repeating: 0, count: e)
            switch layer.feedForward {
            case let .dense(f):
                d = swiglu(f, xn)
            case let .experts(router, experts, k):
                let logits = matvec(router, xn)
                let chosen = Array(logits.indices.sorted { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }.prefix(k))
                let m = logits[chosen[0]]
                let weights = chosen.map { exp(logits[$0] - m) }
                let total = weights.reduce(0, +)
                for (x, wx) in zip(chosen, weights) {
                    let out = swiglu(experts[x], xn)
                    for i in 0..<e { d[i] += wx / total * out[i] }
                }
            }
            for i in 0..<e { xs[p][i] += d[i] }
        }
    }
    return xs.map { matvec(w.output, norm($0, w.outputNorm)) }
}
