import BoraTokenizers
import Testing

@Suite("SentencePiece BPE")
struct SentencePieceTokenizerTests {
    // Scores decide the merge order: higher first.
    static let pieces: [(String, Float)] = [
        ("▁", -1), ("h", -2), ("e", -2), ("l", -2), ("o", -2), ("w", -2), ("r", -2), ("d", -2),
        ("ll", -3), ("he", -4), ("llo", -5), ("hello", -6), ("▁hello", -7), ("▁w", -8), ("or", -9),
        ("▁wor", -10), ("ld", -11), ("▁world", -12), ("el", -20),
    ]
    let vocabulary = TestVocabularies.sentencePiece(pieces)

    @Test("space prefix, ▁ for spaces, merges by score")
    func encode() throws {
        let tokenizer = try makeTokenizer(vocabulary)
        #expect(tokenizer.addsBosByDefault)
        #expect(try tokenizer.encode("hello world", addBos: true, parseSpecial: false)
                == [1] + tokenizer.ids(["▁hello", "▁world"], in: vocabulary))
        #expect(try tokenizer.encode("", addBos: true, parseSpecial: false) == [1])
        #expect(try tokenizer.encode("", addBos: false, parseSpecial: false) == [])
        // "he" (-4) outranks "el" (-20).
        #expect(try tokenizer.encode("hel", addBos: false, parseSpecial: false) == tokenizer.ids(["▁", "he", "l"], in: vocabulary))
    }

    @Test("byte fallback, then the unknown token")
    func byteFallback() throws {
        let tokenizer = try makeTokenizer(vocabulary)
        #expect(try tokenizer.encode("é", addBos: false, parseSpecial: false)
                == tokenizer.ids(["▁", "<0xC3>", "<0xA9>"], in: vocabulary))
        let noBytes = TestVocabularies.sentencePiece(Self.pieces, byteTokens: false)
        let unknown = try makeTokenizer(noBytes)
        #expect(try unknown.encode("é", addBos: false, parseSpecial: false) == unknown.ids(["▁"], in: noBytes) + [0, 0])

        // An unknown_token_id out of range is ignored, like llama.cpp, leaving its default 0.
        var badUnknown = GGUFVocabulary(model: "llama", tokens: ["a", "b"])
        badUnknown.unknownId = 7
        let fallback = try makeTokenizer(badUnknown)
        #expect(try fallback.encode("a", addBos: false, parseSpecial: false) == [0, 0, 0, 0])   // E2 96 81, "a"
    }

    @Test("special tokens and the space prefix after them")
    func specialTokens() throws {
        let tokenizer = try makeTokenizer(vocabulary)
        #expect(try tokenizer.encode("<s>hello</s>", addBos: false, parseSpecial: true)
                == [1] + tokenizer.ids(["▁hello"], in: vocabulary) + [2])
        let literal = try tokenizer.encode("</s>", addBos: false, parseSpecial: false)
        #expect(!literal.contains(2))
        #expect(tokenizer.isEndOfGeneration(2) && !tokenizer.isEndOfGeneration(1))
    }

    @Test("decode: first token loses its prefix space unless BOS leads")
    func decode() throws {
        let tokenizer = try makeTokenizer(vocabulary)
        let ids = tokenizer.ids(["▁hello", "▁world"], in: vocabulary)
        #expect(try tokenizer.decode(ids) == "hello world")
        #expect(try tokenizer.decode([1] + ids + [2]) == "<s> hello world</s>")
        #expect(try tokenizer.decode(tokenizer.ids(["<0xC3>", "<0xA9>"], in: vocabulary)) == "é")
        #expect(try tokenizer.pieceBytes(tokenizer.ids(["<0x41>"], in: vocabulary)[0]) == [0x41])
        #expect(try tokenizer.pieceBytes(0) == Array("<unk>".utf8))
        #expect(throws: TokenizerError.idOutOfRange(id: 999, vocabularySize: vocabulary.tokens.count)) {
            try tokenizer.decode([999])
        }
    }

    @Test("add_space_prefix false and add_bos_token false")
    func flags() throws {
        var noPrefix = vocabulary
        noPrefix.addSpacePrefix = false
        noPrefix.addBos = false
        let tokenizer = try makeTokenizer(noPrefix)
        #expect(!tokenizer.addsBosByDefault)
        #expect(try tokenizer.encode("hello", addBos: false, parseSpecial: false) == tokenizer.ids(["hello"], in: noPrefix))
        #expect(try tokenizer.decode(tokenizer.ids(["▁hello"], in: noPrefix)) == " hello")
    }

    @Test("vocabulary errors")
    func invalidVocabulary() {
        var shortScores = vocabulary
        shortScores.scores = [0]
        #expect(throws: TokenizerError.arrayLengthMismatch(
            key: "tokenizer.ggml.scores", expected: vocabulary.tokens.count, actual: 1)) {
            try makeTokenizer(shortScores)
        }
        #expect(throws: TokenizerError.emptyVocabulary) { try makeTokenizer(GGUFVocabulary(model: "llama", tokens: [])) }
    }
}
