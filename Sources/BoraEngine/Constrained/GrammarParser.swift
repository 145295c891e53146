/// A parsed grammar expression, before lowering into `Grammar`'s flat layout.
indirect enum GrammarExpr: Sendable, Equatable {
    case sequence([GrammarExpr])
    case choice([GrammarExpr])
    case literal([UInt32])
    case chars([ClosedRange<UInt32>], negated: Bool)
    case ref(String)
    /// `max` nil is unbounded.
    case repeated(GrammarExpr, min: Int, max: Int?)
}

/// Parser of GBNF text (llama.cpp's grammar format, docs/grammar.md):
/// `name ::= alternatives`, `|`, sequences, `"literal"`, `[a-z]`, `[^...]`, `.`, `( ... )`,
/// `*`, `+`, `?`, `{m}`, `{m,}`, `{m,n}`, and `#` comments.
struct GrammarParser {
    private let text: [UInt32]
    private var i = 0

    static let maxRepetition = 10_000

    init(_ source: String) { text = source.unicodeScalars.map(\.value) }

    /// Rules in order of definition.
    static func parse(_ source: String) throws(GrammarError) -> [(String, GrammarExpr)] {
        var p = GrammarParser(source)
        var rules: [(String, GrammarExpr)] = []
        p.skipSpace()
        while p.i < p.text.count {
            guard let name = p.name() else { throw p.error("expected a rule name") }
            p.skipSpace()
            guard p.consume("::=") else { throw p.error("expected '::=' after rule name '\(name)'") }
            rules.append((name, try p.alternatives()))
            p.skipSpace()
        }
        return rules
    }

    private func error(_ message: String) -> GrammarError {
        var line = 1, column = 1
        for c in text[..<min(i, text.count)] {
            if c == 10 { line += 1; column = 1 } else { column += 1 }
        }
        return .syntax(line: line, column: column, message: message)
    }

    private var peek: UInt32? { i < text.count ? text[i] : nil }

    private mutating func skipSpace() {
        while let c = peek {
            if c == 35 { // '#'
                while let d = peek, d != 10 { _ = d; i += 1 }
            } else if c == 32 || c == 9 || c == 10 || c == 13 {
                i += 1
            } else {
                return
            }
        }
    }

    private mutating func consume(_ s: String) -> Bool {
        let u = s.unicodeScalars.map(\.value)
        guard i + u.count <= text.count, Array(text[i..<i + u.count]) == u else { return false }
        i += u.count
        return true
    }

    private static func isNameChar(_ c: UInt32) -> Bool {
        (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c == 45 || c == 95
    }

    private mutating func name() -> String? {
        let start = i
        while let c = peek, Self.isNameChar(c) { i += 1 }
        guard i > start else { return nil }
        return String(String.UnicodeScalarView(text[start..<i].compactMap(Unicode.Scalar.init)))
    }

    /// True when the input at the cursor is `name ::=` (the start of the next rule).
    private func atRuleStart() -> Bool {
        var j = i
        while j < text.count, Self.isNameChar(text[j]) { j += 1 }
        guard j > i else { return false }
        while j < text.count, text[j] == 32 || text[j] == 9 || text[j] == 10 || text[j] == 13 { j += 1 }
        return j + 3 <= text.count && text[j] == 58 && text[j + 1] == 58 && text[j + 2] == 61
    }

    private mutating func alternatives() throws(GrammarError) -> GrammarExpr {
        var alts = [try sequence()]
        while peek == 124 { // '|'
            i += 1
            alts.append(try sequence())
        }
        return alts.count == 1 ? alts[0] : .choice(alts)
    }

    private mutating func sequence() throws(GrammarError) -> GrammarExpr {
        var items: [GrammarExpr] = []
        while true {
            skipSpace()
            guard let c = peek, c != 124, c != 41, !atRuleStart() else { break } // '|' ')'
            var item = try primary()
            skipSpace()
            item = try quantified(item)
            items.append(item)
        }
        return items.count == 1 ? items[0] : .sequence(items)
    }

    private mutating func quantified(_ item: GrammarExpr) throws(GrammarError) -> GrammarExpr {
        switch peek {
        case 42: i += 1; return .repeated(item, min: 0, max: nil) // '*'
        case 43: i += 1; return .repeated(item, min: 1, max: nil) // '+'
        case 63: i += 1; return .repeated(item, min: 0, max: 1)   // '?'
        case 123: // '{'
            i += 1
            skipSpace()
            guard let m = number() else { throw error("expected a count after '{'") }
            skipSpace()
            var n: Int? = m
            if peek == 44 { // ','
                i += 1
                skipSpace()
                n = number()
                skipSpace()
            }
            guard peek == 125 else { throw error("expected '}' to close the repetition count") }
            i += 1
            if let n, n < m { throw error("repetition {\(m),\(n)}: the maximum is below the minimum") }
            guard max(m, n ?? 0) <= Self.maxRepetition else { throw error("repetition count above \(Self.maxRepetition)") }
            return .repeated(item, min: m, max: n)
        default: return item
        }
    }

    private mutating func number() -> Int? {
        let start = i
        var v = 0
        while let c = peek, c >= 48, c <= 57, v <= Self.maxRepetition { v = v * 10 + Int(c - 48); i += 1 }
        return i > start ? v : nil
    }

    private mutating func primary() throws(GrammarError) -> GrammarExpr {
        guard let c = peek else { throw error("unexpected end of grammar") }
        switch c {
        case 34: // '"'
            i += 1
            var chars: [UInt32] = []
            while let d = peek, d != 34 {
                chars.append(try escapedChar())
            }
            guard peek == 34 else { throw error("unterminated string literal") }
            i += 1
            return .literal(chars)
        case 91: // '['
            i += 1
            var negated = false
            if peek == 94 { negated = true; i += 1 }
            var ranges: [ClosedRange<UInt32>] = []
            while let d = peek, d != 93 {
                let lo = try escapedChar()
                var hi = lo
                if peek == 45, i + 1 < text.count, text[i + 1] != 93 { // '-' not before ']'
                    i += 1
                    hi = try escapedChar()
                }
                guard lo <= hi else { throw error("character range is backwards") }
                ranges.append(lo...hi)
                _ = d
            }
            guard peek == 93 else { throw error("unterminated character class") }
            i += 1
            return .chars(ranges, negated: negated)
        case 40: // '('
            i += 1
            let inner = try alternatives()
            skipSpace()
            guard peek == 41 else { throw error("expected ')'") }
            i += 1
            return inner
        case 46: // '.'
            i += 1
            return .chars([10...10], negated: true)
        default:
            guard let n = name() else { throw error("unexpected character '\(Unicode.Scalar(c).map(String.init) ?? "?")'") }
            return .ref(n)
        }
    }

    private mutating func escapedChar() throws(GrammarError) -> UInt32 {
        guard let c = peek else { throw error("unexpected end of grammar") }
        i += 1
        guard c == 92 else { return c } // '\'
        guard let e = peek else { throw error("unfinished escape") }
        i += 1
        switch e {
        case 110: return 10 // n
        case 116: return 9 // t
        case 114: return 13 // r
        case 120: return try hex(2) // x
        case 117: return try hex(4) // u
        case 85: return try hex(8) // U
        case 34, 92, 91, 93, 45, 94, 47: return e
        default: throw error("unknown escape '\\\(Unicode.Scalar(e).map(String.init) ?? "?")'")
        }
    }

    private mutating func hex(_ n: Int) throws(GrammarError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<n {
            guard let c = peek, let d = Self.hexValue(c) else { throw error("expected \(n) hex digits") }
            v = v << 4 | d
            i += 1
        }
        guard v <= CharClass.maxCodePoint else { throw error("code point above U+10FFFF") }
        return v
    }

    static func hexValue(_ c: UInt32) -> UInt32? {
        switch c {
        case 48...57: return c - 48
        case 65...70: return c - 55
        case 97...102: return c - 87
        default: return nil
        }
    }
}
