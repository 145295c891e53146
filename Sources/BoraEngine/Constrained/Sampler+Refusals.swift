#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Sampler {
    /// A draw at the temperature over the whole vocabulary (top-k, top-p and min-p off: `sample`'s draw for
    /// those parameters) of a token that `accept` lets through: up to `tries` draws from the final logits
    /// `l`, each without the tokens refused before it. Nil when every draw was refused or no logit is finite.
    ///
    /// Exact: with p the distribution of the unmasked draw and A the accepted tokens, a draw from p restricted
    /// to the tokens not refused yet (a set that holds A) lands on a ∈ A, given that it lands in A, with
    /// probability p(a) / p(A), whatever was refused before; a caller that then draws from the masked logits
    /// draws from the same p restricted to A. So the token has the distribution of `sample` on the masked
    /// logits (up to rounding: weights here are relative to the unmasked maximum, so an allowed token more
    /// than ~100 / temperature below it weighs 0 here), though a seed gives another token than that draw.
    package mutating func drawAll<E: Error>(_ l: UnsafeBufferPointer<Float>, refusing tries: Int,
                                            accept: (Int) throws(E) -> Bool) throws(E) -> Int? {
        var maxLogit = -Float.infinity
        for x in l where x > maxLogit { maxLogit = x }
        guard maxLogit.isFinite else { return nil }
        let invT = 1 / parameters.temperature
        var total = 0.0
        for x in l { total += Double(expf((x - maxLogit) * invT)) }
        var refused: [Int] = []  // ascending
        for _ in 0..<tries {
            guard total > 0 else { return nil }
            var r = rng.nextDouble() * total
            var chosen = -1, next = 0
            for (i, x) in l.enumerated() where x > -.infinity {
                if next < refused.count, refused[next] == i { next += 1; continue }
                r -= Double(expf((x - maxLogit) * invT))
                chosen = i
                if r < 0 { break }
            }
            guard chosen >= 0 else { return nil }
            if try accept(chosen) { return chosen }
            total -= Double(expf((l[chosen] - maxLogit) * invT))
            refused.insert(chosen, at: refused.firstIndex { $0 > chosen } ?? refused.count)
        }
        return nil
    }
}
