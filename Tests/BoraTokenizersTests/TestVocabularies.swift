import BoraTokenizers

/// Small hand-made vocabularies, no GGUF file needed.
enum TestVocabularies {
    /// GPT-2's byte -> character mapping (openai/gpt-2 `bytes_to_unicode`), written out independently of the
    /// module's copy so the tests check it.
    static let byteCharacters: [String] = {
        var printable = Array(0x21...0x7E) + Array(0xA1...0xAC) + Array(0xAE...0xFF)
        printable.sort()
        var next = 256
        return (0..<256).map { byte in
            if printable.contains(byte) { return String(UnicodeScalar(UInt8(byte))) }
            defer { next += 1 }
            return String(UnicodeScalar(UInt32(next))!)
        }
    }()

    /// A byte-level BPE vocabulary: `special` tokens first (with their types), then the 256 byte characters,
    /// then the result of each merge, in order.
    static func byteLevel(merges: [String], special: [(String, Int32)] = [], pre: String? = "gpt-2") -> GGUFVocabulary {
        var tokens = special.map(\.0)
        var types = special.map(\.1)
        for token in byteCharacters + merges.map({ String($0.filter { $0 != " " }) }) where !tokens.contains(token) {
            tokens.append(token)
            types.append(1)
        }
        var vocabulary = GGUFVocabulary(model: "gpt2", tokens: tokens)
        vocabulary.pre = pre
        vocabulary.tokenTypes = types
        vocabulary.merges = merges
        return vocabulary
    }

    /// A SentencePiece vocabulary: <unk>, <s>, </s>, then `pieces` with their scores, then (optionally) the
    /// 256 `<0xXX>` byte tokens.
    static func sentencePiece(_ pieces: [(String, Float)], byteTokens: Bool = true) -> GGUFVocabulary {
        var tokens = ["<unk>", "<s>", "</s>"]
        var types: [Int32] = [2, 3, 3]
        var scores: [Float] = [0, 0, 0]
        for (piece, score) in pieces {
            tokens.append(piece)
            types.append(1)
            scores.append(score)
        }
        if byteTokens {
            for byte in 0..<256 {
                let hex = String(byte, radix: 16, uppercase: true)
                tokens.append("<0x\(hex.count == 1 ? "0" + hex : hex)>")
                types.append(6)
                scores.append(0)
            }
        }
        var vocabulary = GGUFVocabulary(model: "llama", tokens: tokens)
        vocabulary.scores = scores
        vocabulary.tokenTypes = types
        vocabulary.bosId = 1
        vocabulary.eosId = 2
        vocabulary.unknownId = 0
        return vocabulary
    }
}

extension Tokenizer {
    /// Token ids of the given token texts, for readable expectations.
    func ids(_ texts: [String], in vocabulary: GGUFVocabulary) -> [Int] {
        texts.map { text in vocabulary.tokens.lastIndex(of: text) ?? -1 }
    }
}
