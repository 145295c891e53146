import BoraEngine
import BoraModels
import BoraTokenizers
import Testing

/// Constrained decoding's shortcuts against the plain computation: the greedy fast path and the costs priced
/// along another state's shortest completion.
@Suite(.serialized) struct ConstrainedFastPathTests {
    /// `greedyAmongBest` (test the best few tokens one by one instead of building the mask) against
    /// `maskedArgmax` over the full mask, on seeded random logits at every state of an output, with loose and
    /// tight token limits, ties, -inf logits and banned tokens.
    @Test func greedyAmongBestEqualsMaskedArgmax() throws {
        let (trie, constraint, ids) = try SpelledOutput.make()
        let n = trie.vocabularySize
        var rng = SplitMix64(seed: 7)
        var logits = [Float](repeating: 0, count: n)
        var lazyHits = 0, compared = 0
        for (step, id) in ([-1] + ids).enumerated() {
            if id >= 0 { try constraint.accept(id) }
            for remaining in [1000, max(1, constraint.finishCost), max(1, constraint.finishCost - 1)] {
                let mask = try constraint.mask(remaining: remaining)
                for round in 0..<4 {
                    // Coarse values, so that ties are common; a few -inf; a few tokens pushed to the top.
                    for i in 0..<n { logits[i] = Float(rng.next() % 16) * 0.5 }
                    for _ in 0..<20 { logits[Int(rng.next() % UInt64(n))] = -.infinity }
                    for _ in 0..<8 { logits[Int(rng.next() % UInt64(n))] = 10 }
                    let banned = round % 2 == 0 ? [] : trie.endOfGeneration + (0..<30).map { _ in Int(rng.next() % UInt64(n)) }
                    try logits.withUnsafeBufferPointer { l in
                        let expected = TokenConstraint.maskedArgmax(l, mask, banned: banned)
                        let exhaustive = try constraint.greedyAmongBest(l, banned: banned, remaining: remaining, k: n)
                        #expect(exhaustive == expected, "step \(step), remaining \(remaining), round \(round)")
                        if let lazy = try constraint.greedyAmongBest(l, banned: banned, remaining: remaining) {
                            lazyHits += 1
                            #expect(lazy == expected, "step \(step), remaining \(remaining), round \(round)")
                        }
                        compared += 1
                    }
                }
            }
        }
        #expect(constraint.isComplete)
        // Both outcomes occur: answered among the best few, and handed over to the mask.
        #expect(lazyHits > 0 && lazyHits < compared, "\(lazyHits) of \(compared)")
    }

    /// The cost of each state of a length-bounded string, read from the cache that earlier steps filled along
    /// their shortest completions, equals the cost computed from scratch (a new constraint fed the same tokens).
    @Test func costsPricedAlongACompletionEqualFreshOnes() throws {
        let loaded = try LoadedModel(path: try TestPaths.smolLM2())
        let tokenizer = try loaded.requireTokenizer()
        let trie = try loaded.tokenTrie()
        let grammar = try JSONSchemaCompiler.grammar(schema: try JSONValue(parsing:
            #"{"type":"object","properties":{"s":{"type":"string","minLength":30,"maxLength":60},"n":{"type":"integer"}},"required":["s","n"]}"#))
        let text = #"{"s": "Zoë's naïve café — 東京 at dawn, then home", "n": 7}"#
        let ids = try tokenizer.encode(text, addBos: false, parseSpecial: false)
        let kept = try TokenConstraint(grammar: grammar, trie: trie)
        for k in 0...ids.count {
            if k > 0 { try kept.accept(ids[k - 1]) }
            let fresh = try TokenConstraint(grammar: grammar, trie: trie)
            for id in ids.prefix(k) { try fresh.accept(id) }
            #expect(kept.finishCost == fresh.finishCost, "after \(k) tokens")
        }
        #expect(kept.isComplete)
    }
}

/// The shortcut tests' fixture: SmolLM2's token trie, a constraint for a small schema (a length-bounded
/// string, an integer, an enum with non-ASCII values) and the tokens of one output it accepts.
enum SpelledOutput {
    static func make() throws -> (trie: TokenTrie, constraint: TokenConstraint, ids: [Int]) {
        let loaded = try LoadedModel(path: try TestPaths.smolLM2())
        let tokenizer = try loaded.requireTokenizer()
        let trie = try loaded.tokenTrie()
        let schema = try JSONValue(parsing: #"{"type":"object","properties":{"story":{"type":"string","minLength":5,"maxLength":12},"n":{"type":"integer"},"e":{"enum":["é","ü"]}},"required":["story","n","e"]}"#)
        let constraint = try TokenConstraint(grammar: try JSONSchemaCompiler.grammar(schema: schema), trie: trie)
        let ids = try tokenizer.encode(#"{"story": "Once upon", "n": 12, "e": "é"}"#, addBos: false, parseSpecial: false)
        return (trie, constraint, ids)
    }
}
