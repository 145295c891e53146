import BoraTokenizers
import Testing

@Suite("Byte-level BPE")
struct BytePairTokenizerTests {
    let merges = ["a b", "ab c", "Ġ a", "Ġa b", "b c", "a a"]

    @Test("merges apply lowest rank first")
    func rankOrder() throws {
        let vocabulary = TestVocabularies.byteLevel(merges: merges)
        let tokenizer = try makeTokenizer(vocabulary)
        #expect(try tokenizer.encode("abc", addBos: false, parseSpecial: false) == tokenizer.ids(["abc"], in: vocabulary))
        // "b c" (rank 4) loses to "a b" (rank 0); with "a b" gone it wins.
        let later = TestVocabularies.byteLevel(merges: ["b c", "a b", "ab c"])
        let tokenizer2 = try makeTokenizer(later)
        #expect(try tokenizer2.encode("abc", addBos: false, parseSpecial: false) == tokenizer2.ids(["a", "bc"], in: later))
        // Equal ranks: the leftmost pair first.
        #expect(try tokenizer.encode("aaa", addBos: false, parseSpecial: false) == tokenizer.ids(["aa", "a"], in: vocabulary))
        // Merges stay inside pre-tokens (" ab", " c", "!"), and "a b" (rank 0) beats "Ġ a" (rank 2),
        // so "Ġab" cannot form.
        #expect(try tokenizer.encode(" ab c!", addBos: false, parseSpecial: false)
                == tokenizer.ids(["Ġ", "ab", "Ġ", "c", "!"], in: vocabulary))
        #expect(try tokenizer.encode(" a", addBos: false, parseSpecial: false) == tokenizer.ids(["Ġa"], in: vocabulary))
    }

    @Test("byte-level round trip", arguments: ["", "abc", " ab c", "Héllo wörld\n\t", "😀👍🏽 日本語", "\u{0}\u{1}\u{7f}\u{ff}"])
    func roundTrip(_ text: String) throws {
        let tokenizer = try makeTokenizer(TestVocabularies.byteLevel(merges: merges))
        let ids = try tokenizer.encode(text, addBos: false, parseSpecial: false)
        #expect(try tokenizer.decode(ids) == text)
        let bytes = try ids.flatMap { try tokenizer.pieceBytes($0) }
        #expect(bytes == Array(text.utf8))
    }

    @Test("special tokens: control only with parseSpecial, user-defined always, longest first")
    func specialTokens() throws {
        let vocabulary = TestVocabularies.byteLevel(
            merges: merges, special: [("<|im_start|>", 3), ("<|im_end|>", 3), ("<tool>", 4), ("<tool>x", 4)])
        let tokenizer = try makeTokenizer(vocabulary)
        let parsed = try tokenizer.encode("<|im_start|>ab<|im_end|>", addBos: false, parseSpecial: true)
        #expect(parsed == [0] + tokenizer.ids(["ab"], in: vocabulary) + [1])
        let literal = try tokenizer.encode("<|im_start|>", addBos: false, parseSpecial: false)
        #expect(!literal.contains(0) && literal.count > 1)
        #expect(try tokenizer.decode(literal) == "<|im_start|>")
        #expect(try tokenizer.encode("<tool>x<tool>", addBos: false, parseSpecial: false) == [3, 2])
        #expect(try tokenizer.decode([0, 3]) == "<|im_start|><tool>x")
        #expect(try tokenizer.pieceBytes(1) == Array("<|im_end|>".utf8))
    }

    @Test("end of generation: EOS and llama.cpp's end-of-turn texts")
    func endOfGeneration() throws {
        var vocabulary = TestVocabularies.byteLevel(
            merges: merges, special: [("<|endoftext|>", 3), ("<|im_start|>", 3), ("<|im_end|>", 3), ("<x>", 3)])
        vocabulary.eosId = 3
        let tokenizer = try makeTokenizer(vocabulary)
        #expect(tokenizer.eosId == 3)
        #expect(tokenizer.isEndOfGeneration(0))    // <|endoftext|>
        #expect(!tokenizer.isEndOfGeneration(1))   // <|im_start|>
        #expect(tokenizer.isEndOfGeneration(2))    // <|im_end|>
        #expect(tokenizer.isEndOfGeneration(3))    // eos
        #expect(!tokenizer.isEndOfGeneration(10))
        #expect(!tokenizer.isEndOfGeneration(-1) && !tokenizer.isEndOfGeneration(1 << 20))
    }

    @Test("BOS: added on request, default per pre-tokenizer and add_bos_token")
    func beginningOfSequence() throws {
        var vocabulary = TestVocabularies.byteLevel(merges: merges, special: [("<s>", 3)])
        vocabulary.bosId = 0
        let tokenizer = try makeTokenizer(vocabulary)
        #expect(!tokenizer.addsBosByDefault)
        #expect(try tokenizer.encode("ab", addBos: true, parseSpecial: false).first == 0)
        vocabulary.pre = "llama-bpe"
        #expect(try makeTokenizer(vocabulary).addsBosByDefault)
        vocabulary.addBos = false
        #expect(try !makeTokenizer(vocabulary).addsBosByDefault)

        // No bos_token_id and llama.cpp's gpt2 default (11) is a byte character here: still a BOS.
        let noKey = try makeTokenizer(TestVocabularies.byteLevel(merges: merges))
        #expect(noKey.bosId == 11)
        // A vocabulary too small for the default has none, and asking for one is an error.
        var tiny = GGUFVocabulary(model: "gpt2", tokens: ["a", "b", "ab"])
        tiny.merges = ["a b"]
        let tinyTokenizer = try makeTokenizer(tiny)
        #expect(tinyTokenizer.bosId == nil)
        #expect(throws: TokenizerError.missingSpecialToken("bos")) {
            try tinyTokenizer.encode("ab", addBos: true, parseSpecial: false)
        }
        #expect(try tinyTokenizer.encode("ab", addBos: false, parseSpecial: false) == [2])
    }

    @Test("clean_up_tokenization_spaces for gpt-2, not for smollm")
    func cleanSpaces() throws {
        let gpt2 = TestVocabularies.byteLevel(merges: merges)
        let ids = try makeTokenizer(gpt2).encode("a , b ' c 's .", addBos: false, parseSpecial: false)
        #expect(try makeTokenizer(gpt2).decode(ids) == "a, b'c's.")
        let smollm = TestVocabularies.byteLevel(merges: merges, pre: "smollm")
        let smollmTokenizer = try makeTokenizer(smollm)
        let ids2 = try smollmTokenizer.encode("a , b ' c 's .", addBos: false, parseSpecial: false)
        #expect(try smollmTokenizer.decode(ids2) == "a , b ' c 's .")
    }

    @Test("a character with no token is dropped, as llama.cpp does")
    func missingByteCharacter() throws {
        var tokens = TestVocabularies.byteCharacters
        let e = tokens.firstIndex(of: "Ã")!   // the character for byte 0xC3
        tokens[e] = "[not-a-byte]"
        var vocabulary = GGUFVocabulary(model: "gpt2", tokens: tokens)
        vocabulary.merges = []
        let tokenizer = try makeTokenizer(vocabulary)
        let ids = try tokenizer.encode("é", addBos: false, parseSpecial: false)   // bytes C3 A9
        #expect(ids == [tokens.firstIndex(of: "©")!])
    }
}

@Suite("Byte-level BPE: bad input")
struct BytePairTokenizerErrorTests {
    @Test("malformed merges", arguments: ["ab", "a ", " a", "", "a"])
    func malformedMerge(_ merge: String) {
        var vocabulary = TestVocabularies.byteLevel(merges: ["a b"])
        vocabulary.merges = ["a b", merge]
        #expect(throws: TokenizerError.malformedMerge(rank: 1, text: merge)) { try makeTokenizer(vocabulary) }
    }

    @Test("vocabulary errors")
    func invalidVocabulary() {
        var noMerges = TestVocabularies.byteLevel(merges: [])
        noMerges.merges = nil
        #expect(throws: TokenizerError.missingMerges) { try makeTokenizer(noMerges) }
        var empty = GGUFVocabulary(model: "gpt2", tokens: [])
        empty.merges = []
        #expect(throws: TokenizerError.emptyVocabulary) { try makeTokenizer(empty) }
        #expect(throws: TokenizerError.unsupportedModel("bert")) {
            try makeTokenizer(GGUFVocabulary(model: "bert", tokens: ["a"]))
        }
        var shortTypes = TestVocabularies.byteLevel(merges: [])
        shortTypes.tokenTypes = [1, 1]
        #expect(throws: TokenizerError.arrayLengthMismatch(key: "tokenizer.ggml.token_type", expected: 256, actual: 2)) {
            try makeTokenizer(shortTypes)
        }
    }

    @Test("ids out of range")
    func idsOutOfRange() throws {
        let tokenizer = try makeTokenizer(TestVocabularies.byteLevel(merges: []))
        #expect(throws: TokenizerError.idOutOfRange(id: 256, vocabularySize: 256)) { try tokenizer.decode([65, 256]) }
        #expect(throws: TokenizerError.idOutOfRange(id: -1, vocabularySize: 256)) { try tokenizer.decode([-1]) }
        #expect(throws: TokenizerError.idOutOfRange(id: 1000, vocabularySize: 256)) { try tokenizer.pieceBytes(1000) }
    }

    @Test("error messages name the problem and the fix")
    func messages() {
        let message = TokenizerError.malformedMerge(rank: 7, text: "ab").description
        #expect(message.contains("7") && message.contains("'ab'") && message.contains("re-convert"))
        #expect(TokenizerError.idOutOfRange(id: 9, vocabularySize: 5).description.contains("0..<5"))
        #expect(TokenizerError.unsupportedModel("t5").description.contains("'gpt2'"))
    }
}
