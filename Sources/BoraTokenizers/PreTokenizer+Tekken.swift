/// Mistral Tekken's pre-tokenizer as llama.cpp runs it. The original regex is
/// `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`;
/// llama.cpp (src/llama-vocab.cpp, LLAMA_VOCAB_PRE_TYPE_TEKKEN) adapts it to std::regex over text where every
/// non-ASCII letter is one "letter" byte, so "upper" means a letter other than a-z and "lower" a letter other
/// than A-Z: a non-ASCII letter is both, and marks are not letters. This scan reproduces that regex's
/// backtracking result.
extension ScalarText {
    private func isUpperish(_ i: Int, _ end: Int) -> Bool {
        i < end && classes[i].contains(.letter) && !(0x61...0x7A).contains(scalars[i])
    }

    private func isLowerish(_ i: Int, _ end: Int) -> Bool {
        i < end && classes[i].contains(.letter) && !(0x41...0x5A).contains(scalars[i])
    }

    func tekken(_ piece: Range<Int>, into out: inout [Range<Int>]) {
        let end = piece.upperBound
        var pos = piece.lowerBound
        while pos < end {
            let next = tekkenMatch(at: pos, end)
            out.append(pos..<next)
            pos = next
        }
    }

    /// End of the regex match starting at `pos` (every codepoint starts one).
    private func tekkenMatch(at pos: Int, _ end: Int) -> Int {
        let c = scalars[pos]
        let here = classes[pos]
        // [^\r\n\p{L}\p{N}]? : a letter run may start with one such character.
        let prefixable = !(c == 0x0D || c == 0x0A) && here.isDisjoint(with: [.letter, .number])
        let s = prefixable ? pos + 1 : pos

        // Alternative 1: upper* lower+ (greedy upper*, backtracking until a lower can follow).
        var upperEnd = s
        while isUpperish(upperEnd, end) { upperEnd += 1 }
        var k = upperEnd
        while k >= s {
            if isLowerish(k, end) {
                var i = k
                while isLowerish(i, end) { i += 1 }
                return i
            }
            k -= 1
        }
        // Alternative 2: upper+ lower*.
        if upperEnd > s {
            var i = upperEnd
            while isLowerish(i, end) { i += 1 }
            return i
        }
        // \p{N}
        if here.contains(.number) { return pos + 1 }
        // ` ?[^\s\p{L}\p{N}]+[\r\n/]*`
        let skip = c == 0x20 && Self.isOther(i: pos + 1, end, classes) ? 1 : 0
        if skip == 1 || Self.isOther(here) {
            var i = pos + skip
            while Self.isOther(i: i, end, classes) { i += 1 }
            while i < end, scalars[i] == 0x0D || scalars[i] == 0x0A || scalars[i] == 0x2F { i += 1 }
            return i
        }
        // Whitespace: \s*[\r\n]+ | \s+(?!\S) | \s+
        var n = 0
        var lastNewlineEnd = 0
        while pos + n < end, classes[pos + n].contains(.whitespace) {
            if scalars[pos + n] == 0x0D || scalars[pos + n] == 0x0A { lastNewlineEnd = pos + n + 1 }
            n += 1
        }
        if lastNewlineEnd > 0 { return lastNewlineEnd }
        if n > 1 && pos + n < end { return pos + n - 1 }
        return pos + max(n, 1)
    }

    private static func isOther(i: Int, _ end: Int, _ classes: [CodepointClass]) -> Bool {
        i < end && isOther(classes[i])
    }
}
