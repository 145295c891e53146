#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Top-p and min-p without top-k (what OpenAI-style clients send, `top_p` alone) on the masked distribution,
/// without the mask: the cuts need only the most likely allowed tokens and bounds on the masked total.
extension TokenConstraint {
    /// Candidates `lazyNucleus` tests before the caller builds the mask: it walks the best 64, then eight times
    /// as many up to this, while at least half of those walked are allowed. Walking 4,096 settled fewer than a
    /// third of the cuts that 512 left open (on a long JSON string), and cost more than the mask.
    static let lazyNucleusBudget = 512

    /// The candidates that the sampler's top-p and min-p cuts keep on the masked logits, most likely first
    /// (the input of `Sampler.drawKept`), found by testing the tokens one by one (one walk of their bytes) in
    /// the sampler's order (logit, then lowest id), with the final logits `l`. Nil when the cuts are not
    /// settled within `budget` candidates or when most are refused, or no logit is finite.
    ///
    /// In units of the unmasked maximum, let the checked tokens weigh C and the allowed ones among them A,
    /// and the vocabulary S; the masked total Z lies between A and A + (S - C). The top-p cut is the first
    /// allowed token whose running sum reaches top-p times Z: settled when the first to reach top-p times A
    /// also reaches top-p times A + (S - C). The min-p cut (weight at least min-p times the first allowed
    /// one's) is settled when an allowed token or the last checked one falls below it. The cut is the
    /// smaller; `nucleusCut` decides.
    ///
    /// With `mask` (`cachedMask(remaining:)`: the tokens `allows` allows) a candidate is tested by its bit.
    package func lazyNucleus(_ l: UnsafeBufferPointer<Float>, topP: Float, minP: Float, remaining: Int,
                             budget: Int = lazyNucleusBudget, mask: [UInt64]? = nil) throws(GrammarError) -> [(id: Int, logit: Float)]? {
        let n = l.count
        var maxLogit = -Float.infinity
        for x in l where x > maxLogit { maxLogit = x }
        guard maxLogit.isFinite else { return nil }
        let total = Sampler.temperatureWeights(l, maxLogit: maxLogit, temperature: 1, into: nil)
        var allowed: [(id: Int, logit: Float)] = []
        var running: [Double] = []  // running sums of the allowed weights
        var checked = 0.0, walked = 0, k = min(n, 64)
        while true {
            let top = Sampler.topK(n, k: k) { l[$0] }
            for c in top[walked...] {
                let e = Double(expf(c.logit - maxLogit))
                checked += e
                let ok: Bool
                if let mask { ok = mask[c.id >> 6] >> UInt64(c.id & 63) & 1 != 0 } else { ok = try allows(c.id, remaining: remaining) }
                if ok {
                    allowed.append(c)
                    running.append((running.last ?? 0) + e)
                }
            }
            walked = top.count
            let unchecked = walked == n ? 0 : max(0, total - checked)
            let lastWeight = walked == n ? 0 : Double(expf((top.last?.logit ?? maxLogit) - maxLogit))
            if let keep = Self.nucleusCut(running, unchecked: unchecked, lastWeight: lastWeight, topP: topP, minP: minP) {
                return Array(allowed.prefix(keep))
            }
            // Most candidates refused (between JSON values, say): the allowed mass lies further down, and the mask
            // of such a state is a short walk of the trie.
            guard walked < n, k < budget, allowed.count * 2 >= walked else { return nil }
            k = min(n, budget, k * 8)
        }
    }

    /// How many of the allowed candidates walked so far the cuts keep, or nil while that is not settled.
    /// `running` holds the running sums of their weights (the allowed mass seen), `unchecked` the weight of
    /// the tokens not walked yet, `lastWeight` the weight of the last token walked (no token left weighs
    /// more). Nil when no allowed token has weight.
    package static func nucleusCut(_ running: [Double], unchecked: Double, lastWeight: Double, topP: Float, minP: Float) -> Int? {
        guard let seen = running.last, seen > 0, let first = running.first else { return nil }
        // Min-p: the leading candidates at or above the threshold, settled once one of them, or the last token
        // walked, is below it.
        var minPKeep: Int?
        if minP > 0 {
            let threshold = first * Double(minP)
            var m = 1
            while m < running.count && running[m] - running[m - 1] >= threshold { m += 1 }
            if m < running.count || lastWeight < threshold { minPKeep = m }
        }
        guard topP < 1 else { return minPKeep }
        // Top-p: the first candidate reaching top-p times the least possible total, and whether it also reaches
        // top-p times the largest.
        let target = Double(topP)
        guard let low = running.firstIndex(where: { $0 >= target * seen }) else { return nil }
        if let m = minPKeep, m <= low + 1 { return m }
        guard running[low] >= target * (seen + unchecked) else { return nil }
        return min(low + 1, minPKeep ?? running.count)
    }
}
