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
        return try withUnsafeTemporaryAllocation(of: Float.self, capacity: l.count) { (w) throws(E) -> Int? in
            var total = Self.temperatureWeights(l, maxLogit: maxLogit, temperature: parameters.temperature, into: w)
            for _ in 0..<tries {
                guard total > 0 else { return nil }
                let chosen = Self.pick(w, at: rng.nextDouble() * total)
                guard w[chosen] > 0 else { return nil }
                if try accept(chosen) { return chosen }
                total -= Double(w[chosen])
                w[chosen] = 0  // refused: out of the next draws
            }
            return nil
        }
    }
}
