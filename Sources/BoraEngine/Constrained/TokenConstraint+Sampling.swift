extension TokenConstraint {
    /// Picks the next token among the allowed ones. Greedy decoding first checks the unconstrained choice
    /// (one walk of its bytes) and keeps it when allowed, which is what the masked argmax would pick anyway;
    /// otherwise greedy decoding without penalties tries the next best few (`greedyAmongBest`), then takes the
    /// argmax over the mask's tokens. Sampling draws without the masked copy where that is exact
    /// (`sampleWithoutMaskedCopy`); anything else sets the logits of disallowed tokens to -inf (in a reused
    /// buffer) for the sampler to draw from the rest.
    func choose(_ logits: UnsafeBufferPointer<Float>, sampler: inout Sampler, history: [Int], generated: Int, banned: [Int],
                remaining: Int) throws(GrammarError) -> Int {
        let p = sampler.parameters
        let plainGreedy = p.temperature <= 0 && (p.repeatPenalty == 1 || p.repeatLastN <= 0) && p.presencePenalty == 0
            && p.frequencyPenalty == 0 && p.logitBias.isEmpty
        if p.temperature <= 0 {
            let t = sampler.sample(logits, history: history, generated: generated, banned: banned)
            if try allows(t, remaining: remaining) { return t }
            if plainGreedy, let t = try greedyAmongBest(logits, banned: banned, remaining: remaining) { return t }
        }
        if p.temperature > 0, let t = try sampleWithoutMaskedCopy(logits, sampler: &sampler, history: history,
                                                                   generated: generated, banned: banned, remaining: remaining) {
            return t
        }
        let m = try mask(remaining: remaining)
        if plainGreedy, let t = Self.maskedArgmax(logits, m, banned: banned) { return t }
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

    /// Candidates `greedyAmongBest` tests before giving up and building the mask.
    static let lazyCandidates = 16

    /// `maskedArgmax` without the mask when the answer is among the `k` largest logits: the first of them
    /// (by logit, then lowest id, the argmax's order) that is allowed and not banned, each tested on its own
    /// (one walk of its bytes). Nil when none of them is, or a logit is NaN (then the caller builds the mask).
    /// Inside a bounded string every character leads to a new grammar state, so a mask is a full trie walk;
    /// when the model's first choice is refused (a quote before `minLength`), its next best usually fits.
    package func greedyAmongBest(_ logits: UnsafeBufferPointer<Float>, banned: [Int], remaining: Int,
                                 k: Int = lazyCandidates) throws(GrammarError) -> Int? {
        var nan = false
        let best = Sampler.topK(logits.count, k: k) { i in
            let v = logits[i]
            if v.isNaN { nan = true }
            return v
        }
        guard !nan else { return nil }
        for (t, _) in best where !banned.contains(t) {
            if try allows(t, remaining: remaining) { return t }
        }
        return nil
    }

    /// The allowed token (not banned) with the largest logit, lowest id on ties; nil when there is none.
    package static func maskedArgmax(_ logits: UnsafeBufferPointer<Float>, _ m: [UInt64], banned: [Int]) -> Int? {
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
