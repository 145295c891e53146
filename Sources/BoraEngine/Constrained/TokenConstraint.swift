/// Constrained decoding for one generation: the grammar state after the tokens so far, and the set of
/// tokens allowed next, computed by one walk of the `TokenTrie` and cached per grammar state (inside a JSON
/// string the state repeats, so most steps are cache hits).
///
/// Completion near the token limit: each state knows the shortest number of bytes that completes it. When
/// few tokens are left, only tokens after which the output can still be completed within the remaining
/// tokens (counting one byte per token, which the vocabulary's single-byte tokens make possible) are
/// allowed, so the output is complete when the limit arrives as long as `maxTokens` was at least the
/// grammar's shortest completion when the budget became tight. If no token qualifies, the plain mask is used.
public final class TokenConstraint {
    public let matcher: GrammarMatcher
    public let trie: TokenTrie
    /// Grammar state and the leading bytes of a character split across tokens.
    private(set) var state: GrammarMatcher.State
    private(set) var partial = UTF8Partial()
    private var cache: [UInt64: (mask: [UInt64], maxAfterDistance: Int)] = [:]
    private var setScratch: [GrammarMatcher.State] = []
    private var partialScratch: [UTF8Partial] = []

    public init(grammar: Grammar, trie: TokenTrie) throws(GrammarError) {
        matcher = try GrammarMatcher(grammar)
        self.trie = trie
        state = matcher.initial
        setScratch = .init(repeating: 0, count: trie.maxDepth + 1)
        partialScratch = .init(repeating: UTF8Partial(), count: trie.maxDepth + 1)
    }

    /// True when the output so far is a complete string of the grammar.
    public var isComplete: Bool { partial.pending == 0 && matcher.accepts(state) }
    /// True when the output is complete and the grammar allows nothing more.
    public var isFinal: Bool { partial.pending == 0 && matcher.isFinal(state) }
    /// Shortest number of bytes that completes the output.
    public var distance: Int { Self.distance(matcher, state, partial) }

    static func distance(_ m: GrammarMatcher, _ s: GrammarMatcher.State, _ p: UTF8Partial) -> Int {
        min(m.distance(s) + Int(p.pending), Grammar.infinite)
    }

    /// Moves the state past `token` (end-of-generation tokens leave it as it is).
    public func accept(_ token: Int) throws(GrammarError) {
        guard token >= 0, token < trie.tokenBytes.count, !trie.endOfGeneration.contains(token) else { return }
        guard let (s, p) = try walk(trie.tokenBytes[token]) else {
            throw .deadEnd("token \(token) does not continue the output")
        }
        state = s
        partial = p
    }

    /// True when `token` may come next with `remaining` tokens left (itself included).
    public func allows(_ token: Int, remaining: Int) throws(GrammarError) -> Bool {
        if trie.endOfGeneration.contains(token) { return isComplete }
        guard token >= 0, token < trie.tokenBytes.count, !trie.tokenBytes[token].isEmpty,
              let (s, p) = try walk(trie.tokenBytes[token]) else { return false }
        // Allowed by the mask exactly when completable within the tokens left (a token that is not is left
        // out of both the cached and the budgeted mask; the rare fallback is handled by `mask`).
        return Self.distance(matcher, s, p) <= remaining - 1
    }

    private func walk(_ bytes: [UInt8]) throws(GrammarError) -> (GrammarMatcher.State, UTF8Partial)? {
        var s = state, p = partial
        for b in bytes {
            guard let next = try step(s, p, b) else { return nil }
            (s, p) = next
        }
        return (s, p)
    }

    @inline(__always)
    private func step(_ s: GrammarMatcher.State, _ p: UTF8Partial, _ b: UInt8) throws(GrammarError) -> (GrammarMatcher.State, UTF8Partial)? {
        var p = p
        switch p.feed(b) {
        case .invalid: return nil
        case let .complete(c):
            let n = try matcher.advance(s, c)
            return n == 0 ? nil : (n, p)
        case let .pending(lo, hi):
            return matcher.allowsSome(s, lo, hi) ? (s, p) : nil
        }
    }

    /// The tokens allowed next as a bitmask over the vocabulary (bit `id % 64` of word `id / 64`).
    public func mask(remaining: Int) throws(GrammarError) -> [UInt64] {
        let entry = try cachedMask()
        if entry.maxAfterDistance <= remaining - 1 { return entry.mask }
        let (m, _) = try computeMask(budget: remaining - 1)
        return m.contains { $0 != 0 } ? m : entry.mask
    }

    private func cachedMask() throws(GrammarError) -> (mask: [UInt64], maxAfterDistance: Int) {
        let key = UInt64(UInt32(bitPattern: state)) << 32 | UInt64(partial.packed)
        if let hit = cache[key] { return hit }
        let entry = try computeMask(budget: nil)
        guard entry.mask.contains(where: { $0 != 0 }) else {
            throw .deadEnd("no token of the vocabulary continues the output and it is not complete")
        }
        cache[key] = entry
        return entry
    }

    private func computeMask(budget: Int?) throws(GrammarError) -> (mask: [UInt64], maxAfterDistance: Int) {
        var words = [UInt64](repeating: 0, count: (trie.vocabularySize + 63) / 64)
        var maxAfter = 0
        if isComplete { for t in trie.endOfGeneration { words[t >> 6] |= 1 << UInt64(t & 63) } }
        setScratch[0] = state
        partialScratch[0] = partial
        var i = 0
        let n = trie.byte.count
        while i < n {
            let d = Int(trie.depth[i])
            guard let (s, p) = try step(setScratch[d - 1], partialScratch[d - 1], trie.byte[i]) else {
                i = Int(trie.subtreeEnd[i])
                continue
            }
            setScratch[d] = s
            partialScratch[d] = p
            let lo = Int(trie.tokenStart[i]), hi = Int(trie.tokenEnd[i])
            if lo < hi {
                let dist = Self.distance(matcher, s, p)
                if budget.map({ dist <= $0 }) ?? true {
                    maxAfter = max(maxAfter, dist)
                    for k in lo..<hi {
                        let t = Int(trie.tokenIds[k])
                        words[t >> 6] |= 1 << UInt64(t & 63)
                    }
                }
            }
            i += 1
        }
        return (words, maxAfter)
    }
}

/// Leading bytes of a UTF-8 character: how many continuation bytes are still due and the bits so far.
struct UTF8Partial: Sendable, Equatable {
    var pending: UInt8 = 0
    /// Length in bytes of the character being read.
    var length: UInt8 = 0
    var value: UInt32 = 0

    enum Fed { case invalid, complete(UInt32), pending(UInt32, UInt32) }

    var packed: UInt32 { UInt32(pending) << 28 | UInt32(length) << 24 | value }

    /// Smallest code point of each encoded length (anything below is an overlong encoding).
    private static let minimum: [UInt32] = [0, 0, 0x80, 0x800, 0x10000]

    mutating func feed(_ b: UInt8) -> Fed {
        if pending == 0 {
            switch b {
            case 0x00...0x7F: return .complete(UInt32(b))
            case 0xC2...0xDF: pending = 1; value = UInt32(b & 0x1F)
            case 0xE0...0xEF: pending = 2; value = UInt32(b & 0x0F)
            case 0xF0...0xF4: pending = 3; value = UInt32(b & 0x07)
            default: return .invalid
            }
            length = pending + 1
        } else {
            guard b & 0xC0 == 0x80 else { return .invalid }
            value = value << 6 | UInt32(b & 0x3F)
            pending -= 1
            if pending == 0 {
                let c = value
                let ok = c >= Self.minimum[Int(length)] && c <= CharClass.maxCodePoint && !(0xD800...0xDFFF).contains(c)
                value = 0
                length = 0
                return ok ? .complete(c) : .invalid
            }
        }
        // The code points this prefix can still become.
        let shift = UInt32(6 * pending)
        let lo = max(value << shift, Self.minimum[Int(length)])
        let hi = min((value << shift) | ((1 << shift) - 1), CharClass.maxCodePoint)
        return lo <= hi ? .pending(lo, hi) : .invalid
    }
}
