/// Sampling (temperature > 0) from the masked distribution without the full mask where that is exact, and
/// without a masked copy of the logits where the mask is needed. Inside a length-bounded string every
/// character is a new grammar state, so a mask is a full trie walk, while nearly every token fits.
extension TokenConstraint {
    /// Candidates `lazyTopK` tests, as a multiple of the top-k.
    static let lazySamplingFactor = 2
    /// Draws `Sampler.drawAll(refusing:)` makes before the caller builds the mask.
    static let rejectionTries = 4

    /// The sampler's draw on the masked logits, or nil when the caller must build the masked copy: a NaN
    /// logit, or no allowed token with a finite logit.
    /// - Top-k on: the masked top-k found by `lazyTopK`, else read off the mask's set bits (`maskedTopK`),
    ///   then `Sampler.drawTopK`: the same token, with the same random number, as `Sampler.sample` on the
    ///   masked logits.
    /// - Top-k off, top-p or min-p on (`top_p` alone, as OpenAI-style clients send): a mask that needs no
    ///   trie walk (`cachedMask`) and refuses most tokens is read directly (`Sampler.drawNucleus` over its
    ///   tokens); otherwise `lazyNucleus` finds the candidates the cuts keep (then `Sampler.drawKept`), else
    ///   the mask is built (or taken from the cache) and read. Each gives the same token, with the same random
    ///   number, as `Sampler.sample` on the masked logits (the lazy cut up to rounding in its running sums,
    ///   where one lands on top-p exactly).
    /// - Top-k, top-p and min-p off (the server's default): draws from the unmasked distribution, a refused
    ///   token taken out before the next draw (`Sampler.drawAll(refusing:)`). The token returned has the
    ///   masked distribution (the same probabilities, not the same token for a seed), see there.
    package func sampleWithoutMaskedCopy(_ logits: UnsafeBufferPointer<Float>, sampler: inout Sampler, history: [Int],
                                         generated: Int, banned: [Int], remaining: Int,
                                         lazy: Bool = true) throws(GrammarError) -> Int? {
        let p = sampler.parameters
        let topK = p.topK > 0 && p.topK < logits.count
        guard p.temperature > 0 else { return nil }
        let penalized = sampler.penalties(logits, history: history, generated: generated, banned: banned)
        var adjusted: [Float] = []
        if !penalized.isEmpty {
            adjusted = Array(logits)
            for (t, v) in penalized { adjusted[t] = v }
        }
        return try adjusted.withUnsafeBufferPointer { a throws(GrammarError) -> Int? in
            let l = penalized.isEmpty ? logits : a
            for x in l where x.isNaN { return nil }
            guard topK else {
                guard p.topP >= 1 && p.minP <= 0 else {
                    // A cached mask that refuses most tokens is read directly; where most are allowed (inside a
                    // string), the lazy walk settles the cut with a few of them.
                    let cached = cachedMask(remaining: remaining)
                    if let m = cached, !lazy || Self.allowedCount(m) * 2 < l.count {
                        return sampler.drawNucleus(l, among: Self.allowedIDs(m, count: l.count))
                    }
                    if lazy, let kept = try lazyNucleus(l, topP: p.topP, minP: p.minP, remaining: remaining, mask: cached) {
                        return sampler.drawKept(kept[...])
                    }
                    let m: [UInt64]
                    if let cached { m = cached } else { m = try mask(remaining: remaining) }
                    return sampler.drawNucleus(l, among: Self.allowedIDs(m, count: l.count))
                }
                return try sampler.drawAll(l, refusing: Self.rejectionTries) { t throws(GrammarError) in
                    try allows(t, remaining: remaining)
                }
            }
            var found = lazy ? try lazyTopK(l, k: p.topK, remaining: remaining) : nil
            if found == nil { found = Self.maskedTopK(l, try mask(remaining: remaining), k: p.topK) }
            guard let candidates = found, candidates[0].logit.isFinite else { return nil }
            return sampler.drawTopK(candidates)
        }
    }

    /// The `k` largest of the final logits `l` among the allowed tokens, in the sampler's order (logit, then
    /// lowest id), when they lie among the best `lazySamplingFactor * k`: those, each tested on its own (one
    /// walk of its bytes); an allowed token further down ranks below all of them. Nil when fewer are allowed.
    package func lazyTopK(_ l: UnsafeBufferPointer<Float>, k: Int, remaining: Int) throws(GrammarError) -> [(id: Int, logit: Float)]? {
        var candidates: [(id: Int, logit: Float)] = []
        candidates.reserveCapacity(k)
        for c in Sampler.topK(l.count, k: k * Self.lazySamplingFactor, { l[$0] }) where candidates.count < k {
            if try allows(c.id, remaining: remaining) { candidates.append(c) }
        }
        return candidates.count == k ? candidates : nil
    }

    /// The `k` largest of the final logits among the mask's tokens (fewer when the mask has fewer), in the
    /// sampler's order; nil when the mask is empty. The allowed tokens are gathered in id order, so the
    /// selection's tie rule (lowest index first) is the lowest id first.
    static func maskedTopK(_ l: UnsafeBufferPointer<Float>, _ m: [UInt64], k: Int) -> [(id: Int, logit: Float)]? {
        let ids = allowedIDs(m, count: l.count)
        guard !ids.isEmpty else { return nil }
        return Sampler.topK(ids.count, k: k) { l[ids[$0]] }.map { (id: ids[$0.id], logit: $0.logit) }
    }

    /// How many tokens the mask allows.
    static func allowedCount(_ m: [UInt64]) -> Int { m.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// The mask's tokens below `count`, ascending.
    static func allowedIDs(_ m: [UInt64], count: Int) -> [Int] {
        var ids: [Int] = []
        for (w, word) in m.enumerated() where word != 0 {
            var bits = word
            while bits != 0 {
                let i = w * 64 + bits.trailingZeroBitCount
                bits &= bits - 1
                if i < count { ids.append(i) }
            }
        }
        return ids
    }
}
