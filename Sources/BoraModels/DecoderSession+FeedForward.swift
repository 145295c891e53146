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
        case let .experts(router, experts, perToken, shared):
            mixtureOfExperts(router: router, experts: experts, perToken: perToken, shared: shared, tokens: n)
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

    /// A sparse mixture of experts (mistral-inference `MoeLayer`, transformers `Qwen3MoeSparseMoeBlock` and
    /// `Mistral4MoE`): each token goes to the experts `route` picks, weighted, plus the shared expert when
    /// there is one. Tokens are grouped by expert so each chosen expert's weights are read once per chunk;
    /// unchosen experts are not read.
    func mixtureOfExperts(router: WeightMatrix, experts: [FeedForwardWeights], perToken k: Int, shared: FeedForwardWeights?,
                          tokens n: Int) {
        let e = model.config.embeddingLength
        let count = experts.count
        quantizeInput(s.xn, rows: n, cols: e, for: router.type)
        matmul(router, rows: n, out: s.routerLogits)
        var assigned = [[(token: Int, weight: Float)]](repeating: [], count: count)
        for t in 0..<n {
            for (x, w) in route(UnsafeBufferPointer(start: s.routerLogits + t * count, count: count), perToken: k) {
                assigned[x].append((t, w))
            }
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
        if let shared {
            swiGLU(shared, input: s.xn, rows: n, out: s.expertOut)
            Ops.add(s.o, s.expertOut, n * e)
        }
    }

    /// The experts a token's router logits choose and their weights (transformers `Mistral4TopkRouter`,
    /// `Qwen3MoeSparseMoeBlock`, Mixtral): softmax over all experts; with groups, only the best
    /// `expertGroupsUsed` groups (by the sum of their two best probabilities) compete; the top k by
    /// probability (ties to the lower index); their probabilities, renormalized among the k when
    /// `normalizeExpertWeights` (Mixtral's softmax of the top-k logits), times `expertWeightsScale`.
    func route(_ logits: UnsafeBufferPointer<Float>, perToken k: Int) -> [(Int, Float)] {
        let c = model.config, count = logits.count
        let m = logits.max() ?? 0
        var p = logits.map { expf($0 - m) }
        let total = p.reduce(0, +)
        for x in 0..<count { p[x] /= total }
        var allowed = [Bool](repeating: true, count: count)
        if c.expertGroups > 1 {
            let size = count / c.expertGroups
            let scores = (0..<c.expertGroups).map { g -> Float in
                let top = p[(g * size)..<((g + 1) * size)].sorted(by: >)
                return top.prefix(2).reduce(0, +)
            }
            let keep = Set(scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
                .prefix(c.expertGroupsUsed))
            for x in 0..<count { allowed[x] = keep.contains(x / size) }
        }
        var chosen: [Int] = []
        for _ in 0..<k {
            var best = -1
            for x in 0..<count where allowed[x] && !chosen.contains(x) && (best < 0 || p[x] > p[best]) { best = x }
            if best >= 0 { chosen.append(best) }
        }
        let sum = c.normalizeExpertWeights ? chosen.reduce(Float(0)) { $0 + p[$1] } + 1e-20 : 1
        return chosen.map { ($0, p[$0] / sum * c.expertWeightsScale) }
    }
}
