extension TokenConstraint {
    /// Picks the next token among the allowed ones. Greedy decoding first checks the unconstrained choice
    /// (one walk of its bytes) and keeps it when allowed, which is what the masked argmax would pick anyway;
    /// otherwise the logits of disallowed tokens become -inf and the sampler draws from the rest.
    func choose(_ logits: UnsafeBufferPointer<Float>, sampler: inout Sampler, history: [Int], generated: Int, banned: [Int],
                remaining: Int) throws(GrammarError) -> Int {
        if sampler.parameters.temperature <= 0 {
            let t = sampler.sample(logits, history: history, generated: generated, banned: banned)
            if try allows(t, remaining: remaining) { return t }
        }
        let m = try mask(remaining: remaining)
        var masked = Array(logits)
        masked.withUnsafeMutableBufferPointer { l in
            for i in 0..<min(l.count, m.count * 64) where m[i >> 6] & (1 << UInt64(i & 63)) == 0 { l[i] = -.infinity }
            if l.count > m.count * 64 { for i in (m.count * 64)..<l.count { l[i] = -.infinity } }
        }
        return masked.withUnsafeBufferPointer { sampler.sample($0, history: history, generated: generated, banned: banned) }
    }
}
