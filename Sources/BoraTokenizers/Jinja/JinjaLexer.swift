/// A token of a Jinja template, with the line it starts on (1-based).
struct JinjaToken: Equatable, Sendable {
    enum Kind: Equatable, Sendable {
        case text(String)
        case variableBegin, variableEnd, blockBegin, blockEnd
        case name(String)
        case string(String)
        case integer(Int)
        case float(Double)
        case op(String)
        case eof
    }
    var kind: Kind
    var line: Int
}

/// Splits template source into text and tag tokens, applying the whitespace rules of jinja2's lexer with
/// `trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False` (Hugging Face's environment):
/// `-` strips all whitespace on that side of a tag, `+` disables lstrip/trim, lstrip removes spaces and
/// tabs between a line start and a `{%`/`{#`, trim removes the first newline after `%}`/`#}`.
struct JinjaLexer {
    let s: [Unicode.Scalar]
    var pos = 0
    var line = 1
    var tokens: [JinjaToken] = []
    /// jinja2 `line_starting`: the previous match ended with a newline (or nothing was matched yet).
    var lineStarting = true

    init(_ source: String) {
        // jinja2 normalizes \r\n and \r to \n and drops one trailing newline (keep_trailing_newline=False).
        var out: [Unicode.Scalar] = []
        let scalars = Array(source.unicodeScalars)
        var i = 0
        while i < scalars.count {
            if scalars[i] == "\r" {
                out.append("\n")
                if i + 1 < scalars.count, scalars[i + 1] == "\n" { i += 1 }
            } else {
                out.append(scalars[i])
            }
            i += 1
        }
        if out.last == "\n" { out.removeLast() }
        s = out
    }

    static func tokenize(_ source: String) throws(JinjaError) -> [JinjaToken] {
        var lexer = JinjaLexer(source)
        try lexer.run()
        return lexer.tokens
    }

    func at(_ i: Int) -> Unicode.Scalar? { i < s.count ? s[i] : nil }

    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{0B}" || c == "\u{0C}"
            || c.properties.isWhitespace
    }

    func countNewlines(_ a: Int, _ b: Int) -> Int {
        var n = 0
        var i = a
        while i < b { if s[i] == "\n" { n += 1 }; i += 1 }
        return n
    }

    mutating func emitText(_ scalars: ArraySlice<Unicode.Scalar>, line: Int) {
        guard !scalars.isEmpty else { return }
        var str = String.UnicodeScalarView()
        str.append(contentsOf: scalars)
        tokens.append(JinjaToken(kind: .text(String(str)), line: line))
    }

    /// Finds the next `{{`, `{%` or `{#` at or after `from`.
    func nextTag(from: Int) -> Int? {
        var i = from
        while i + 1 < s.count {
            if s[i] == "{", s[i + 1] == "{" || s[i + 1] == "%" || s[i + 1] == "#" { return i }
            i += 1
        }
        return nil
    }

    mutating func run() throws(JinjaError) {
        while pos < s.count {
            guard let tag = nextTag(from: pos) else {
                emitText(s[pos...], line: line)
                line += countNewlines(pos, s.count)
                pos = s.count
                break
            }
            let kind = s[tag + 1]
            let sign = at(tag + 2).flatMap { $0 == "-" || $0 == "+" ? $0 : nil }
            var textEnd = tag
            let textLine = line
            if sign == "-" {
                while textEnd > pos, Self.isSpace(s[textEnd - 1]) { textEnd -= 1 }
            } else if sign != "+", kind != "{" {
                // lstrip_blocks
                var lpos = textEnd
                while lpos > pos, s[lpos - 1] != "\n" { lpos -= 1 }
                let afterNewline = lpos > pos
                if afterNewline || lineStarting, lpos < textEnd, (lpos..<textEnd).allSatisfy({ Self.isSpace(s[$0]) }) {
                    textEnd = lpos
                }
            }
            emitText(s[pos..<textEnd], line: textLine)
            line += countNewlines(pos, tag)
            pos = tag
            var p = tag + 2 + (sign == nil ? 0 : 1)
            switch kind {
            case "#":
                try lexComment(from: &p)
            case "%":
                if try lexRaw(start: p, tagLine: line) { continue }
                tokens.append(JinjaToken(kind: .blockBegin, line: line))
                try lexExpression(from: &p, block: true)
            default:
                tokens.append(JinjaToken(kind: .variableBegin, line: line))
                try lexExpression(from: &p, block: false)
            }
        }
        tokens.append(JinjaToken(kind: .eof, line: line))
    }

    /// After the closing tag at `end` (index just past `%}`/`#}`/`}}`): `-` eats all following whitespace,
    /// `+` nothing, a plain block or comment end eats one newline (trim_blocks).
    mutating func finishTag(end: Int, sign: Unicode.Scalar?, trims: Bool) {
        var p = end
        if sign == "-" {
            while p < s.count, Self.isSpace(s[p]) { p += 1 }
        } else if sign != "+", trims, p < s.count, s[p] == "\n" {
            p += 1
        }
        line += countNewlines(end, p)
        lineStarting = p > 0 && s[p - 1] == "\n"
        pos = p
    }

    mutating func lexComment(from p: inout Int) throws(JinjaError) {
        let start = line
        while p + 1 < s.count {
            if s[p] == "#", s[p + 1] == "}" {
                var sign: Unicode.Scalar? = nil
                if p > 0, s[p - 1] == "-" || s[p - 1] == "+" { sign = s[p - 1] }
                line += countNewlines(pos, p)
                finishTag(end: p + 2, sign: sign, trims: true)
                return
            }
            p += 1
        }
        throw .syntax("missing end of comment tag", line: start)
    }

    /// `{% raw %}...{% endraw %}`: the body is text, untouched.
    mutating func lexRaw(start: Int, tagLine: Int) throws(JinjaError) -> Bool {
        var p = start
        while p < s.count, Self.isSpace(s[p]) { p += 1 }
        guard p + 3 <= s.count, String(String.UnicodeScalarView(s[p..<p + 3])) == "raw" else { return false }
        p += 3
        while p < s.count, Self.isSpace(s[p]) { p += 1 }
        var sign: Unicode.Scalar? = nil
        if p < s.count, s[p] == "-" || s[p] == "+" { sign = s[p]; p += 1 }
        guard p + 1 < s.count, s[p] == "%", s[p + 1] == "}" else { return false }
        p += 2
        if sign == "-" { while p < s.count, Self.isSpace(s[p]) { p += 1 } }
        // find {% endraw %}
        var q = p
        while q + 1 < s.count {
            if s[q] == "{", s[q + 1] == "%" {
                var r = q + 2
                var openSign: Unicode.Scalar? = nil
                if r < s.count, s[r] == "-" || s[r] == "+" { openSign = s[r]; r += 1 }
                while r < s.count, Self.isSpace(s[r]) { r += 1 }
                if r + 6 <= s.count, String(String.UnicodeScalarView(s[r..<r + 6])) == "endraw" {
                    r += 6
                    while r < s.count, Self.isSpace(s[r]) { r += 1 }
                    var closeSign: Unicode.Scalar? = nil
                    if r < s.count, s[r] == "-" || s[r] == "+" { closeSign = s[r]; r += 1 }
                    if r + 1 < s.count, s[r] == "%", s[r + 1] == "}" {
                        var bodyEnd = q
                        if openSign == "-" { while bodyEnd > p, Self.isSpace(s[bodyEnd - 1]) { bodyEnd -= 1 } }
                        emitText(s[p..<bodyEnd], line: tagLine)
                        line += countNewlines(pos, r + 2)
                        finishTag(end: r + 2, sign: closeSign, trims: true)
                        return true
                    }
                }
            }
            q += 1
        }
        throw .syntax("missing end of raw directive", line: tagLine)
    }

    mutating func lexExpression(from p: inout Int, block: Bool) throws(JinjaError) {
        var stack: [Unicode.Scalar] = []
        let closer: Unicode.Scalar = block ? "%" : "}"
        while true {
            while p < s.count, Self.isSpace(s[p]) {
                if s[p] == "\n" { line += 1 }
                p += 1
            }
            guard p < s.count else {
                throw .syntax("unexpected end of template, expected '\(block ? "%}" : "}}")'", line: line)
            }
            let c = s[p]
            // End of tag (only outside brackets).
            if stack.isEmpty {
                if (c == "-" || c == "+"), at(p + 1) == closer, at(p + 2) == "}" {
                    if c == "+" && !block { /* `+}}` is not a tag end in jinja2 */ } else {
                        tokens.append(JinjaToken(kind: block ? .blockEnd : .variableEnd, line: line))
                        pos = p
                        finishTag(end: p + 3, sign: c, trims: block)
                        return
                    }
                }
                if c == closer, at(p + 1) == "}" {
                    tokens.append(JinjaToken(kind: block ? .blockEnd : .variableEnd, line: line))
                    pos = p
                    finishTag(end: p + 2, sign: nil, trims: block)
                    return
                }
            }
            if c == "'" || c == "\"" {
                tokens.append(JinjaToken(kind: .string(try lexString(&p)), line: line))
                continue
            }
            if c.properties.isAlphabetic || c == "_" {
                var q = p
                while q < s.count, s[q].properties.isAlphabetic || s[q] == "_" || ("0"..."9").contains(s[q]) { q += 1 }
                tokens.append(JinjaToken(kind: .name(String(String.UnicodeScalarView(s[p..<q]))), line: line))
                p = q
                continue
            }
            if ("0"..."9").contains(c) {
                tokens.append(JinjaToken(kind: try lexNumber(&p), line: line))
                continue
            }
            let two = p + 1 < s.count ? String(String.UnicodeScalarView([c, s[p + 1]])) : ""
            if ["//", "**", "==", "!=", ">=", "<="].contains(two) {
                tokens.append(JinjaToken(kind: .op(two), line: line))
                p += 2
                continue
            }
            switch c {
            case "(", "[", "{":
                stack.append(c == "(" ? ")" : c == "[" ? "]" : "}")
            case ")", "]", "}":
                guard let expected = stack.popLast() else { throw .syntax("unexpected '\(c)'", line: line) }
                guard expected == c else { throw .syntax("unexpected '\(c)', expected '\(expected)'", line: line) }
            case "+", "-", "/", "*", "%", "~", ">", "<", "=", ".", ":", "|", ",", ";":
                break
            default:
                throw .syntax("unexpected char '\(c)'", line: line)
            }
            tokens.append(JinjaToken(kind: .op(String(c)), line: line))
            p += 1
        }
    }

    mutating func lexNumber(_ p: inout Int) throws(JinjaError) -> JinjaToken.Kind {
        func digits(_ q: inout Int) {
            while q < s.count, ("0"..."9").contains(s[q]) || (s[q] == "_" && q + 1 < s.count && ("0"..."9").contains(s[q + 1])) { q += 1 }
        }
        var q = p
        digits(&q)
        var isFloat = false
        if q + 1 < s.count, s[q] == ".", ("0"..."9").contains(s[q + 1]) {
            isFloat = true
            q += 1
            digits(&q)
        }
        if q < s.count, s[q] == "e" || s[q] == "E" {
            var r = q + 1
            if r < s.count, s[r] == "+" || s[r] == "-" { r += 1 }
            if r < s.count, ("0"..."9").contains(s[r]) {
                isFloat = true
                q = r
                digits(&q)
            }
        }
        let text = String(String.UnicodeScalarView(s[p..<q].filter { $0 != "_" }))
        p = q
        if isFloat {
            guard let d = Double(text) else { throw .syntax("invalid number '\(text)'", line: line) }
            return .float(d)
        }
        guard let i = Int(text) else { throw .unsupported("integer literal '\(text)' beyond 64 bits", line: line) }
        return .integer(i)
    }

    /// A string literal, unescaped like jinja2 (Python's `unicode-escape` codec).
    mutating func lexString(_ p: inout Int) throws(JinjaError) -> String {
        let quote = s[p]
        let startLine = line
        var q = p + 1
        var out = String.UnicodeScalarView()
        while true {
            guard q < s.count else { throw .syntax("unexpected end of string", line: startLine) }
            let c = s[q]
            if c == quote { q += 1; break }
            if c == "\n" { line += 1 }
            if c != "\\" { out.append(c); q += 1; continue }
            guard q + 1 < s.count else { throw .syntax("unexpected end of string", line: startLine) }
            let e = s[q + 1]
            q += 2
            func hex(_ n: Int) -> Unicode.Scalar? {
                guard q + n <= s.count, let v = UInt32(String(String.UnicodeScalarView(s[q..<q + n])), radix: 16) else { return nil }
                q += n
                return Unicode.Scalar(v)
            }
            switch e {
            case "\n": line += 1  // line continuation
            case "\\": out.append("\\")
            case "'": out.append("'")
            case "\"": out.append("\"")
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "v": out.append("\u{0B}")
            case "x", "u", "U":
                guard let v = hex(e == "x" ? 2 : e == "u" ? 4 : 8) else {
                    throw .syntax("invalid \\\(e) escape in a string literal", line: line)
                }
                out.append(v)
            case "0"..."7":
                var v = e.value - 48
                var n = 1
                while n < 3, q < s.count, ("0"..."7").contains(s[q]) { v = v * 8 + s[q].value - 48; q += 1; n += 1 }
                out.append(Unicode.Scalar(v) ?? "\u{FFFD}")
            case "N":
                throw .unsupported("\\N{...} escape in a string literal", line: line)
            default:
                out.append("\\")
                out.append(e)
            }
        }
        p = q
        return String(out)
    }
}
