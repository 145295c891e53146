/// Tekken's pre-tokenizer regex, matched by hand with the semantics of tiktoken's engine (Rust `regex` /
/// `fancy-regex`: leftmost-first alternation, greedy quantifiers with backtracking, Unicode classes):
///
///     [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+     (1)
///   | [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*     (2)
///   | \p{N} | ?[^\s\p{L}\p{N}]+[\r\n/]* | \s*[\r\n]+ | \s+(?!\S) | \s+                   (3)-(7)
///
/// Every character starts a match, so the matches tile the text. Unlike llama.cpp's adaptation
/// (`PreTokenizer+Tekken.swift`), marks (\p{M}) and Lm/Lo letters are both "upper" and "lower" here, as in
/// the real regex.
enum TekkenPattern {
    static let source = #"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    // Class bits of one character.
    static let upper: UInt8 = 1        // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]
    static let lower: UInt8 = 2        // [\p{Ll}\p{Lm}\p{Lo}\p{M}]
    static let letter: UInt8 = 4       // \p{L}
    static let number: UInt8 = 8       // \p{N}
    static let space: UInt8 = 16       // \s (White_Space)
    static let newline: UInt8 = 32     // \r or \n
    static let blank: UInt8 = 64       // " "
    static let slash: UInt8 = 128      // "/"

    /// One class byte per character and the byte offset where each character starts.
    struct Scratch {
        var classes: [UInt8] = []
        var offsets: [Int] = []       // (characters + 1), relative to the text's first byte
    }

    static func classOf(_ scalar: UInt32) -> UInt8 {
        if scalar < 0x10000 { return bmpClasses[Int(scalar)] }
        return computeClass(scalar)
    }

    private static let bmpClasses: [UInt8] = (0..<0x10000).map { computeClass(UInt32($0)) }

    private static func computeClass(_ value: UInt32) -> UInt8 {
        var bits: UInt8 = 0
        switch value {
        case 0x0A, 0x0D: bits |= newline
        case 0x20: bits |= blank
        case 0x2F: bits |= slash
        default: break
        }
        guard let scalar = Unicode.Scalar(value) else { return bits }
        if scalar.properties.isWhitespace { bits |= space }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .titlecaseLetter: bits |= letter | upper
        case .lowercaseLetter: bits |= letter | lower
        case .modifierLetter, .otherLetter: bits |= letter | upper | lower
        case .nonspacingMark, .spacingMark, .enclosingMark: bits |= upper | lower
        case .decimalNumber, .letterNumber, .otherNumber: bits |= number
        default: break
        }
        return bits
    }

    /// Decodes `text` (valid UTF-8) into classes and offsets.
    static func classify(_ text: ArraySlice<UInt8>, into s: inout Scratch) {
        s.classes.removeAll(keepingCapacity: true)
        s.offsets.removeAll(keepingCapacity: true)
        s.classes.reserveCapacity(text.count)
        s.offsets.reserveCapacity(text.count + 1)
        text.withUnsafeBufferPointer { b in
            var i = 0
            let n = b.count
            while i < n {
                s.offsets.append(i)
                let b0 = UInt32(b[i])
                if b0 < 0x80 {
                    s.classes.append(asciiClasses[Int(b0)])
                    i += 1
                } else if b0 < 0xE0, i + 1 < n {
                    s.classes.append(classOf((b0 & 0x1F) << 6 | UInt32(b[i + 1] & 0x3F)))
                    i += 2
                } else if b0 < 0xF0, i + 2 < n {
                    s.classes.append(classOf((b0 & 0x0F) << 12 | UInt32(b[i + 1] & 0x3F) << 6 | UInt32(b[i + 2] & 0x3F)))
                    i += 3
                } else if i + 3 < n {
                    s.classes.append(classOf((b0 & 0x07) << 18 | UInt32(b[i + 1] & 0x3F) << 12
                        | UInt32(b[i + 2] & 0x3F) << 6 | UInt32(b[i + 3] & 0x3F)))
                    i += 4
                } else {
                    s.classes.append(0)   // truncated sequence: cannot come from a String
                    i += 1
                }
            }
            s.offsets.append(n)
        }
    }

    private static let asciiClasses: [UInt8] = (0..<128).map { computeClass(UInt32($0)) }
}

extension TekkenPattern.Scratch {
    /// Calls `body(startByte, endByte)` for each match, in order.
    func forEachPiece(_ body: (Int, Int) -> Void) {
        classes.withUnsafeBufferPointer { c in
            let end = c.count
            var pos = 0
            while pos < end {
                let next = TekkenPattern.match(c, at: pos)
                body(offsets[pos], offsets[next])
                pos = next
            }
        }
    }
}

extension TekkenPattern {
    /// The end of the match that starts at `pos` (always > pos).
    static func match(_ c: UnsafeBufferPointer<UInt8>, at pos: Int) -> Int {
        let end = c.count
        let here = c[pos]
        // [^\r\n\p{L}\p{N}] may open alternatives (1) and (2).
        let prefixable = here & (newline | letter | number) == 0

        // (1) P? U* L+
        if prefixable, pos + 1 < end, let e = upperThenLower(c, from: pos + 1) { return e }
        if let e = upperThenLower(c, from: pos) { return e }
        // (2) P? U+ L*
        if prefixable, pos + 1 < end, let e = upperRunThenLower(c, from: pos + 1) { return e }
        if let e = upperRunThenLower(c, from: pos) { return e }
        // (3) \p{N}
        if here & number != 0 { return pos + 1 }
        // (4) " ?[^\s\p{L}\p{N}]+[\r\n/]*"
        let other = space | letter | number
        var s = -1
        if here & blank != 0, pos + 1 < end, c[pos + 1] & other == 0 {
            s = pos + 1
        } else if here & other == 0 {
            s = pos
        }
        if s >= 0 {
            var e = s
            while e < end, c[e] & other == 0 { e += 1 }
            while e < end, c[e] & (newline | slash) != 0 { e += 1 }
            return e
        }
        // Whitespace run pos..<w.
        var w = pos
        var lastNewline = -1
        while w < end, c[w] & space != 0 {
            if c[w] & newline != 0 { lastNewline = w }
            w += 1
        }
        // (5) \s*[\r\n]+ : backtracking stops at the last newline of the run.
        if lastNewline >= 0 { return lastNewline + 1 }
        if w > pos {
            // (6) \s+(?!\S): the whole run at the end of the text, else all but its last character.
            if w == end || w - 1 > pos { return w == end ? w : w - 1 }
            // (7) \s+
            return w
        }
        return pos + 1   // unreachable: every character is covered above
    }

    /// `U* L+` from `s`: greedy U*, backtracking to the last position where an L can start.
    @inline(__always)
    private static func upperThenLower(_ c: UnsafeBufferPointer<UInt8>, from s: Int) -> Int? {
        let end = c.count
        var u = s
        while u < end, c[u] & upper != 0 { u += 1 }
        var k = u
        while true {
            if k < end, c[k] & lower != 0 {
                var e = k + 1
                while e < end, c[e] & lower != 0 { e += 1 }
                return e
            }
            if k == s { return nil }
            k -= 1
        }
    }

    /// `U+ L*` from `s`.
    @inline(__always)
    private static func upperRunThenLower(_ c: UnsafeBufferPointer<UInt8>, from s: Int) -> Int? {
        let end = c.count
        var u = s
        while u < end, c[u] & upper != 0 { u += 1 }
        guard u > s else { return nil }
        while u < end, c[u] & lower != 0 { u += 1 }
        return u
    }
}
