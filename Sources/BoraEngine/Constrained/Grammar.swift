/// A context-free grammar over Unicode code points, in the form the matcher walks: every rule is a list of
/// alternatives, each a sequence of elements laid out flat in `elements` and ended by `.end`
/// (llama.cpp's `llama_grammar` layout). Built from GBNF text by `Grammar(gbnf:)`; repetition and groups
/// are lowered to helper rules.
public struct Grammar: Sendable {
    enum Element: Sendable, Equatable {
        /// One code point from `classes[i]`.
        case chars(Int)
        /// Rule `i`.
        case rule(Int)
        /// End of an alternative.
        case end
    }

    var elements: [Element]
    /// For each rule, the index in `elements` where each alternative starts.
    var alternatives: [[Int]]
    var ruleNames: [String]
    var classes: [CharClass]
    var root: Int
    /// Shortest number of UTF-8 bytes from each element position to the end of its alternative (`Grammar.infinite`
    /// when no string can finish it).
    var suffixMinBytes: [Int] = []
    /// Shortest UTF-8 length of each rule.
    var ruleMinBytes: [Int] = []
    /// Long repetitions, whose states can share masks (`findRepetitions`).
    var repetitions = Repetitions()

    static let infinite = Int.max / 4

    /// The shortest string the grammar admits, in UTF-8 bytes.
    public var minimumLength: Int { ruleMinBytes[root] }
}

/// A set of code points as sorted, disjoint, non-adjacent ranges, with a bitmap for ASCII.
struct CharClass: Sendable, Equatable {
    let ranges: [ClosedRange<UInt32>]
    let asciiLow: UInt64, asciiHigh: UInt64

    static let maxCodePoint: UInt32 = 0x10FFFF

    init(_ input: [ClosedRange<UInt32>], negated: Bool = false) {
        var sorted = input.sorted { $0.lowerBound < $1.lowerBound }
        var merged: [ClosedRange<UInt32>] = []
        for r in sorted {
            if let last = merged.last, r.lowerBound <= last.upperBound &+ 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
            } else {
                merged.append(r)
            }
        }
        if negated {
            var complement: [ClosedRange<UInt32>] = []
            var next: UInt32 = 0
            for r in merged {
                if r.lowerBound > next { complement.append(next...(r.lowerBound - 1)) }
                next = r.upperBound &+ 1
                if r.upperBound >= Self.maxCodePoint { next = Self.maxCodePoint + 1 }
            }
            if next <= Self.maxCodePoint { complement.append(next...Self.maxCodePoint) }
            merged = complement
        }
        sorted = merged
        ranges = sorted
        var lo: UInt64 = 0, hi: UInt64 = 0
        for r in sorted where r.lowerBound < 128 {
            for c in r.lowerBound...min(r.upperBound, 127) {
                if c < 64 { lo |= 1 << UInt64(c) } else { hi |= 1 << UInt64(c - 64) }
            }
        }
        asciiLow = lo
        asciiHigh = hi
    }

    @inline(__always) func contains(_ c: UInt32) -> Bool {
        if c < 64 { return asciiLow & (1 << UInt64(c)) != 0 }
        if c < 128 { return asciiHigh & (1 << UInt64(c - 64)) != 0 }
        var lo = 0, hi = ranges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ranges[mid].upperBound < c { lo = mid + 1 } else { hi = mid }
        }
        return lo < ranges.count && ranges[lo].contains(c)
    }

    /// True when some code point in `lo...hi` is in the class (for a character of which only the first bytes are known).
    func intersects(_ lo: UInt32, _ hi: UInt32) -> Bool {
        ranges.contains { $0.lowerBound <= hi && $0.upperBound >= lo }
    }

    /// UTF-8 length of the smallest member (`Grammar.infinite` for the empty class).
    var minBytes: Int {
        guard let c = ranges.first?.lowerBound else { return Grammar.infinite }
        return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4
    }
}
