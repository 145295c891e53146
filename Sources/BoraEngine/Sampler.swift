import BoraKernels

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
        let penalized = penalties(logits, history: history, generated: generated, banned: banned)
        guard !penalized.isEmpty else { return draw(logits) }
        var adjusted = Array(logits)
        for (t, v) in penalized { adjusted[t] = v }
        return adjusted.withUnsafeBufferPointer { draw($0) }
    }

    /// The logits that bans, biases and penalties change, with their new values (-inf stays -inf, so masking
    /// before or after them gives the same logits).
    package func penalties(_ logits: UnsafeBufferPointer<Float>, history: [Int], generated: Int, banned: [Int]) -> [Int: Float] {
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
        return penalized
    }

    /// Greedy, or top-k, top-p, min-p and temperature then a seeded draw, on final logits.
    private mutating func draw(_ l: UnsafeBufferPointer<Float>) -> Int {
        let p = parameters
        let n = l.count
        if p.temperature <= 0 {
            var best = 0
            var bestValue = -Float.infinity
            for i in 0..<n where l[i] > bestValue {
                bestValue = l[i]
                best = i
            }
            return best
        }
        var maxLogit = -Float.infinity
        for x in l where x > maxLogit { maxLogit = x }
        guard maxLogit.isFinite else { return 0 }

        // Candidates sorted by logit, most likely first: the top-k, or (no top-k) as many of the most likely
        // tokens as top-p and min-p need, found by growing partial selections instead of sorting everything.
        let candidates: [(id: Int, logit: Float)]
        let probs: [Double]
        if p.topK > 0 && p.topK < n {
            candidates = Self.topK(n, k: p.topK) { l[$0] }
            probs = Self.topKProbabilities(candidates, maxLogit: maxLogit)
        } else if p.topP >= 1 && p.minP <= 0 {
            return drawAll(l, maxLogit: maxLogit)
        } else {
            (candidates, probs) = Self.nucleus(l, maxLogit: maxLogit, topP: p.topP, minP: p.minP)
        }
        return drawAmong(candidates, probs: probs)
    }

    /// Without top-k: as many of the logits `l` (the largest `maxLogit`) as top-p and min-p need, most likely
    /// first (ids are indices into `l`), with their probabilities at temperature 1 over all of `l`; found by
    /// growing partial selections instead of sorting everything. The total is summed 16 weights at a time.
    static func nucleus(_ l: UnsafeBufferPointer<Float>, maxLogit: Float, topP: Float,
                        minP: Float) -> (candidates: [(id: Int, logit: Float)], probs: [Double]) {
        let n = l.count
        let total = temperatureWeights(l, maxLogit: maxLogit, temperature: 1, into: nil)
        var k = min(n, 256)
        while true {
            let top = topK(n, k: k) { l[$0] }
            let pr = top.map { Double(expf($0.logit - maxLogit)) / total }
            let mass = pr.reduce(0, +)
            let topPDone = topP >= 1 || mass >= Double(topP)
            let minPDone = minP <= 0 || (pr.last ?? 0) < pr[0] * Double(minP)
            if k == n || (topPDone && minPDone) { return (top, pr) }
            k = min(n, k * 8)
        }
    }

    /// `sample`'s draw without top-k (top-p and min-p, temperature) on logits where only the tokens `ids`
    /// (ascending) may be drawn, reading only theirs: the same token, with the same random number, as on a
    /// copy of `l` where every other token is -inf (those weigh 0 in the total and come after every
    /// candidate). Nil, drawing nothing, when none of them has a finite logit.
    package mutating func drawNucleus(_ l: UnsafeBufferPointer<Float>, among ids: [Int]) -> Int? {
        let p = parameters
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: max(1, ids.count)) { g -> Int? in
            var maxLogit = -Float.infinity
            for (j, i) in ids.enumerated() {
                g[j] = l[i]
                if l[i] > maxLogit { maxLogit = l[i] }
            }
            guard maxLogit.isFinite else { return nil }
            let (candidates, probs) = Self.nucleus(UnsafeBufferPointer(rebasing: g[..<ids.count]), maxLogit: maxLogit,
                                                   topP: p.topP, minP: p.minP)
            return drawAmong(candidates.map { (id: ids[$0.id], logit: $0.logit) }, probs: probs)
        }
    }

    /// Probabilities at temperature 1 over the top-k's candidates (llama.cpp applies top-p and min-p before
    /// temperature, on the top-k's distribution).
    private static func topKProbabilities(_ candidates: [(id: Int, logit: Float)], maxLogit: Float) -> [Double] {
        var probs = candidates.map { Double(expf($0.logit - maxLogit)) }
        let total = probs.reduce(0, +)
        for i in probs.indices { probs[i] /= total }
        return probs
    }

    /// The top-k draw when the caller found the candidates: the `parameters.topK` largest final logits (fewer
    /// when fewer tokens are possible), sorted as `topK` sorts them. The same draw as `sample` makes on
    /// logits where every other token is -inf: those tokens' weights are 0, so they change neither the
    /// top-k's total, nor the top-p and min-p cuts, nor which candidate the draw lands on. Token 0 when the
    /// first logit is not finite (as `sample` gives up).
    package mutating func drawTopK(_ candidates: [(id: Int, logit: Float)]) -> Int {
        guard let maxLogit = candidates.first?.logit, maxLogit.isFinite else { return 0 }
        return drawAmong(candidates, probs: Self.topKProbabilities(candidates, maxLogit: maxLogit))
    }

    /// Top-p, min-p and temperature on candidates sorted by logit (`probs` their probabilities), then a
    /// seeded draw.
    private mutating func drawAmong(_ candidates: [(id: Int, logit: Float)], probs: [Double]) -> Int {
        let p = parameters
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
        return drawKept(candidates.prefix(keep))
    }

    /// The draw after the cut-offs: temperature on the kept candidates (sorted by logit, most likely first),
    /// then one seeded number. Token 0 when there is no candidate or the first logit is not finite.
    package mutating func drawKept(_ kept: ArraySlice<(id: Int, logit: Float)>) -> Int {
        guard let first = kept.first, first.logit.isFinite else { return 0 }
        let weights = kept.map { exp(Double($0.logit - first.logit) / Double(parameters.temperature)) }
        var r = rng.nextDouble() * weights.reduce(0, +)
        var last = kept.startIndex
        for (i, w) in zip(kept.indices, weights) where w > 0 {
            r -= w
            last = i
            if r < 0 { return kept[i].id }
        }
        // Rounding left r at 0 or above: the last candidate that could be drawn (never one of weight 0).
        return kept[last].id
    }

    /// A draw over the whole vocabulary at the temperature (no cut-off), in id order, no sort (see
    /// `temperatureWeights`).
    private mutating func drawAll(_ l: UnsafeBufferPointer<Float>, maxLogit: Float) -> Int {
        let u = rng.nextDouble()
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: max(1, l.count)) { w in
            let sum = Self.temperatureWeights(l, maxLogit: maxLogit, temperature: parameters.temperature, into: w)
            return Self.pick(w, at: u * sum)
        }
    }

    /// The weights e^((x - max) / T) of every logit into `w` (as long as `l`; nil: only their sum), 16 at a
    /// time (`Ops.exp`), and their sum. Every server request without top-k, top-p or min-p samples from
    /// these, one row per stream and step, over the whole vocabulary (two libm `expf` passes took about
    /// 0.3 ms a row); the top-p and min-p cuts need only the sum.
    static func temperatureWeights(_ l: UnsafeBufferPointer<Float>, maxLogit: Float, temperature: Float,
                                   into w: UnsafeMutableBufferPointer<Float>?) -> Double {
        guard let x = l.baseAddress else { return 0 }
        if let w, w.count < l.count { return 0 }
        let out = w?.baseAddress
        let invT = 1 / temperature, n = l.count
        let m = SIMD16<Float>(repeating: maxLogit), scale = SIMD16<Float>(repeating: invT)
        var sum = 0.0, i = 0
        while i + 16 <= n {
            let e = Ops.exp((UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self) - m) * scale)
            if let out { UnsafeMutableRawPointer(out + i).storeBytes(of: e, as: SIMD16<Float>.self) }
            sum += Double(e.sum())
            i += 16
        }
        while i < n {
            let e = expf((x[i] - maxLogit) * invT)
            out?[i] = e
            sum += Double(e)
            i += 1
        }
        return sum
    }

    /// The first index where the running sum of the weights passes `target` (the last weighted one when
    /// rounding leaves it short); 0 when no weight is positive.
    static func pick(_ w: UnsafeMutableBufferPointer<Float>, at target: Double) -> Int {
        var r = target, last = 0
        for j in w.indices where w[j] > 0 {
            r -= Double(w[j])
            last = j
            if r < 0 { return j }
        }
        return last
    }

    /// The k largest logits, sorted descending (ties by lower id first).
    static func topK(_ n: Int, k: Int, _ logit: (Int) -> Float) -> [(id: Int, logit: Float)] {
        let k = min(k, n)
        guard k > 0 else { return [] }
        // A binary min-heap of the best k so far, the worst (lowest logit; on ties the higher id) at the root:
        // O(n log k). Ids arrive in increasing order, so a newcomer equal to the root is worse and skipped.
        var heap: [(id: Int, logit: Float)] = []
        heap.reserveCapacity(k)
        @inline(__always) func worse(_ a: (id: Int, logit: Float), _ b: (id: Int, logit: Float)) -> Bool {
            a.logit < b.logit || (a.logit == b.logit && a.id > b.id)
        }
        for i in 0..<n {
            let item = (id: i, logit: logit(i))
            if heap.count < k {
                heap.append(item)
                var c = heap.count - 1
                while c > 0 {
                    let parent = (c - 1) / 2
                    guard worse(heap[c], heap[parent]) else { break }
                    heap.swapAt(c, parent)
                    c = parent
                }
            } else if item.logit > heap[0].logit {
                heap[0] = item
                var c = 0
                while true {
                    let a = 2 * c + 1, b = a + 1
                    var m = c
                    if a < k, worse(heap[a], heap[m]) { m = a }
                    if b < k, worse(heap[b], heap[m]) { m = b }
                    if m == c { break }
                    heap.swapAt(c, m)
                    c = m
                }
            }
        }
        heap.sort { $0.logit > $1.logit || ($0.logit == $1.logit && $0.id < $1.id) }
        return heap
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): small, fast, and the same sequence for the same seed everywhere.
package struct SplitMix64: Sendable {
    var state: UInt64
    package init(seed: UInt64) { state = seed }
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    package mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1.0p-53 }
}
