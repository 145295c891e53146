extension TokenConstraint {
    /// Picks the next token among the allowed ones. Greedy decoding first checks the unconstrained choice
    /// (one walk of its bytes) and keeps it when allowed, which is what the masked argmax would pick anyway;
    /// otherwise greedy decoding without penalties takes the argmax over the mask's tokens, and anything else
    /// sets the logits of disallowed tokens to -inf (in a reused buffer) for the sampler to draw from the rest.
    func choose(_ logits: UnsafeBufferPointer<Float>, sampler: inout Sampler, history: [Int], generated: Int, banned: [Int],
                remaining: Int) throws(GrammarError) -> Int {
        let p = sampler.parameters
        if p.temperature <= 0 {
            let t = sampler.sample(logits, history: history, generated: generated, banned: banned)
            if try allows(t, remaining: remaining) { return t }
        }
        let m = try mask(remaining: remaining)
        if p.temperature <= 0, p.repeatPenalty == 1 || p.repeatLastN <= 0, p.presencePenalty == 0, p.frequencyPenalty == 0,
           p.logitBias.isEmpty, let t = Self.maskedArgmax(logits, m, banned: banned) {
            return t
        }
        if logitScratch.count != logits.count { logitScratch = [Float](repeating: 0, count: logits.count) }
        logitScratch.withUnsafeMutableBufferPointer { l in
            for w in 0..<(l.count + 63) / 64 {
                let word = w < m.count ? m[w] : 0
                let base = w * 64
                if word == ~0, base + 64 <= l.count {
                    for i in base..<(base + 64) { l[i] = logits[i] }
                    continue
                }
                for i in base..<min(base + 64, l.count) { l[i] = word & (1 << UInt64(i - base)) != 0 ? logits[i] : -.infinity }
            }
        }
        return logitScratch.withUnsafeBufferPointer { sampler.sample($0, history: history, generated: generated, banned: banned) }
    }

    /// The allowed token (not banned) with the largest logit, lowest id on ties; nil when there is none.
    static func maskedArgmax(_ logits: UnsafeBufferPointer<Float>, _ m: [UInt64], banned: [Int]) -> Int? {
        var best: Int?, bestValue = -Float.infinity
        for (w, word) in m.enumerated() where word != 0 {
            var bits = word
            while bits != 0 {
                let i = w * 64 + bits.trailingZeroBitCount
                bits &= bits - 1
                guard i < logits.count else { break }
                if best == nil || logits[i] > bestValue, !banned.contains(i) { best = i; bestValue = logits[i] }
            }
        }
        return best
    }
}
