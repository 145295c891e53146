/// An incremental recogniser for a `Grammar`: the parse state after some input is a set of stacks
/// (llama.cpp's `llama_grammar_stacks`), each a path of return positions ending at the character element to
/// match next. Stacks are hash-consed into a graph of `(position, parent)` nodes and whole stack sets are
/// interned to small ids, so that advancing a state by a code point is memoised: after the first time, a
/// step is one dictionary lookup. Not thread-safe: one matcher per generation.
public final class GrammarMatcher {
    public let grammar: Grammar
    /// A state: an interned stack set. 0 is the dead (empty) state.
    public typealias State = Int32

    /// The empty stack: the input so far is a complete string of the grammar.
    static let accept: Int32 = -1
    /// Most node expansions one step may do before refusing the grammar as too ambiguous.
    static let maxWorkPerStep = 200_000
    /// Most distinct stacks and states kept before refusing (bounds memory on adversarial grammars).
    static let maxNodes = 2_000_000

    @exclusivity(unchecked) private(set) var nodePos: [Int32] = []
    @exclusivity(unchecked) private(set) var nodeParent: [Int32] = []
    @exclusivity(unchecked) private var nodeDistance: [Int] = []
    private var nodeIndex: [UInt64: Int32] = [:]
    @exclusivity(unchecked) private(set) var sets: [[Int32]] = [[]]
    @exclusivity(unchecked) private var setDistance: [Int] = [Grammar.infinite]
    private var setIndex: [[Int32]: Int32] = [[]: 0]
    private var advanceMemo: [UInt64: State] = [:]
    /// `advance` results for ASCII, 128 per state (-1: not computed yet): one flat array read on the mask
    /// walk's hot path instead of a hash lookup.
    @exclusivity(unchecked) private var asciiNext = [State](repeating: 0, count: 128)
    private var work = 0
    public private(set) var initial: State = 0

    public init(_ grammar: Grammar) throws(GrammarError) {
        self.grammar = grammar
        var out: [Int32] = []
        work = 0
        for a in grammar.alternatives[grammar.root] { try expand(a, parent: -1, into: &out) }
        initial = try intern(out)
    }

    /// True when the input so far is a complete string of the grammar.
    public func accepts(_ s: State) -> Bool { sets[Int(s)].first == Self.accept }
    /// True when the input so far is complete and nothing may follow it.
    public func isFinal(_ s: State) -> Bool { sets[Int(s)].count == 1 && sets[Int(s)][0] == Self.accept }
    /// Shortest number of UTF-8 bytes that completes the input (0 when complete; `Grammar.infinite` if dead).
    public func distance(_ s: State) -> Int { setDistance[Int(s)] }

    /// The state after one more code point (0 when the grammar does not allow it).
    public func advance(_ s: State, _ c: UInt32) throws(GrammarError) -> State {
        if s == 0 { return 0 }
        if c < 128 {
            let hit = asciiNext[Int(s) << 7 | Int(c)]
            if hit >= 0 { return hit }
            if sets[Int(s)].count <= 64 {
                try fillASCII(s)
                return asciiNext[Int(s) << 7 | Int(c)]
            }
        }
        let key = UInt64(UInt32(bitPattern: s)) << 21 | UInt64(c)
        if c >= 128, let hit = advanceMemo[key] { return hit }
        let next = try advanceReference(s, c)
        if c < 128 { asciiNext[Int(s) << 7 | Int(c)] = next } else { advanceMemo[key] = next }
        return next
    }

    /// `advance` without the memo tables (its reference): the stacks that accept `c`, expanded one by one.
    package func advanceReference(_ s: State, _ c: UInt32) throws(GrammarError) -> State {
        if s == 0 { return 0 }
        var out: [Int32] = []
        work = 0
        for node in sets[Int(s)] where node != Self.accept {
            let pos = Int(nodePos[Int(node)])
            guard case let .chars(k) = grammar.elements[pos], grammar.classes[k].contains(c) else { continue }
            try expand(pos + 1, parent: nodeParent[Int(node)], into: &out)
        }
        return try intern(out)
    }

    /// Fills the ASCII row of `s` (at most 64 stacks): the characters that the same stacks accept lead to the
    /// same state, so one expansion serves each such group (inside a JSON string, one for the ninety-odd
    /// plain characters) rather than one per character.
    private func fillASCII(_ s: State) throws(GrammarError) {
        let stacks = sets[Int(s)]
        var accepting = [UInt64](repeating: 0, count: 128)  // per character: which stacks accept it
        for (i, node) in stacks.enumerated() where node != Self.accept {
            guard case let .chars(k) = grammar.elements[Int(nodePos[Int(node)])] else { continue }
            let cls = grammar.classes[k]
            var lo = cls.asciiLow, hi = cls.asciiHigh
            while lo != 0 { accepting[lo.trailingZeroBitCount] |= 1 << UInt64(i); lo &= lo - 1 }
            while hi != 0 { accepting[64 + hi.trailingZeroBitCount] |= 1 << UInt64(i); hi &= hi - 1 }
        }
        var bySet: [UInt64: State] = [0: 0]
        for c in 0..<128 {
            let group = accepting[c]
            if let next = bySet[group] {
                asciiNext[Int(s) << 7 | c] = next
                continue
            }
            var out: [Int32] = []
            work = 0
            var bits = group
            while bits != 0 {
                let node = stacks[bits.trailingZeroBitCount]
                bits &= bits - 1
                try expand(Int(nodePos[Int(node)]) + 1, parent: nodeParent[Int(node)], into: &out)
            }
            let next = try intern(out)
            bySet[group] = next
            asciiNext[Int(s) << 7 | c] = next
        }
    }

    /// True when some code point in `lo...hi` (a character of which only the leading bytes are known) can follow.
    public func allowsSome(_ s: State, _ lo: UInt32, _ hi: UInt32) -> Bool {
        for node in sets[Int(s)] where node != Self.accept {
            if case let .chars(k) = grammar.elements[Int(nodePos[Int(node)])], grammar.classes[k].intersects(lo, hi) { return true }
        }
        return false
    }

    /// Advances by the UTF-8 bytes of a whole string (for tests and forced text); 0 when rejected.
    public func advance(_ s: State, text: String) throws(GrammarError) -> State {
        var state = s
        for u in text.unicodeScalars {
            state = try advance(state, u.value)
            if state == 0 { return 0 }
        }
        return state
    }

    private func expand(_ pos: Int, parent: Int32, into out: inout [Int32]) throws(GrammarError) {
        work += 1
        guard work <= Self.maxWorkPerStep else { throw .tooAmbiguous }
        switch grammar.elements[pos] {
        case .end:
            if parent < 0 {
                out.append(Self.accept)
            } else {
                try expand(Int(nodePos[Int(parent)]), parent: nodeParent[Int(parent)], into: &out)
            }
        case .chars:
            out.append(try node(pos, parent))
        case let .rule(r):
            // A rule at the end of an alternative returns straight to the parent (a tail call, as llama.cpp
            // does), so that right recursion such as `x*` does not grow the stack: inside a JSON string the
            // state after each character is the same state, and its mask is cached.
            let cont: Int32
            if case .end = grammar.elements[pos + 1] { cont = parent } else { cont = try node(pos + 1, parent) }
            for a in grammar.alternatives[r] { try expand(a, parent: cont, into: &out) }
        }
    }

    func node(_ pos: Int, _ parent: Int32) throws(GrammarError) -> Int32 {
        let key = UInt64(UInt32(pos)) << 32 | UInt64(UInt32(bitPattern: parent))
        if let n = nodeIndex[key] { return n }
        guard nodePos.count < Self.maxNodes else { throw .tooAmbiguous }
        let n = Int32(nodePos.count)
        nodePos.append(Int32(pos))
        nodeParent.append(parent)
        let rest = parent < 0 ? 0 : nodeDistance[Int(parent)]
        nodeDistance.append(min(grammar.suffixMinBytes[pos] + rest, Grammar.infinite))
        nodeIndex[key] = n
        return n
    }

    func intern(_ stacks: [Int32]) throws(GrammarError) -> State {
        let key = Array(Set(stacks)).sorted()
        if let s = setIndex[key] { return s }
        guard sets.count < Self.maxNodes else { throw .tooAmbiguous }
        let s = State(sets.count)
        sets.append(key)
        asciiNext.append(contentsOf: repeatElement(-1, count: 128))
        setDistance.append(key.map { $0 == Self.accept ? 0 : nodeDistance[Int($0)] }.min() ?? Grammar.infinite)
        setIndex[key] = s
        return s
    }
}
