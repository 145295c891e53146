import Foundation
import BoraEngine
import Testing

@Suite struct SamplerTests {
    let logits: [Float] = [1.0, 3.0, 2.5, -1.0, 0.5, 2.9, -3.0, 0.0]

    func draw(_ p: SamplingParameters, history: [Int] = [], generated: Int = 0, times: Int = 200) -> [Int] {
        var s = Sampler(p)
        return (0..<times).map { _ in logits.withUnsafeBufferPointer { s.sample($0, history: history, generated: generated) } }
    }

    @Test func greedyIsArgmax() {
        #expect(Set(draw(.greedy, times: 5)) == [1])
    }

    @Test func topKOneIsGreedy() {
        var p = SamplingParameters()
        p.topK = 1
        p.seed = 3
        #expect(Set(draw(p)) == [1])
    }

    @Test func topKLimitsCandidates() {
        var p = SamplingParameters()
        p.topK = 3; p.topP = 1; p.minP = 0; p.temperature = 5; p.seed = 1
        #expect(Set(draw(p, times: 500)) == [1, 5, 2])
    }

    @Test func topPLimitsCandidates() {
        var p = SamplingParameters()
        p.topK = 0; p.topP = 0.5; p.minP = 0; p.temperature = 1; p.seed = 1
        // Softmax: id 1 has ~0.33, id 5 ~0.30: the first two reach 0.5.
        #expect(Set(draw(p, times: 500)) == [1, 5])
    }

    @Test func minPLimitsCandidates() {
        var p = SamplingParameters()
        p.topK = 0; p.topP = 1; p.minP = 0.5; p.temperature = 1; p.seed = 1
        // Kept: probability at least half the top one's, i.e. logit >= 3 - ln 2 ≈ 2.31.
        #expect(Set(draw(p, times: 500)) == [1, 5, 2])
    }

    @Test func repeatPenaltyChangesTheChoice() {
        var p = SamplingParameters.greedy
        p.repeatPenalty = 1.5
        #expect(draw(p, history: [1], times: 1) == [5])
        #expect(draw(p, history: [1, 5], times: 1) == [2])
        #expect(draw(p, history: [], times: 1) == [1])
    }

    /// OpenAI's penalties count only generated tokens: presence once, frequency per occurrence.
    @Test func presenceAndFrequencyPenalties() {
        var p = SamplingParameters.greedy
        p.presencePenalty = 0.3
        #expect(draw(p, history: [1], generated: 1, times: 1) == [5])   // 3.0 - 0.3 < 2.9
        #expect(draw(p, history: [1], generated: 0, times: 1) == [1])   // the prompt's tokens are not penalized
        p.presencePenalty = 0
        p.frequencyPenalty = 0.3
        #expect(draw(p, history: [1, 5, 1, 1], generated: 3, times: 1) == [5])  // 1: 3.0-0.6, 5: 2.9-0.3, 2: 2.5
        p.frequencyPenalty = -1
        #expect(draw(p, history: [3], generated: 1, times: 1) == [1])
    }

    @Test func logitBiasBansAndForces() {
        var p = SamplingParameters.greedy
        p.logitBias = [1: -100]
        #expect(draw(p, times: 1) == [5])
        p.logitBias = [6: 100]
        #expect(draw(p, times: 1) == [6])
        p.logitBias = [99: 100, -1: 5]  // ids outside the vocabulary are ignored
        #expect(draw(p, times: 1) == [1])
        p.logitBias = [1: .infinity]
        #expect(throws: EngineError.self) { try p.validate() }
    }

    /// Without top-k, top-p and min-p find their cut-off from partial selections; the tokens drawn are
    /// exactly the ones a full sort keeps (a large vocabulary, so the selection has to grow).
    @Test(arguments: [(Float(0.9), Float(0)), (Float(0.999), Float(0)), (Float(1), Float(0.2)), (Float(0.5), Float(0.01))])
    func partialSelectionKeepsWhatAFullSortKeeps(topP: Float, minP: Float) {
        var g = SplitMix64(seed: 7)
        let logits = (0..<5000).map { _ in Float(g.next() % 1000) / 250 }
        var p = SamplingParameters()
        p.topK = 0
        p.topP = topP
        p.minP = minP
        p.temperature = 1.5
        p.seed = 3
        // Reference: sort all, softmax at temperature 1, cut by top-p then min-p.
        let order = logits.indices.sorted { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
        let m = logits.max() ?? 0
        let z = logits.reduce(0.0) { $0 + Double(expf($1 - m)) }
        let probs = order.map { Double(expf(logits[$0] - m)) / z }
        var keep = order.count
        if topP < 1 {
            var cum = 0.0
            for i in probs.indices { cum += probs[i]; if cum >= Double(topP) { keep = i + 1; break } }
        }
        if minP > 0 {
            var k = 1
            while k < keep && probs[k] >= probs[0] * Double(minP) { k += 1 }
            keep = k
        }
        let allowed = Set(order[..<keep])
        var s = Sampler(p)
        let drawn = Set((0..<3000).map { _ in logits.withUnsafeBufferPointer { s.sample($0, history: []) } })
        #expect(drawn.isSubset(of: allowed))
        #expect(drawn.count > min(allowed.count, 40) / 2)
    }

    /// Without any cut-off, draws follow softmax(logits / T) over the whole vocabulary: each token's count
    /// over many draws is within 5 standard deviations of its expectation, and -inf tokens never come up.
    @Test func fullVocabularyDrawsFollowTheSoftmax() {
        var g = SplitMix64(seed: 11)
        var logits = (0..<37).map { _ in Float(g.next() % 1000) / 300 }
        logits[5] = -.infinity
        var p = SamplingParameters()
        p.topK = 0; p.topP = 1; p.minP = 0; p.temperature = 0.8
        p.seed = 5
        let m = logits.max() ?? 0
        let weights = logits.map { exp(Double($0 - m) / 0.8) }
        let z = weights.reduce(0, +)
        var s = Sampler(p)
        let draws = 40000
        var counts = [Int](repeating: 0, count: logits.count)
        for _ in 0..<draws { counts[logits.withUnsafeBufferPointer { s.sample($0, history: []) }] += 1 }
        #expect(counts[5] == 0)
        for (t, w) in weights.enumerated() {
            let expected = Double(draws) * w / z, sigma = (expected * (1 - w / z)).squareRoot()
            #expect(abs(Double(counts[t]) - expected) <= 5 * sigma + 1, "token \(t): \(counts[t]) draws, expected \(expected)")
        }
    }

    @Test func sameSeedSameDraws() {
        var p = SamplingParameters()
        p.topK = 0; p.topP = 1; p.minP = 0; p.temperature = 1.5
        p.seed = 99
        let a = draw(p), b = draw(p)
        p.seed = 100
        let c = draw(p)
        #expect(a == b)
        #expect(a != c)
        #expect(Set(a).count > 3)
    }

    @Test func invalidParameters() {
        var p = SamplingParameters()
        p.temperature = -1
        #expect(throws: EngineError.self) { try p.validate() }
        p = SamplingParameters(); p.topP = 0
        #expect(throws: EngineError.self) { try p.validate() }
        p = SamplingParameters(); p.minP = 2
        #expect(throws: EngineError.self) { try p.validate() }
        p = SamplingParameters(); p.topK = -1
        #expect(throws: EngineError.self) { try p.validate() }
        p = SamplingParameters(); p.repeatPenalty = 0
        #expect(throws: EngineError.self) { try p.validate() }
    }

    @Test func utf8AssemblerHoldsPartialCharacters() {
        var a = UTF8Assembler()
        let euro: [UInt8] = [0xE2, 0x82, 0xAC]
        #expect(a.append([0x41, euro[0]]) == "A")
        #expect(a.append([euro[1]]) == "")
        #expect(a.append([euro[2], 0x42]) == "€B")
        #expect(a.append([0xF0, 0x9F]) == "")
        #expect(a.flush() == "\u{FFFD}")
    }
}
