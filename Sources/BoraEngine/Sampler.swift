#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Picks tokens from logits: repetition penalty, then top-k, top-p, min-p, temperature and a seeded draw
/// (llama.cpp's default chain order). Greedy when the temperature is 0.
public struct Sampler: Sendable {
    public let parameters: SamplingParameters
    var rng: SplitMix64
    /// The seed in use (random when the parameters gave none), so a run can be repeated.
    public let seed: UInt64

    public init(_ parameters: SamplingParameters) {
        self.parameters = parameters
        seed = parameters.seed ?? UInt64.random(in: 0...UInt64.max)
        rng = SplitMix64(seed: seed)
    }

    /// Chooses the next token. `history` is the sequence so far (prompt and generated), for the repeat
    /// penalty; its last `generated` tokens were generated, for the presence and frequency penalties.
    /// `banned` tokens are never chosen (unless every token is banned).
    public mutating func sample(_ logits: UnsafeBufferPointer<Float>, history: [Int], generated: Int = 0, banned: [Int] = []) -> Int {
        let p = parameters
        var penalized: [Int: Float] = [:]
        for t in banned where t >= 0 && t < logits.count { penalized[t] = -.infinity }
        for (t, bias) in p.logitBias where t >= 0 && t < logits.count && penalized[t] == nil {
            penalized[t] = logits[t] + bias
        }
        if p.repeatPenalty != 1, p.repeatLastN > 0 {
            var seen = Set<Int>()
            for t in history.suffix(p.repeatLastN) where t >= 0 && t < logits.count && seen.insert(t).inserted {
                let l = penalized[t] ?? logits[t]
                penalized[t] = l > 0 ? l / p.repeatPenalty : l * p.repeatPenalty
            }
        }
        if p.presencePenalty != 0 || p.frequencyPenalty != 0, generated > 0 {
            var counts: [Int: Int] = [:]
            for t in history.suffix(generated) where t >= 0 && t < logits.count { counts[t, default: 0] += 1 }
            for (t, n) in counts {
                penalized[t] = (penalized[t] ?? logits[t]) - p.presencePenalty - p.frequencyPenalty * Float(n)
            }
        }
        @inline(__always) func logit(_ i: Int) -> Float { penalized[i] ?? logits[i] }

        if p.temperature <= 0 {
            var best = 0
            var bestValue = -Float.infinity
            for i in 0..<logits.count where logit(i) > bestValue {
                bestValue = logit(i)
                best = i
            }
            return best
        }

        // Candidates sorted by logit, cut by top-k (keeping ties out of it is fine: order is by id).
        var candidates: [(id: Int, logit: Float)]
        if p.topK > 0 && p.topK < logits.count {
            candidates = Self.topK(logits.count, k: p.topK, logit)
        } else {
            candidates = (0..<logits.count).map { ($0, logit($0)) }
            candidates.sort { $0.logit > $1.logit || ($0.logit == $1.logit && $0.id < $1.id) }
        }
        guard let maxLogit = candidates.first?.logit, maxLogit.isFinite else { return candidates.first?.id ?? 0 }

        // Probabilities at temperature 1 for top-p and min-p (as llama.cpp applies them before temperature).
        var probs = candidates.map { Double(expf($0.logit - maxLogit)) }
        let total = probs.reduce(0, +)
        for i in probs.indices { probs[i] /= total }
        var keep = candidates.count
        if p.topP < 1 {
            var cum = 0.0
            for i in 0..<candidates.count {
                cum += probs[i]
                if cum >= Double(p.topP) { keep = i + 1; break }
            }
        }
        if p.minP > 0 {
            let threshold = probs[0] * Double(p.minP)
            var m = 1
            while m < keep && probs[m] >= threshold { m += 1 }
            keep = m
        }

        // Temperature, then a draw from the kept candidates.
        var weights = [Double](repeating: 0, count: keep)
        var sum = 0.0
        for i in 0..<keep {
            let w = exp(Double(candidates[i].logit - maxLogit) / Double(p.temperature))
            weights[i] = w
            sum += w
        }
        var r = rng.nextDouble() * sum
        for i in 0..<keep {
            r -= weights[i]
            if r < 0 { return candidates[i].id }
        }
        return candidates[keep - 1].id
    }

    /// The k largest logits, sorted descending (ties by lower id first).
    static func topK(_ n: Int, k: Int, _ logit: (Int) -> Float) -> [(id: Int, logit: Float)] {
        var heap: [(id: Int, logit: Float)] = []
        heap.reserveCapacity(k + 1)
        var minValue = -Float.infinity
        for i in 0..<n {
            let l = logit(i)
            if heap.count < k {
                heap.append((i, l))
                if heap.count == k { minValue = heap.map(\.logit).min() ?? -.infinity }
            } else if l > minValue {
                if let idx = heap.firstIndex(where: { $0.logit == minValue }) { heap[idx] = (i, l) }
                minValue = heap.map(\.logit).min() ?? -.infinity
            }
        }
        heap.sort { $0.logit > $1.logit || ($0.logit == $1.logit && $0.id < $1.id) }
        return heap
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): small, fast, and the same sequence for the same seed everywhere.
struct SplitMix64: Sendable {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1.0p-53 }
}
