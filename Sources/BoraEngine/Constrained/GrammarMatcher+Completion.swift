extension GrammarMatcher {
    /// A shortest completion of state `s`, as UTF-8 bytes (empty when `s` accepts; nil when it is dead). When
    /// the input ends inside a character (`pending` continuation bytes due, the character in `lo...hi`), the
    /// completion starts with the bytes that finish the smallest fitting character.
    ///
    /// Deterministic and memoryless: the completion of `s` is its first character followed by the completion
    /// of the state after it, so what is left of a completion after some of its characters is the completion
    /// of the state reached (the token budget in `TokenConstraint` relies on this).
    func shortestCompletion(_ s: State, pending: Int = 0, lo: UInt32 = 0, hi: UInt32 = 0) throws(GrammarError) -> [UInt8]? {
        try shortestCompletionPath(s, pending: pending, lo: lo, hi: hi)?.bytes
    }

    /// `shortestCompletion` with the states it passes through at character boundaries: `(offset, state)` where
    /// `bytes[offset...]` is the shortest completion of `state` (by the property above), the last one the
    /// accepting state at `bytes.count`.
    func shortestCompletionPath(_ s: State, pending: Int = 0, lo: UInt32 = 0, hi: UInt32 = 0) throws(GrammarError)
        -> (bytes: [UInt8], states: [(offset: Int, state: State)])? {
        guard s != 0 else { return nil }
        var out: [UInt8] = []
        var states: [(offset: Int, state: State)] = []
        var s = s
        if pending > 0 {
            guard let (c, next) = try finishCharacter(s, lo: lo, hi: hi), let scalar = Unicode.Scalar(c) else { return nil }
            out += Array(String(Character(scalar)).utf8.suffix(pending))
            s = next
        }
        var d = distance(s)
        guard d < Grammar.infinite else { return nil }
        states.append((out.count, s))
        while d > 0 {
            var step: (c: UInt32, next: State, d: Int)?
            for node in sets[Int(s)] where node != Self.accept {
                guard case let .chars(k) = grammar.elements[Int(nodePos[Int(node)])],
                      let c = grammar.classes[k].ranges.first?.lowerBound else { continue }
                let n = try advance(s, c)
                if n != 0, distance(n) + CharClass.utf8Length(c) == d { step = (c, n, distance(n)); break }
            }
            guard let step, let scalar = Unicode.Scalar(step.c) else { return nil }
            if step.c >= TokenTrie.specialBase, step.c - TokenTrie.specialBase < UInt32(TokenTrie.specialCount) {
                out += [0xFF, UInt8(step.c - TokenTrie.specialBase)]  // a special token's bytes in the trie
            } else {
                out += Array(String(Character(scalar)).utf8)
            }
            (s, d) = (step.next, step.d)
            states.append((out.count, s))
        }
        return (out, states)
    }
}

extension GrammarMatcher {
    /// The character in `lo...hi` (one whose leading bytes are in) after which the rest is shortest, with the
    /// state after it; nil when none can follow `s`. When the first character of `shortestCompletion(s)` is
    /// in the range it is the one chosen, so that a completion cut inside a character goes on as it was.
    func finishCharacter(_ s: State, lo: UInt32, hi: UInt32) throws(GrammarError) -> (UInt32, State)? {
        let d = distance(s)
        for node in sets[Int(s)] where node != Self.accept {
            guard case let .chars(k) = grammar.elements[Int(nodePos[Int(node)])],
                  let c = grammar.classes[k].ranges.first?.lowerBound else { continue }
            let n = try advance(s, c)
            guard n != 0, distance(n) + CharClass.utf8Length(c) == d else { continue }
            if c >= lo, c <= hi { return (c, n) }
            break
        }
        var best: (c: UInt32, next: State, d: Int)?
        for node in sets[Int(s)] where node != Self.accept {
            guard case let .chars(k) = grammar.elements[Int(nodePos[Int(node)])],
                  let c = grammar.classes[k].smallest(in: lo, hi) else { continue }
            let n = try advance(s, c)
            if n != 0, distance(n) < best?.d ?? Grammar.infinite { best = (c, n, distance(n)) }
        }
        return best.map { ($0.c, $0.next) }
    }

    /// The length in bytes of `shortestCompletion` (`Grammar.infinite` when dead).
    func completionLength(_ s: State, pending: Int, lo: UInt32, hi: UInt32) throws(GrammarError) -> Int {
        guard pending > 0 else { return distance(s) }
        guard let (_, next) = try finishCharacter(s, lo: lo, hi: hi) else { return Grammar.infinite }
        return min(pending + distance(next), Grammar.infinite)
    }
}

extension CharClass {
    static func utf8Length(_ c: UInt32) -> Int { c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4 }

    /// The smallest member in `lo...hi` that is a Unicode scalar (not a surrogate), if any.
    func smallest(in lo: UInt32, _ hi: UInt32) -> UInt32? {
        for r in ranges where r.upperBound >= lo && r.lowerBound <= hi {
            var c = max(r.lowerBound, lo)
            if (0xD800...0xDFFF).contains(c) { c = 0xE000 }
            if c <= min(r.upperBound, hi) { return c }
        }
        return nil
    }
}
