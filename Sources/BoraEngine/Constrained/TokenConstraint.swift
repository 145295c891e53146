/// Constrained decoding for one generation: the grammar state after the tokens so far, and the set of
/// tokens allowed next, computed by one walk of the `TokenTrie` and cached per grammar state (inside a JSON
/// string the state repeats, so most steps are cache hits).
///
/// Completion within the token limit: the cost of a state is the number of tokens that spell its shortest
/// completion (`GrammarMatcher.shortestCompletion`, split by `TokenTrie.fewestTokens`), an upper bound on
/// what finishing takes. A token is allowed only when the cost after it fits in the tokens left after it.
/// The first token of the spelling of a state's completion leaves the rest of that spelling, so the cost
/// falls by one per step along it and the output is complete when the limit arrives whenever `maxTokens`
/// was at least the initial cost. If no token fits (a limit below that), the tokens of least cost are
/// allowed, which finishes as soon as possible; a complete output then ends (a grammar that could go on,
/// such as several tool calls, does not start what it cannot finish).
public final class TokenConstraint {
    public let matcher: GrammarMatcher
    public let trie: TokenTrie
    /// Grammar state and the leading bytes of a character split across tokens.
    private(set) var state: GrammarMatcher.State
    private(set) var partial = UTF8Partial()
    @exclusivity(unchecked) private var cache: [UInt64: MaskEntry] = [:]
    /// Finishing cost in tokens per (state, partial) key.
    @exclusivity(unchecked) private var costs: [UInt64: Int] = [:]
    /// Masked logits, reused across steps (sampling with a mask).
    var logitScratch: [Float] = []

    /// The plain mask of a state, the distinct states its tokens lead to, the longest shortest completion in
    /// bytes after any of them, and (computed when a limit first nears) the least and greatest cost in tokens
    /// after them. An entry taken from the state's canonical one (deep inside a long repetition,
    /// `GrammarMatcher.canonical`) shares its mask, bounds `maxBytes` by its (the canonical state is further
    /// from the end, and the shortest completion of each state it leads to is at least as long), and finds
    /// `next` by moving the canonical entry's states by `shift` when a limit first needs them.
    struct MaskEntry {
        var mask: [UInt64]
        var next: [UInt64]?
        var maxBytes: Int
        var costRange: (least: Int, most: Int)?
        var canonical: (key: UInt64, shift: GrammarMatcher.Shift)?
    }

    public init(grammar: Grammar, trie: TokenTrie) throws(GrammarError) {
        matcher = try GrammarMatcher(grammar)
        self.trie = trie
        state = matcher.initial
    }

    /// True when the output so far is a complete string of the grammar.
    public var isComplete: Bool { partial.pending == 0 && matcher.accepts(state) }
    /// True when the output is complete and the grammar allows nothing more.
    public var isFinal: Bool { partial.pending == 0 && matcher.isFinal(state) }
    /// Shortest number of bytes that completes the output.
    public var distance: Int { Self.distance(matcher, state, partial) }
    /// Tokens that certainly suffice to complete the output (`Grammar.infinite` when the vocabulary cannot).
    public var finishCost: Int { (try? cost(Self.key(state, partial))) ?? Grammar.infinite }

    static func distance(_ m: GrammarMatcher, _ s: GrammarMatcher.State, _ p: UTF8Partial) -> Int {
        min(m.distance(s) + Int(p.pending), Grammar.infinite)
    }

    @inline(__always) static func key(_ s: GrammarMatcher.State, _ p: UTF8Partial) -> UInt64 {
        UInt64(UInt32(bitPattern: s)) << 32 | UInt64(p.packed)
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

    /// True when `token` may come next with `remaining` tokens left (itself included): the scalar reference
    /// of `mask(remaining:)`.
    public func allows(_ token: Int, remaining: Int) throws(GrammarError) -> Bool {
        if trie.endOfGeneration.contains(token) { return isComplete }
        guard token >= 0, token < trie.tokenBytes.count, !trie.tokenBytes[token].isEmpty,
              let (s, p) = try walk(trie.tokenBytes[token]) else { return false }
        // With every byte a token, a completion of n bytes costs at most n tokens (no need to spell it).
        if trie.spellsEveryByte, try completionLength(s, p) <= remaining - 1 { return true }
        let after = try cost(Self.key(s, p))
        if after <= remaining - 1 { return true }
        // No token fits: those of least cost, unless the output is complete (then ending fits).
        if isComplete { return false }
        return after <= (try costRange(Self.key(state, partial)).least)
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
        if p.pending == 0, b < 0x80 {
            let n = try matcher.advance(s, UInt32(b))
            return n == 0 ? nil : (n, p)
        }
        var p = p
        switch p.feed(b) {
        case .invalid: return nil
        case let .complete(c):
            let n = try matcher.advance(s, c)
            return n == 0 ? nil : (n, p)
        case let .pending(lo, hi):
            if p.isSpecial { return matcher.allowsSome(s, lo, hi) ? (s, p) : nil }
            // Text cannot become a special token's code point: test the rest of the range.
            let (a, b) = (TokenTrie.specialBase, TokenTrie.specialBase + UInt32(TokenTrie.specialCount - 1))
            if lo < a, matcher.allowsSome(s, lo, min(hi, a - 1)) { return (s, p) }
            if hi > b, matcher.allowsSome(s, max(lo, b + 1), hi) { return (s, p) }
            return nil
        }
    }

    /// Bytes of the shortest completion after (s, p) (the matcher's distance when no character is pending).
    private func completionLength(_ s: GrammarMatcher.State, _ p: UTF8Partial) throws(GrammarError) -> Int {
        if p.pending == 0 { return matcher.distance(s) }
        let range = p.range
        return try matcher.completionLength(s, pending: Int(p.pending), lo: range.lo, hi: range.hi)
    }

    /// Tokens that spell the shortest completion of a (state, partial) key (cached). The completion of every
    /// state it passes through is a suffix of it, so one spelling prices them all: inside a long string with
    /// a length bound, where each character leads to a new state, the next steps' costs are cache hits. For
    /// the same reason the states on the path priced before keep their costs, and only the positions before
    /// them are spelled. A key inside a character (pending bytes: a token that ends mid-character) costs the
    /// character's remaining bytes plus the cost of the state after it, not a spelling of its own.
    private func cost(_ key: UInt64) throws(GrammarError) -> Int {
        if let c = costs[key] { return c }
        let (s, p) = Self.unpack(key)
        if p.pending > 0 {
            let range = p.range
            // Inside a character: its remaining bytes, then the completion of the state after it, priced once for
            // every token that ends inside a character there (an upper bound, followed one token at a time).
            guard let (c, next) = try matcher.finishCharacter(s, lo: range.lo, hi: range.hi), let scalar = Unicode.Scalar(c),
                  let rest = trie.fewestTokens(Array(String(Character(scalar)).utf8.suffix(Int(p.pending)))) else {
                costs[key] = Grammar.infinite
                return Grammar.infinite
            }
            let after = try cost(Self.key(next, UTF8Partial()))
            let total = after < Grammar.infinite ? rest + after : Grammar.infinite
            costs[key] = total
            return total
        }
        guard let path = try matcher.shortestCompletionPath(s) else {
            costs[key] = Grammar.infinite
            return Grammar.infinite
        }
        let known = path.states.compactMap { o, s in costs[Self.key(s, UTF8Partial())].map { (offset: o, tokens: $0) } }
        let best = trie.fewestTokensPerSuffix(path.bytes, known: known)
        for (offset, state) in path.states { costs[Self.key(state, UTF8Partial())] = best[offset] }
        costs[key] = best[0]
        return best[0]
    }

    private func costRange(_ key: UInt64) throws(GrammarError) -> (least: Int, most: Int) {
        var entry = try cachedEntry(key)
        if let r = entry.costRange { return r }
        if entry.next == nil { entry = try withNext(entry, key) }
        var least = Grammar.infinite, most = 0
        for k in entry.next ?? [] {
            let c = try cost(k)
            least = min(least, c)
            most = max(most, c)
        }
        entry.costRange = (least, most)
        cache[key] = entry
        return (least, most)
    }

    /// The tokens allowed next as a bitmask over the vocabulary (bit `id % 64` of word `id / 64`).
    public func mask(remaining: Int) throws(GrammarError) -> [UInt64] {
        let key = Self.key(state, partial)
        let entry = try cachedEntry(key)
        if trie.spellsEveryByte, entry.maxBytes <= remaining - 1 { return entry.mask }
        let range = try costRange(key)
        if range.most <= remaining - 1 { return entry.mask }
        // When no token fits, those of least cost; but a complete output can end instead (end tokens are in
        // every mask of a complete state).
        return try computeMask(from: key, costLimit: isComplete ? remaining - 1 : max(remaining - 1, range.least)).mask
    }

    /// `mask(remaining:)` when it needs no walk of the trie (the state's entry, or its canonical state's, is
    /// cached, and the limit leaves the plain mask as it is); nil otherwise.
    func cachedMask(remaining: Int) -> [UInt64]? {
        let key = Self.key(state, partial)
        guard let entry = cache[key] ?? (try? derivedEntry(key, walking: false)) else { return nil }
        if trie.spellsEveryByte, entry.maxBytes <= remaining - 1 { return entry.mask }
        if let range = entry.costRange, range.most <= remaining - 1 { return entry.mask }
        return nil
    }

    private func cachedEntry(_ key: UInt64) throws(GrammarError) -> MaskEntry {
        if let hit = cache[key] { return hit }
        if let derived = try derivedEntry(key, walking: true) { return derived }
        let entry = try computeMask(from: key, costLimit: nil)
        guard entry.mask.contains(where: { $0 != 0 }) else {
            throw .deadEnd("no token of the vocabulary continues the output and it is not complete")
        }
        cache[key] = entry
        return entry
    }

    /// The entry of a state deep inside a long repetition, from its canonical state's (computed first when
    /// `walking`, else only when cached), and cached; nil for other states.
    private func derivedEntry(_ key: UInt64, walking: Bool) throws(GrammarError) -> MaskEntry? {
        let (s, p) = Self.unpack(key)
        guard let (c, shift) = try matcher.canonical(s, horizon: trie.maxDepth) else { return nil }
        let canonicalKey = Self.key(c, p)
        guard let base = walking ? try cachedEntry(canonicalKey) : cache[canonicalKey] else { return nil }
        let entry = MaskEntry(mask: base.mask, next: nil, maxBytes: base.maxBytes, canonical: (canonicalKey, shift))
        cache[key] = entry
        return entry
    }

    /// `entry` (of `key`) with its `next` states: its canonical entry's moved on, or from a walk of the trie
    /// when one of them cannot be (stored in the cache).
    private func withNext(_ entry: MaskEntry, _ key: UInt64) throws(GrammarError) -> MaskEntry {
        var entry = entry
        if let (canonicalKey, shift) = entry.canonical, let base = cache[canonicalKey]?.next {
            var moved: [UInt64] = []
            moved.reserveCapacity(base.count)
            for k in base {
                let (s, p) = Self.unpack(k)
                guard let t = try matcher.shifted(s, by: shift) else { break }
                moved.append(Self.key(t, p))
            }
            if moved.count == base.count { entry.next = moved }
        }
        if entry.next == nil { entry = try computeMask(from: key, costLimit: nil) }
        cache[key] = entry
        return entry
    }

    /// Test hook: the current state's entry (cached, or taken from its canonical state's) against a walk of
    /// the trie from this state: whether it was taken, and whether its mask, the states its tokens lead to,
    /// their cost range and its `maxBytes` bound agree with the walk's.
    package func entryCheck() throws(GrammarError) -> (derived: Bool, mask: Bool, next: Bool, costRange: Bool, maxBytes: Bool) {
        let key = Self.key(state, partial)
        let entry = try withNext(try cachedEntry(key), key)
        let range = try costRange(key)
        let fresh = try computeMask(from: key, costLimit: nil)
        var least = Grammar.infinite, most = 0
        for k in fresh.next ?? [] {
            let c = try cost(k)
            least = min(least, c)
            most = max(most, c)
        }
        return (entry.canonical != nil, entry.mask == fresh.mask, Set(entry.next ?? []) == Set(fresh.next ?? []),
                range == (least, most), entry.maxBytes >= fresh.maxBytes)
    }

    @inline(__always) static func unpack(_ key: UInt64) -> (GrammarMatcher.State, UTF8Partial) {
        (GrammarMatcher.State(bitPattern: UInt32(truncatingIfNeeded: key >> 32)), UTF8Partial(packed: UInt32(truncatingIfNeeded: key)))
    }

    /// One walk of the trie from the (state, partial) `key`: the tokens that continue the output (and, with
    /// `costLimit`, whose cost after them is at most that), and the distinct states they lead to.
    private func computeMask(from key: UInt64, costLimit: Int?) throws(GrammarError) -> MaskEntry {
        var words = [UInt64](repeating: 0, count: (trie.vocabularySize + 63) / 64)
        var next = Set<UInt64>()
        var maxBytes = 0
        let (start, startPartial) = Self.unpack(key)
        if startPartial.pending == 0 && matcher.accepts(start) {
            for t in trie.endOfGeneration { words[t >> 6] |= 1 << UInt64(t & 63) }
        }
        // The state after each depth's prefix (locals: no exclusivity checks in the loop).
        var states = [GrammarMatcher.State](repeating: 0, count: trie.maxDepth + 1)
        var partials = [UTF8Partial](repeating: UTF8Partial(), count: trie.maxDepth + 1)
        states[0] = start
        partials[0] = startPartial
        var depthKey = [UInt64](repeating: .max, count: trie.maxDepth + 1)
        var depthFits = [Bool](repeating: true, count: trie.maxDepth + 1)
        let byte = trie.byte, depth = trie.depth, subtreeEnd = trie.subtreeEnd
        let tokenStart = trie.tokenStart, tokenEnd = trie.tokenEnd
        var i = 0
        let n = byte.count
        while i < n {
            let d = Int(depth[i])
            guard let (s, p) = try step(states[d - 1], partials[d - 1], byte[i]) else {
                i = Int(subtreeEnd[i])
                continue
            }
            states[d] = s
            partials[d] = p
            let lo = Int(tokenStart[i]), hi = Int(tokenEnd[i])
            if lo < hi {
                // Token ends at one depth mostly reach one state (inside a string: the state after d characters),
                // so the last key seen at each depth saves the set and the costs most of the work.
                let key = Self.key(s, p)
                if key != depthKey[d] {
                    depthKey[d] = key
                    next.insert(key)
                    maxBytes = max(maxBytes, try completionLength(s, p))
                    if let costLimit { depthFits[d] = try cost(key) <= costLimit }
                }
                if depthFits[d] {
                    for k in lo..<hi {
                        let t = Int(trie.tokenIds[k])
                        words[t >> 6] |= 1 << UInt64(t & 63)
                    }
                }
            }
            i += 1
        }
        return MaskEntry(mask: words, next: Array(next), maxBytes: maxBytes)
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

    init() {}
    init(packed: UInt32) {
        pending = UInt8(packed >> 28)
        length = UInt8(packed >> 24 & 0xF)
        value = packed & 0xFF_FFFF
    }

    /// True between the two bytes of a special token (0xFF k, see `TokenTrie(specials:)`).
    var isSpecial: Bool { length == Self.specialLength }
    private static let specialLength: UInt8 = 5

    /// The code points the character being read can still become (empty range when none is pending).
    var range: (lo: UInt32, hi: UInt32) {
        guard pending > 0 else { return (0, 0) }
        if isSpecial { return (TokenTrie.specialBase, TokenTrie.specialBase + UInt32(TokenTrie.specialCount - 1)) }
        let shift = UInt32(6 * pending)
        return (max(value << shift, Self.minimum[Int(length)]), min((value << shift) | ((1 << shift) - 1), CharClass.maxCodePoint))
    }

    /// Smallest code point of each encoded length (anything below is an overlong encoding).
    private static let minimum: [UInt32] = [0, 0, 0x80, 0x800, 0x10000]

    mutating func feed(_ b: UInt8) -> Fed {
        if pending == 0 {
            switch b {
            case 0x00...0x7F: return .complete(UInt32(b))
            case 0xC2...0xDF: pending = 1; value = UInt32(b & 0x1F)
            case 0xE0...0xEF: pending = 2; value = UInt32(b & 0x0F)
            case 0xF0...0xF4: pending = 3; value = UInt32(b & 0x07)
            case 0xFF:
                pending = 1
                length = Self.specialLength
                return .pending(range.lo, range.hi)
            default: return .invalid
            }
            length = pending + 1
        } else if isSpecial {
            (pending, length, value) = (0, 0, 0)
            return .complete(TokenTrie.specialBase + UInt32(b))
        } else {
            guard b & 0xC0 == 0x80 else { return .invalid }
            value = value << 6 | UInt32(b & 0x3F)
            pending -= 1
            if pending == 0 {
                let c = value
                let ok = c >= Self.minimum[Int(length)] && c <= CharClass.maxCodePoint && !(0xD800...0xDFFF).contains(c)
                    && !(TokenTrie.specialBase..<TokenTrie.specialBase + UInt32(TokenTrie.specialCount)).contains(c)
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
