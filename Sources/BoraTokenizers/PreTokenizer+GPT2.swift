/// The GPT-2 and Llama 3 / Qwen 2 pre-tokenizer regexes as forward scans, following llama.cpp's
/// `unicode_regex_split_custom_gpt2` / `_llama3` / `_qwen2` (src/unicode.cpp) decision for decision.
extension ScalarText {
    private func scalar(_ i: Int, _ end: Int) -> UInt32 { i < end ? scalars[i] : UInt32.max }
    private func cls(_ i: Int, _ end: Int) -> CodepointClass { i < end ? classes[i] : [] }

    private static let apostrophe = UInt32(UInt8(ascii: "'"))
    private static let space: UInt32 = 0x20
    private static let cr: UInt32 = 0x0D
    private static let lf: UInt32 = 0x0A

    /// Length of a contraction ('s 't 're 've 'm 'll 'd) at `pos`, or 0. `ignoringCase` for `(?i:...)`.
    private func contraction(at pos: Int, _ end: Int, ignoringCase: Bool) -> Int {
        guard scalars[pos] == Self.apostrophe, pos + 1 < end else { return 0 }
        func lower(_ c: UInt32) -> UInt32 { ignoringCase && (0x41...0x5A).contains(c) ? c + 0x20 : c }
        let c1 = lower(scalar(pos + 1, end))
        if c1 == 0x73 || c1 == 0x74 || c1 == 0x6D || c1 == 0x64 { return 2 }     // s t m d
        guard pos + 2 < end else { return 0 }
        let c2 = lower(scalar(pos + 2, end))
        if (c1 == 0x72 && c2 == 0x65) || (c1 == 0x76 && c2 == 0x65) || (c1 == 0x6C && c2 == 0x6C) { return 3 }  // re ve ll
        return 0
    }

    private func whitespaceRun(from pos: Int, _ end: Int) -> Int {
        var n = 0
        while cls(pos + n, end).contains(.whitespace) { n += 1 }
        return n
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)` (the trailing `|\s+` is
    /// llama.cpp's: a lone whitespace run at the end of a piece is one pre-token).
    func gpt2(_ piece: Range<Int>, into out: inout [Range<Int>]) {
        let end = piece.upperBound
        var start = piece.lowerBound
        var pos = start
        func emit(_ to: Int) {
            if to > start { out.append(start..<to) }
            start = to
            pos = to
        }
        while pos < end {
            let c = scalars[pos]
            let contracted = contraction(at: pos, end, ignoringCase: false)
            if contracted > 0 { emit(pos + contracted); continue }

            let lead = c == Self.space ? cls(pos + 1, end) : classes[pos]
            let skip = c == Self.space ? 1 : 0
            if lead.contains(.letter) {
                var i = pos + skip
                while cls(i, end).contains(.letter) { i += 1 }
                emit(i); continue
            }
            if lead.contains(.number) {
                var i = pos + skip
                while cls(i, end).contains(.number) { i += 1 }
                emit(i); continue
            }
            if Self.isOther(lead) {
                var i = pos + skip
                while Self.isOther(cls(i, end)) { i += 1 }
                emit(i); continue
            }
            let n = whitespaceRun(from: pos, end)
            if n > 1 && pos + n < end { emit(pos + n - 1); continue }   // \s+(?!\S)
            if n > 0 { emit(pos + n); continue }                        // \s+
            emit(pos + 1)
        }
    }

    /// `[^\s\p{L}\p{N}]` for a codepoint inside the piece.
    static func isOther(_ c: CodepointClass) -> Bool {
        c.contains(.present) && c.isDisjoint(with: [.whitespace, .letter, .number])
    }

    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,maxDigits}| ?[^\s\p{L}\p{N}]+[\r\n]*|`
    /// `\s*[\r\n]+|\s+(?!\S)|\s+`: Llama 3 (`maxDigits` 3) and Qwen 2 (`maxDigits` 1).
    func llama3(_ piece: Range<Int>, maxDigits: Int, into out: inout [Range<Int>]) {
        let end = piece.upperBound
        var start = piece.lowerBound
        var pos = start
        func emit(_ to: Int) {
            if to > start { out.append(start..<to) }
            start = to
            pos = to
        }
        while pos < end {
            let c = scalars[pos]
            let here = classes[pos]
            let contracted = contraction(at: pos, end, ignoringCase: true)
            if contracted > 0 { emit(pos + contracted); continue }

            if !(c == Self.cr || c == Self.lf || here.contains(.number)),
               here.contains(.letter) || cls(pos + 1, end).contains(.letter) {
                var i = pos + 1
                while cls(i, end).contains(.letter) { i += 1 }
                emit(i); continue
            }
            if here.contains(.number) {
                var i = pos
                while cls(i, end).contains(.number) {
                    i += 1
                    if i - start >= maxDigits { emit(i) }
                }
                emit(i); continue
            }
            let lead = c == Self.space ? cls(pos + 1, end) : here
            if Self.isOther(lead) {
                var i = pos + (c == Self.space ? 1 : 0)
                while Self.isOther(cls(i, end)) { i += 1 }
                while scalar(i, end) == Self.cr || scalar(i, end) == Self.lf { i += 1 }
                emit(i); continue
            }
            var n = 0
            var lastNewlineEnd = 0
            while cls(pos + n, end).contains(.whitespace) {
                let w = scalars[pos + n]
                if w == Self.cr || w == Self.lf { lastNewlineEnd = pos + n + 1 }
                n += 1
            }
            if lastNewlineEnd > 0 { emit(lastNewlineEnd); continue }   // \s*[\r\n]+
            if n > 1 && pos + n < end { emit(pos + n - 1); continue }  // \s+(?!\S)
            if n > 0 { emit(pos + n); continue }                       // \s+
            emit(pos + 1)
        }
    }
}
