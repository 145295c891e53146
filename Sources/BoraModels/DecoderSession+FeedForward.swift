import BoraKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension DecoderSession {
    /// The feed-forward of one layer on s.xn (n rows), result in s.o.
    func feedForward(_ ffn: FeedForward, layer l: Int, tokens n: Int) {
        switch ffn {
        case let .dense(f):
            swiGLU(f, input: s.xn, rows: n, out: s.o, layer: l)
        case let .experts(router, experts, perToken):
            mixtureOfExperts(router: router, experts: experts, perToken: perToken, tokens: n)
        }
    }

    /// out = down(silu(gate x) * up x) for `rows` inputs of width embedding. `layer`: the dense
    /// feed-forward of that layer, whose rows may carry run-time LoRA adapters (nil for experts).
    /// `quantized`: `s.xq` already holds the input in the gate's activation format.
    func swiGLU(_ f: FeedForwardWeights, input: UnsafeMutablePointer<Float>, rows n: Int, out: UnsafeMutablePointer<Float>,
                layer: Int? = nil, quantized: Bool = false) {
        let c = model.config, e = c.embeddingLength, ffn = f.gate.rows
        if !quantized { quantizeInput(input, rows: n, cols: e, for: f.gate.type) }
        if Quant.activationType(for: f.up.type) == Quant.activationType(for: f.gate.type) {
            matmul([(f.gate, s.gate), (f.up, s.up)], rows: n)
        } else {
            matmul(f.gate, rows: n, out: s.gate)
            quantizeInput(input, rows: n, cols: e, for: f.up.type)
            matmul(f.up, rows: n, out: s.up)
        }
        if let l = layer {
            addLoRA(.gate, layer: l, input: input, inWidth: e, rows: n, out: s.gate, outWidth: ffn)
            addLoRA(.up, layer: l, input: input, inWidth: e, rows: n, out: s.up, outWidth: ffn)
        }
        forEachRow(n) { t in
            switch c.traits.activation {
            case .silu: Ops.swiglu(s.gate + t * ffn, s.up + t * ffn, ffn)
            case .geluTanh: Ops.geglu(s.gate + t * ffn, s.up + t * ffn, ffn)
            }
            quantizeRow(s.gate, row: t, cols: ffn, for: f.down.type)
        }
        matmul(f.down, rows: n, out: out)
        if let l = layer { addLoRA(.down, layer: l, input: s.gate, inWidth: ffn, rows: n, out: out, outWidth: e) }
    }

    /// A sparse mixture of experts (mistral-inference `MoeLayer`, transformers `Qwen3MoeSparseMoeBlock`): for
    /// each token, the top-k experts by router logit, weighted by their softmax probabilities (renormalized
    /// among the k when `normalizeExpertWeights`: Mixtral's softmax of the top-k logits). Tokens are grouped
    /// by expert so each chosen expert's weights are read once per chunk; unchosen experts are not read.
    func mixtureOfExperts(router: WeightMatrix, experts: [FeedForwardWeights], perToken k: Int, tokens n: Int) {
        let e = model.config.embeddingLength
        let count = experts.count
        quantizeInput(s.xn, rows: n, cols: e, for: router.type)
        matmul(router, rows: n, out: s.routerLogits)
        var assigned = [[(token: Int, weight: Float)]](repeating: [], count: count)
        for t in 0..<n {
            let logits = s.routerLogits + t * count
            // Top-k by logit, ties to the lower index.
            var chosen: [Int] = []
            for _ in 0..<k {
                var best = -1
                for x in 0..<count where !chosen.contains(x) && (best < 0 || logits[x] > logits[best]) { best = x }
                chosen.append(best)
            }
            // Softmax over all experts, the chosen ones' probabilities renormalized among themselves or not.
            let m = logits[chosen[0]]
            let w = chosen.map { expf(logits[$0] - m) }
            var sum = w.reduce(0, +)
            if !model.config.normalizeExpertWeights {
                sum = 0
                for x in 0..<count { sum += expf(logits[x] - m) }
            }
            for (x, wx) in zip(chosen, w) { assigned[x].append((t, wx / sum)) }
        }
        s.o.initialize(repeating: 0, count: n * e)
        for (x, list) in assigned.enumerated() where !list.isEmpty {
            for (i, a) in list.enumerated() {
                (s.expertIn + i * e).update(from: s.xn + a.token * e, count: e)
            }
            swiGLU(experts[x], input: s.expertIn, rows: list.count, out: s.expertOut)
            for (i, a) in list.enumerated() {
                Ops.axpy(a.weight, s.expertOut + i * e, s.o + a.token * e, e)
            }
        }
    }
}
