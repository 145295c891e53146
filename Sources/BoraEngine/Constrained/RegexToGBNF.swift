/// Translates a JSON Schema `pattern` (an ECMA-262 regex subset: literals, `.`, classes with ranges and
/// `\d \w \s` (and negations), groups `( )` `(?: )`, `|`, `* + ? {m} {m,} {m,n}`, anchors) into a GBNF
/// expression for the *inside* of a JSON string. A generated string matches the whole regex, so it also
/// contains a match (JSON Schema patterns are searches). Characters that JSON must escape are written
/// escaped when literal and left out of classes.
struct RegexToGBNF {
    struct Unsupported: Error, CustomStringConvertible { let description: String }

    private let chars: [Character]
    private var i = 0

    static func translate(_ pattern: String) throws(Unsupported) -> String {
        var t = RegexToGBNF(chars: Array(pattern))
        let body = try t.alternatives()
        guard t.i == t.chars.count else { throw Unsupported(description: "unexpected ')'") }
        return body
    }

    private init(chars: [Character]) { self.chars = chars }

    private var peek: Character? { i < chars.count ? chars[i] : nil }

    private mutating func alternatives() throws(Unsupported) -> String {
        var alts = [try sequence()]
        while peek == "|" { i += 1; alts.append(try sequence()) }
        return alts.count == 1 ? alts[0] : "( " + alts.joined(separator: " | ") + " )"
    }

    private mutating func sequence() throws(Unsupported) -> String {
        var items: [String] = []
        while let c = peek, c != "|", c != ")" {
            if c == "^" || c == "$" { i += 1; continue }
            var atom = try self.atom()
            if let q = try quantifier() { atom = "( \(atom) )\(q)" }
            items.append(atom)
        }
        return items.isEmpty ? "\"\"" : items.joined(separator: " ")
    }

    private mutating func quantifier() throws(Unsupported) -> String? {
        var q: String?
        switch peek {
        case "*": q = "*"
        case "+": q = "+"
        case "?": q = "?"
        case "{":
            var j = i + 1
            var text = ""
            while j < chars.count, chars[j] != "}" { text.append(chars[j]); j += 1 }
            let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            guard j < chars.count, (1...2).contains(parts.count), let m = Int(parts[0]), m <= 1000,
                  parts.count == 1 || parts[1].isEmpty || (Int(parts[1]).map { $0 >= m && $0 <= 1000 } ?? false) else {
                throw Unsupported(description: "bad repetition {\(text)}")
            }
            i = j
            q = "{\(text)}"
        default: return nil
        }
        i += 1
        if peek == "?" { i += 1 } // lazy: same language
        return q
    }

    private mutating func atom() throws(Unsupported) -> String {
        guard let c = peek else { throw Unsupported(description: "unexpected end") }
        i += 1
        switch c {
        case "(":
            if peek == "?" {
                guard i + 1 < chars.count, chars[i + 1] == ":" else { throw Unsupported(description: "lookaround and named groups") }
                i += 2
            }
            let inner = try alternatives()
            guard peek == ")" else { throw Unsupported(description: "missing ')'") }
            i += 1
            return "( \(inner) )"
        case "[": return try charClass()
        case ".": return Self.classText([10...10, 13...13], negated: true)
        case "\\":
            guard let e = peek else { throw Unsupported(description: "trailing backslash") }
            i += 1
            if let (ranges, negated) = Self.shorthand(e) { return Self.classText(ranges, negated: negated) }
            if e.isLetter || e.isNumber, !"nrtf".contains(e) { throw Unsupported(description: "escape \\\(e)") }
            return Self.literalChar(Self.control(e) ?? e)
        default:
            if "*+?{".contains(c) { throw Unsupported(description: "quantifier '\(c)' with nothing to repeat") }
            return Self.literalChar(c)
        }
    }

    private mutating func charClass() throws(Unsupported) -> String {
        var negated = false
        if peek == "^" { negated = true; i += 1 }
        var ranges: [ClosedRange<UInt32>] = []
        var first = true
        while let c = peek, c != "]" || first {
            first = false
            i += 1
            var lo: UInt32
            if c == "\\" {
                guard let e = peek else { throw Unsupported(description: "trailing backslash") }
                i += 1
                if let (r, n) = Self.shorthand(e) {
                    ranges += n ? CharClass(r, negated: true).ranges : r
                    continue
                }
                lo = (Self.control(e) ?? e).unicodeScalars.first?.value ?? 0
            } else {
                lo = c.unicodeScalars.first?.value ?? 0
            }
            var hi = lo
            if peek == "-", i + 1 < chars.count, chars[i + 1] != "]" {
                i += 1
                var d = chars[i]
                i += 1
                if d == "\\", let e = peek { i += 1; d = Self.control(e) ?? e }
                hi = d.unicodeScalars.first?.value ?? 0
            }
            guard lo <= hi else { throw Unsupported(description: "backwards range in class") }
            ranges.append(lo...hi)
        }
        guard peek == "]" else { throw Unsupported(description: "unterminated class") }
        i += 1
        return Self.classText(ranges, negated: negated)
    }

    private static func shorthand(_ e: Character) -> ([ClosedRange<UInt32>], Bool)? {
        switch e {
        case "d": return ([48...57], false)
        case "D": return ([48...57], true)
        case "w": return ([48...57, 65...90, 95...95, 97...122], false)
        case "W": return ([48...57, 65...90, 95...95, 97...122], true)
        case "s": return ([9...13, 32...32], false)
        case "S": return ([9...13, 32...32], true)
        default: return nil
        }
    }

    private static func control(_ e: Character) -> Character? {
        switch e { case "n": return "\n"; case "r": return "\r"; case "t": return "\t"; case "f": return "\u{0C}"; default: return nil }
    }

    /// Characters JSON requires escaped inside strings.
    private static let unsafe: [ClosedRange<UInt32>] = [0...0x1F, 0x22...0x22, 0x5C...0x5C]

    /// A GBNF class of the JSON-safe members of the (possibly negated) class.
    static func classText(_ ranges: [ClosedRange<UInt32>], negated: Bool) -> String {
        let members = CharClass(ranges, negated: negated).ranges
        let outside = CharClass(members, negated: true).ranges
        let safe = CharClass(outside + unsafe, negated: true).ranges
        if safe.isEmpty { return "[^\\x00-\\U0010FFFF]" }
        func esc(_ c: UInt32) -> String { "\\U" + String(c, radix: 16).leftPadded(8) }
        return "[" + safe.map { $0.lowerBound == $0.upperBound ? esc($0.lowerBound) : esc($0.lowerBound) + "-" + esc($0.upperBound) }.joined() + "]"
    }

    /// A character as it appears inside a JSON string (escaped when JSON requires).
    static func literalChar(_ c: Character) -> String {
        var out = ""
        for u in c.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += "\\u" + String(u.value, radix: 16).leftPadded(4) } else { out.unicodeScalars.append(u) }
            }
        }
        return JSONSchemaCompiler.literal(out)
    }
}
