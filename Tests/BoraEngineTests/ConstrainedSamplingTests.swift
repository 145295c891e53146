import BoraEngine
import Foundation
import BoraModels
import BoraTokenizers
import Testing

/// Constrained sampling's shortcuts against the plain computation, `Sampler.sample` on logits where the mask's
/// refused tokens are -inf: the top-k of the masked distribution (found by testing the best few tokens one by
/// one, or read off the mask's bits) draws the same token with the same random number; the draw that takes
/// refused tokens out and draws again has the same distribution.
@Suite(.serialized) struct ConstrainedSamplingTests {
    /// Sampling settings: the CLI's defaults, a small top-k without cut-offs at a high temperature, and
    /// penalties, biases and a min-p that cuts hard.
    static let settings: [SamplingParameters] = {
        var cli = SamplingParameters()
        cli.temperature = 0.7
        var wide = SamplingParameters()
        wide.topK = 5; wide.topP = 1; wide.minP = 0; wide.temperature = 2
        var penalized = SamplingParameters()
        penalized.topK = 12; penalized.topP = 0.8; penalized.minP = 0.3; penalized.temperature = 1
        penalized.repeatPenalty = 1.3; penalized.presencePenalty = 0.5; penalized.frequencyPenalty = 0.2
        penalized.logitBias = [11: 3, 12: -100, 220: 1.5]
        return [cli, wide, penalized]
    }()

    @Test(arguments: 0..<3) func topKDrawEqualsMaskedSample(setting: Int) throws {
        let (trie, constraint, ids) = try SpelledOutput.make()
        let n = trie.vocabularySize
        var parameters = Self.settings[setting]
        parameters.seed = 11
        var rng = SplitMix64(seed: 5)
        var logits = [Float](repeating: 0, count: n)
        var masked = [Float](repeating: 0, count: n)
        var lazyHits = 0, compared = 0
        var sampler = Sampler(parameters)
        for (step, id) in ([-1] + ids).enumerated() {
            if id >= 0 { try constraint.accept(id) }
            let history = Array(ids.prefix(max(0, step - 1))) + [220, 11, 12]
            for remaining in [1000, max(1, constraint.finishCost), max(1, constraint.finishCost - 1)] {
                let mask = try constraint.mask(remaining: remaining)
                for round in 0..<4 {
                    // Coarse values, so that ties are common; a few -inf; a few tokens pushed to the top.
                    for i in 0..<n { logits[i] = Float(rng.next() % 16) * 0.5 }
                    for _ in 0..<20 { logits[Int(rng.next() % UInt64(n))] = -.infinity }
                    for _ in 0..<(round == 3 ? 200 : 8) { logits[Int(rng.next() % UInt64(n))] = 10 }
                    let banned = round % 2 == 0 ? [] : trie.endOfGeneration + (0..<30).map { _ in Int(rng.next() % UInt64(n)) }
                    for i in 0..<n { masked[i] = mask[i >> 6] & (1 << UInt64(i & 63)) != 0 ? logits[i] : -.infinity }
                    var full = sampler
                    let expected = masked.withUnsafeBufferPointer {
                        full.sample($0, history: history, generated: 2, banned: banned)
                    }
                    // With the lazy top-k (when it finds the candidates) and with the mask's bits.
                    for lazy in [true, false] {
                        var other = sampler
                        let got = try logits.withUnsafeBufferPointer { l in
                            try constraint.sampleWithoutMaskedCopy(l, sampler: &other, history: history, generated: 2,
                                                                   banned: banned, remaining: remaining, lazy: lazy)
                        }
                        // Nil only when no allowed token has a finite logit (the caller then builds the masked copy, and the
                        // sampler's draw gives up on it with token 0).
                        guard let got else {
                            #expect(expected == 0, "step \(step), remaining \(remaining), round \(round), lazy \(lazy)")
                            continue
                        }
                        #expect(got == expected, "step \(step), remaining \(remaining), round \(round), lazy \(lazy)")
                        // The same random number was used: the next draws agree too.
                        var after = full
                        let next = logits.withUnsafeBufferPointer { (after.sample($0, history: []), other.sample($0, history: [])) }
                        #expect(next.0 == next.1, "step \(step), remaining \(remaining), round \(round), lazy \(lazy)")
                    }
                    compared += 1
                    if try logits.withUnsafeBufferPointer({ try constraint.lazyTopK($0, k: parameters.topK, remaining: remaining) }) != nil {
                        lazyHits += 1
                    }
                    sampler = full
                }
            }
        }
        #expect(constraint.isComplete)
        // Both outcomes occur: drawn among the best few, and handed over to the mask.
        #expect(lazyHits > 0 && lazyHits < compared, "\(lazyHits) of \(compared)")
    }

    /// Top-p and min-p without top-k against `Sampler.sample` on the masked logits, at every state of a real
    /// output: `sampleWithoutMaskedCopy` (a cached mask read directly), the same without the lazy walk, and the
    /// lazy walk itself (`lazyNucleus`, then `Sampler.drawKept`) each draw the same token with the same random
    /// number. Logits are peaked (a few hundred likely tokens, continuous values, so no running sum lands on
    /// top-p exactly), or flat, where the cut needs more candidates than the walk's budget.
    @Test func nucleusDrawEqualsMaskedSample() throws {
        let (trie, constraint, ids) = try SpelledOutput.make()
        let n = trie.vocabularySize
        var settings: [SamplingParameters] = []
        for (topP, minP, temperature) in [(Float(0.9), Float(0), Float(0.8)), (1, 0.05, 1), (0.7, 0.1, 1.3)] {
            var p = SamplingParameters()
            p.topK = 0; p.topP = topP; p.minP = minP; p.temperature = temperature; p.seed = 17
            settings.append(p)
        }
        settings[2].repeatPenalty = 1.3; settings[2].presencePenalty = 0.5; settings[2].logitBias = [11: 3, 12: -100]
        var samplers = settings.map { Sampler($0) }
        var rng = SplitMix64(seed: 8)
        func uniform() -> Float { Float(rng.next() >> 40) / Float(1 << 24) }
        var logits = [Float](repeating: 0, count: n)
        var masked = [Float](repeating: 0, count: n)
        var settled = 0, unsettled = 0
        for (step, id) in ([-1] + ids).enumerated() {
            if id >= 0 { try constraint.accept(id) }
            let history = Array(ids.prefix(max(0, step - 1))) + [220, 11, 12]
            for remaining in [1000, max(1, constraint.finishCost)] {
                let mask = try constraint.mask(remaining: remaining)
                let allowed = (0..<n).filter { mask[$0 >> 6] & (1 << UInt64($0 & 63)) != 0 }
                // Half of the likely tokens allowed ones, as when the model follows the format.
                func likely() -> Int { rng.next() % 2 == 0 ? Int(rng.next() % UInt64(n)) : allowed[Int(rng.next() % UInt64(allowed.count))] }
                for round in 0..<3 {
                    let flat = round == 2
                    for i in 0..<n { logits[i] = flat ? uniform() : -12 + 8 * uniform() }
                    if !flat {
                        for _ in 0..<300 { logits[likely()] = 6 * uniform() }
                        for _ in 0..<10 { logits[likely()] = 6 + 2 * uniform() }
                    }
                    let banned = round == 1 ? trie.endOfGeneration + (0..<30).map { _ in Int(rng.next() % UInt64(n)) } : []
                    for i in 0..<n { masked[i] = mask[i >> 6] & (1 << UInt64(i & 63)) != 0 ? logits[i] : -.infinity }
                    for s in samplers.indices {
                        var full = samplers[s]
                        let expected = masked.withUnsafeBufferPointer { full.sample($0, history: history, generated: 2, banned: banned) }
                        let label = "step \(step), remaining \(remaining), round \(round), setting \(s)"
                        var draws: [(Int?, Sampler)] = []
                        for lazy in [true, false] {
                            var other = samplers[s]
                            let got = try logits.withUnsafeBufferPointer { l in
                                try constraint.sampleWithoutMaskedCopy(l, sampler: &other, history: history, generated: 2,
                                                                       banned: banned, remaining: remaining, lazy: lazy)
                            }
                            draws.append((got, other))
                        }
                        // The walk on the final logits (bans, biases and penalties applied as `sample` applies them).
                        var final = logits
                        let penalized = logits.withUnsafeBufferPointer {
                            samplers[s].penalties($0, history: history, generated: 2, banned: banned)
                        }
                        for (t, v) in penalized { final[t] = v }
                        let kept = try final.withUnsafeBufferPointer { l in
                            try constraint.lazyNucleus(l, topP: settings[s].topP, minP: settings[s].minP, remaining: remaining)
                        }
                        if let kept {
                            settled += 1
                            var other = samplers[s]
                            draws.append((other.drawKept(kept[...]), other))
                        } else {
                            unsettled += 1
                        }
                        samplers[s] = full
                        for (way, (got, other)) in draws.enumerated() {
                            // Nil only when no allowed token has a finite logit (the caller then builds the masked copy,
                            // and the sampler's draw gives up on it with token 0).
                            #expect(got == expected || (got == nil && expected == 0), "\(label), way \(way)")
                            var after = full, otherAfter = other
                            let next = logits.withUnsafeBufferPointer { (after.sample($0, history: []), otherAfter.sample($0, history: [])) }
                            #expect(next.0 == next.1, "\(label), way \(way): another random number was used")
                        }
                    }
                }
            }
        }
        #expect(constraint.isComplete)
        // Both outcomes occur: settled by the walk, and beyond its budget (flat logits).
        #expect(settled > 0 && unsettled > 0, "\(settled) settled, \(unsettled) not")
    }

    /// `nucleusCut` on hand-made weights: top-p settled only when the unchecked mass cannot move the cut, min-p
    /// when a weight below the threshold has been seen.
    @Test func nucleusCutSettlesOnlyWhenBoundsAgree() {
        let running: [Double] = [0.5, 0.8, 0.9, 0.95]  // weights 0.5, 0.3, 0.1, 0.05
        // Z between 0.95 and 0.95 + U; top-p 0.8: the second candidate (0.8 >= 0.76) unless U pushes past 0.2.
        #expect(TokenConstraint.nucleusCut(running, unchecked: 0, lastWeight: 0, topP: 0.8, minP: 0) == 2)
        #expect(TokenConstraint.nucleusCut(running, unchecked: 0.04, lastWeight: 0.05, topP: 0.8, minP: 0) == 2)
        #expect(TokenConstraint.nucleusCut(running, unchecked: 0.06, lastWeight: 0.05, topP: 0.8, minP: 0) == nil)
        // Min-p 0.25 (threshold 0.125): two candidates, settled by the third's 0.1, whatever is unchecked.
        #expect(TokenConstraint.nucleusCut(running, unchecked: 5, lastWeight: 0.05, topP: 1, minP: 0.25) == 2)
        // Min-p 0.05 (threshold 0.025): all four seen qualify; settled only when no unchecked token can.
        #expect(TokenConstraint.nucleusCut(running, unchecked: 5, lastWeight: 0.05, topP: 1, minP: 0.05) == nil)
        #expect(TokenConstraint.nucleusCut(running, unchecked: 5, lastWeight: 0.02, topP: 1, minP: 0.05) == 4)
        // Min-p cutting before the earliest possible top-p cut settles it alone.
        #expect(TokenConstraint.nucleusCut(running, unchecked: 5, lastWeight: 0.05, topP: 0.95, minP: 0.7) == 1)
        // No allowed weight yet.
        #expect(TokenConstraint.nucleusCut([0, 0], unchecked: 1, lastWeight: 0.1, topP: 0.9, minP: 0) == nil)
    }

    /// Frequencies of `draws` tokens against exact probabilities: within 5 standard deviations (plus `slack`).
    static func expectFrequencies(_ counts: [Int: Int], _ probabilities: [Int: Double], draws: Int, slack: Double = 0,
                                  _ label: String) {
        for (t, p) in probabilities {
            let f = Double(counts[t] ?? 0) / Double(draws)
            #expect(abs(f - p) <= 5 * (p * (1 - p) / Double(draws)).squareRoot() + slack, "\(label): token \(t) \(f) vs \(p)")
        }
    }

    /// `Sampler.drawAll(refusing:)`, completed by the masked draw when it gives up, against the exact masked
    /// distribution, on a small vocabulary whose three most likely tokens are refused.
    @Test func refusingDrawHasTheMaskedDistribution() {
        let logits: [Float] = [3, 2.5, 2.9, 1, 0.5, 3.2, -1, 0]
        let allowed: Set<Int> = [1, 3, 4, 6, 7]
        var p = SamplingParameters()
        p.topK = 0; p.topP = 1; p.minP = 0; p.temperature = 0.9; p.seed = 3
        var sampler = Sampler(p)
        let masked = logits.indices.map { allowed.contains($0) ? logits[$0] : -.infinity }
        let draws = 20000
        var counts: [Int: Int] = [:], gaveUp = 0
        for _ in 0..<draws {
            var t = logits.withUnsafeBufferPointer { sampler.drawAll($0, refusing: 3) { allowed.contains($0) } }
            if t == nil {
                gaveUp += 1
                t = masked.withUnsafeBufferPointer { sampler.sample($0, history: []) }
            }
            if let t { counts[t, default: 0] += 1 }
        }
        let weights = masked.map { exp(Double($0) / 0.9) }
        let total = weights.reduce(0, +)
        Self.expectFrequencies(counts, Dictionary(uniqueKeysWithValues: logits.indices.map { ($0, weights[$0] / total) }),
                               draws: draws, "small vocabulary")
        #expect(gaveUp > 0 && gaveUp < draws, "gave up \(gaveUp) times")
    }

    /// The server's default sampling (top-k, top-p and min-p off) under a JSON schema: the token
    /// `sampleWithoutMaskedCopy` draws (by refusals, or nil and then the masked draw) is always allowed and
    /// has the masked distribution, at a state where most of the likely tokens are refused (the start) and
    /// inside a string.
    @Test func serverDefaultDrawHasTheMaskedDistribution() throws {
        let loaded = try LoadedModel(path: try TestPaths.smolLM2())
        let tokenizer = try loaded.requireTokenizer()
        let trie = try loaded.tokenTrie()
        let schema = try JSONValue(parsing: #"{"type":"object","properties":{"story":{"type":"string","minLength":5,"maxLength":40}},"required":["story"]}"#)
        let constraint = try TokenConstraint(grammar: try JSONSchemaCompiler.grammar(schema: schema), trie: trie)
        let n = trie.vocabularySize
        var p = SamplingParameters()
        p.topK = 0; p.topP = 1; p.minP = 0; p.temperature = 0.7; p.seed = 9
        var sampler = Sampler(p)
        var rng = SplitMix64(seed: 2)
        for (label, prefix) in [("start", ""), ("in the string", #"{"story": "Once"#)] {
            for id in try tokenizer.encode(prefix, addBos: false, parseSpecial: false) { try constraint.accept(id) }
            let mask = try constraint.mask(remaining: 1000)
            let isAllowed = { (t: Int) in mask[t >> 6] & (1 << UInt64(t & 63)) != 0 }
            // A peaked distribution: up to 12 allowed and 12 refused tokens well above the rest.
            var logits = [Float](repeating: -8, count: n)
            var pool = [(0..<n).filter(isAllowed), (0..<n).filter { !isAllowed($0) }]
            for k in pool.indices {
                for _ in 0..<min(12, pool[k].count) {
                    let t = pool[k].remove(at: Int(rng.next() % UInt64(pool[k].count)))
                    logits[t] = 3 + Float(rng.next() % 8) * 0.1
                }
            }
            let masked = (0..<n).map { isAllowed($0) ? logits[$0] : -.infinity }
            let draws = 3000
            var counts: [Int: Int] = [:], gaveUp = 0
            for _ in 0..<draws {
                var t = try logits.withUnsafeBufferPointer {
                    try constraint.sampleWithoutMaskedCopy($0, sampler: &sampler, history: [], generated: 0, banned: [], remaining: 1000)
                }
                if t == nil {
                    gaveUp += 1
                    t = masked.withUnsafeBufferPointer { sampler.sample($0, history: []) }
                }
                if let t { counts[t, default: 0] += 1 }
            }
            #expect(counts.keys.allSatisfy(isAllowed), "\(label): a refused token was drawn")
            let weights = masked.map { exp(Double($0) / 0.7) }
            let total = weights.reduce(0, +)
            let likely = (0..<n).filter { weights[$0] / total > 0.01 }
            #expect(likely.count >= 2, "\(label): \(likely.count) likely tokens")
            Self.expectFrequencies(counts, Dictionary(uniqueKeysWithValues: likely.map { ($0, weights[$0] / total) }),
                                   draws: draws, label)
            #expect(gaveUp < draws, "\(label): gave up every time")
        }
    }
}
