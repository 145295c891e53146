import BoraEngine
import BoraModels
import BoraTokenizers
import Testing

/// Constrained sampling's shortcut against the plain computation: `sampleAmongBest` (the top-k of the masked
/// distribution found by testing the best few tokens one by one) draws the same token, with the same random
/// number, as `Sampler.sample` on logits where the mask's refused tokens are -inf.
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

    @Test(arguments: 0..<3) func sampleAmongBestEqualsMaskedSample(setting: Int) throws {
        let loaded = try LoadedModel(path: try TestPaths.smolLM2())
        let tokenizer = try loaded.requireTokenizer()
        let trie = try loaded.tokenTrie()
        let schema = try JSONValue(parsing: #"{"type":"object","properties":{"story":{"type":"string","minLength":5,"maxLength":12},"n":{"type":"integer"},"e":{"enum":["é","ü"]}},"required":["story","n","e"]}"#)
        let constraint = try TokenConstraint(grammar: try JSONSchemaCompiler.grammar(schema: schema), trie: trie)
        let text = #"{"story": "Once upon", "n": 12, "e": "é"}"#
        let ids = try tokenizer.encode(text, addBos: false, parseSpecial: false)
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
                    var lazy = sampler
                    let got = try logits.withUnsafeBufferPointer { l in
                        try constraint.sampleAmongBest(l, sampler: &lazy, history: history, generated: 2, banned: banned,
                                                       remaining: remaining)
                    }
                    compared += 1
                    if let got {
                        lazyHits += 1
                        #expect(got == expected, "step \(step), remaining \(remaining), round \(round)")
                        // The same random number was used: the next draws agree too.
                        let next = logits.withUnsafeBufferPointer { (full.sample($0, history: []), lazy.sample($0, history: [])) }
                        #expect(next.0 == next.1, "step \(step), remaining \(remaining), round \(round)")
                    }
                    sampler = full
                }
            }
        }
        #expect(constraint.isComplete)
        // Both outcomes occur: drawn among the best few, and handed over to the mask.
        #expect(lazyHits > 0 && lazyHits < compared, "\(lazyHits) of \(compared)")
    }
}
