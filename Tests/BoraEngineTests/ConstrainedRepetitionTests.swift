import BoraEngine
import BoraModels
import BoraTokenizers
import Foundation
import Testing

/// Masks shared along long repetitions (a string with a length bound is one copy of its character rule per
/// character): a state deep inside takes its mask from the state at the first copy, and the states its
/// tokens lead to by moving that state's. At every state of seeded random outputs, against a walk of the
/// trie from the state itself.
@Suite(.serialized) struct ConstrainedRepetitionTests {
    static let grammars: [(String, String)] = [
        ("bounded string", #"{"type":"object","properties":{"story":{"type":"string","minLength":150,"maxLength":300}},"required":["story"]}"#),
        ("array of bounded strings", #"{"type":"array","items":{"type":"string","minLength":90,"maxLength":200},"minItems":2,"maxItems":3}"#),
        ("gbnf run and chain", #"root ::= [a-z ]{120,260} "." [0-9]{0,100}"#),
        ("gbnf recursive", #"root ::= v  v ::= "(" v{0,120} ")" | [a-z]{100,140}"#),
    ]

    @Test(arguments: 0..<4) func sharedEntriesEqualWalks(index: Int) throws {
        let (name, source) = Self.grammars[index]
        let loaded = try LoadedModel(path: try TestPaths.smolLM2())
        let trie = try loaded.tokenTrie()
        let grammar = source.hasPrefix("{") ? try JSONSchemaCompiler.grammar(schema: try JSONValue(parsing: source))
                                            : try Grammar(gbnf: source)
        let constraint = try TokenConstraint(grammar: grammar, trie: trie)
        var rng = SplitMix64(seed: UInt64(index + 3))
        var derived = 0, steps = 0
        while !constraint.isFinal, steps < 160 {
            let check = try constraint.entryCheck()
            #expect(check.mask && check.next && check.costRange && check.maxBytes, "\(name), step \(steps): \(check)")
            if check.derived { derived += 1 }
            // A random allowed token, preferring long ones (so that outputs reach the repetitions' far ends).
            let mask = try constraint.mask(remaining: 1000)
            var ids: [Int] = []
            for (w, word) in mask.enumerated() where word != 0 {
                for b in 0..<64 where word >> UInt64(b) & 1 != 0 && w * 64 + b < trie.vocabularySize { ids.append(w * 64 + b) }
            }
            let ordinary = ids.filter { !trie.endOfGeneration.contains($0) }
            guard !ordinary.isEmpty else { break }
            var pick = ordinary[Int(rng.next() % UInt64(ordinary.count))]
            for _ in 0..<3 {
                let other = ordinary[Int(rng.next() % UInt64(ordinary.count))]
                if trie.tokenBytes[other].count > trie.tokenBytes[pick].count { pick = other }
            }
            try constraint.accept(pick)
            steps += 1
        }
        // (In the recursive grammar only the letters share entries: a copy of `v` can start a new instance of
        // the chain of `v`s, so that chain is not a family.)
        #expect(derived > 0, "\(name): \(derived) of \(steps)")
    }
}
