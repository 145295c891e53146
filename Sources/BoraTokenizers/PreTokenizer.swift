/// Splits text into the pre-tokens that byte-level BPE merges within, by hand-written matchers for the
/// regexes llama.cpp uses (`llm_tokenizer_bpe` regex_exprs, src/llama-vocab.cpp; `unicode_regex_split`,
/// src/unicode.cpp). No regex engine: each kind is a single forward scan over the codepoints.
///
/// Like llama.cpp, a kind may be a chain of splits: each split refines the pieces of the previous one and
/// never looks across their boundaries (a piece's end behaves like the end of the text).
struct PreTokenizer: Sendable {
    let kind: PreTokenizerConfiguration.Kind

    /// The pre-tokens of `scalars`, as ranges of indices into it, in order and covering all of it.
    func split(_ scalars: [UInt32]) -> [Range<Int>] {
        let text = ScalarText(scalars)
        let whole = scalars.isEmpty ? [] : [0..<scalars.count]
        switch kind {
        case .gpt2:
            return text.refine(whole, by: text.gpt2)
        case .digitsThenGPT2:
            return text.refine(text.refine(whole, by: text.isolateEachNumber), by: text.gpt2)
        case .llama3:
            return text.refine(whole) { text.llama3($0, maxDigits: 3, into: &$1) }
        case .qwen2:
            return text.refine(whole) { text.llama3($0, maxDigits: 1, into: &$1) }
        case .tekken:
            return text.refine(whole, by: text.tekken)
        case .standard:
            var pieces = text.refine(whole, by: text.isolatePunctuationRuns)
            pieces = text.refine(pieces, by: text.gpt2)
            pieces = text.refine(pieces, by: text.isolateNumberRuns)
            return text.refine(pieces, by: text.isolateASCIIDigitTriples)
        }
    }
}

/// Codepoints with their classes, and the splits over them.
struct ScalarText {
    let scalars: [UInt32]
    let classes: [CodepointClass]

    init(_ scalars: [UInt32]) {
        self.scalars = scalars
        self.classes = scalars.map { CodepointClass($0) }
    }

    /// Applies `split` to each piece; `split` appends the sub-pieces of one piece.
    func refine(_ pieces: [Range<Int>], by split: (Range<Int>, inout [Range<Int>]) -> Void) -> [Range<Int>] {
        var out: [Range<Int>] = []
        out.reserveCapacity(pieces.count * 2)
        for piece in pieces { split(piece, &out) }
        return out
    }

    /// Emits matches of `match` and the unmatched text between them, as `std::regex_iterator` over the piece
    /// does in llama.cpp. `match(pos, end)` returns the end of a match starting at `pos`, or nil.
    func isolate(_ piece: Range<Int>, into out: inout [Range<Int>], match: (Int, Int) -> Int?) {
        var gapStart = piece.lowerBound
        var pos = piece.lowerBound
        while pos < piece.upperBound {
            if let end = match(pos, piece.upperBound), end > pos {
                if gapStart < pos { out.append(gapStart..<pos) }
                out.append(pos..<end)
                pos = end
                gapStart = end
            } else {
                pos += 1
            }
        }
        if gapStart < piece.upperBound { out.append(gapStart..<piece.upperBound) }
    }

    /// `\p{N}`: every number on its own.
    func isolateEachNumber(_ piece: Range<Int>, into out: inout [Range<Int>]) {
        isolate(piece, into: &out) { pos, _ in classes[pos].contains(.number) ? pos + 1 : nil }
    }

    /// `\p{N}+`.
    func isolateNumberRuns(_ piece: Range<Int>, into out: inout [Range<Int>]) {
        isolate(piece, into: &out) { pos, end in
            var i = pos
            while i < end, classes[i].contains(.number) { i += 1 }
            return i
        }
    }

    /// `[0-9][0-9][0-9]`.
    func isolateASCIIDigitTriples(_ piece: Range<Int>, into out: inout [Range<Int>]) {
        isolate(piece, into: &out) { pos, end in
            guard pos + 3 <= end else { return nil }
            for i in pos..<pos + 3 where !(0x30...0x39).contains(scalars[i]) { return nil }
            return pos + 3
        }
    }

    /// `[\p{P}\$\+<=>\^~\|]+`. For ASCII, llama.cpp's `\p{P}` is the list in `k_ucat_map` (no backtick).
    func isolatePunctuationRuns(_ piece: Range<Int>, into out: inout [Range<Int>]) {
        func matches(_ i: Int) -> Bool {
            let c = scalars[i]
            if c < 128 { return Self.asciiPunctuation[Int(c)] }
            return classes[i].contains(.punctuation) && !classes[i].contains(.whitespace)
        }
        isolate(piece, into: &out) { pos, end in
            var i = pos
            while i < end, matches(i) { i += 1 }
            return i
        }
    }

    private static let asciiPunctuation: [Bool] = (0..<128).map { c in
        Array("!\"#$%&'()*+,-./:;<=>?@[\\]^_{|}~".unicodeScalars).contains { $0.value == UInt32(c) }
    }
}

/// Test hook: the pre-tokens of `text` for a byte-level BPE vocabulary with `tokenizer.ggml.pre` = `pre`.
package func preTokenize(_ text: String, pre: String?) -> [String] {
    let bytes = Array(text.utf8)
    let (scalars, offsets) = UTF8Scalars.decode(bytes[...])
    let splitter = PreTokenizer(kind: PreTokenizerConfiguration(pre: pre).kind)
    return splitter.split(scalars).map { String(decoding: bytes[offsets[$0.lowerBound]..<offsets[$0.upperBound]], as: UTF8.self) }
}
