import BoraTokenizers
import Foundation
import Testing

@Suite("Tokenizer files: small models, loader, bad input")
struct TokenizerFileTests {
    static let normal: [(String, Float)] = [
        ("▁", -1), ("h", -2), ("e", -2), ("l", -2), ("o", -2), ("x", -2), ("[", -2), ("]", -2), ("R", -2), ("E", -2),
        ("F", -2), ("ll", -3), ("he", -4), ("llo", -5), ("hello", -6), ("▁hello", -7), ("▁x", -8), ("▁▁", -9),
        ("▁[", -10), ("EF", -11), ("REF", -12), ("[REF", -13),
    ]

    func tinySentencePiece(byteFallback: Bool = true, removeExtraWhitespaces: Bool = false) throws -> SentencePieceModelTokenizer {
        try SentencePieceModelTokenizer(serialized: TinyTokenizerFiles.sentencePieceWithBytes(
            Self.normal, byteFallback: byteFallback, removeExtraWhitespaces: removeExtraWhitespaces))
    }

    @Test("SentencePiece: merges by score, byte fallback, user-defined pieces stay whole")
    func sentencePiece() throws {
        let t = try tinySentencePiece()
        func ids(_ pieces: [String]) -> [Int] { pieces.map { p in 261 + Self.normal.firstIndex { $0.0 == p }! } }
        #expect(try t.encode("hello x", addBos: true, parseSpecial: false) == [1] + ids(["▁hello", "▁x"]))
        #expect(try t.encode("", addBos: false, parseSpecial: false) == [])
        // "é" has no piece: its two UTF-8 bytes.
        #expect(try t.encode("é", addBos: false, parseSpecial: false) == ids(["▁"]) + [5 + 0xC3, 5 + 0xA9])
        // "[REF]" is user-defined: one symbol, never merged with "▁"; the normal piece "[REF]" is not used.
        #expect(try t.encode("[REF]x", addBos: false, parseSpecial: false) == ids(["▁"]) + [4] + ids(["x"]))
        // Control text is ordinary text unless parseSpecial.
        #expect(try t.encode("[INST]", addBos: false, parseSpecial: true) == [3])
        #expect(!(try t.encode("[INST]", addBos: false, parseSpecial: false)).contains(3))
        #expect(try t.decode(ids(["▁hello", "▁x"])) == "hello x")
        #expect(try t.decode([1, 3] + ids(["▁hello"]) + [2]) == "hello")
        #expect(try t.decode([1] + ids(["▁hello"]), specialTokens: .keep) == "<s>▁hello")
        #expect(throws: TokenizerFileError.specialTokenInDecode(id: 1)) {
            try t.decode([1] + ids(["▁hello"]), specialTokens: .raise)
        }
        #expect(try t.decode([0]) == " ⁇ ")
        #expect(try t.pieceBytes(5 + 0x41) == [0x41])
        #expect(try t.pieceBytes(ids(["▁hello"])[0]) == Array(" hello".utf8))
        #expect(t.specialTokenId("[INST]") == 3 && t.specialTokenId("[REF]") == 4 && t.specialTokenId("hello") == nil)
    }

    @Test("SentencePiece: remove_extra_whitespaces and no byte fallback")
    func sentencePieceOptions() throws {
        let t = try tinySentencePiece(byteFallback: false, removeExtraWhitespaces: true)
        func ids(_ pieces: [String]) -> [Int] { pieces.map { p in 261 + Self.normal.firstIndex { $0.0 == p }! } }
        #expect(try t.encode("  hello   x  ", addBos: false, parseSpecial: false) == ids(["▁hello", "▁x"]))
        #expect(try t.encode("   ", addBos: false, parseSpecial: false) == [])
        #expect(try t.encode("é", addBos: false, parseSpecial: false) == ids(["▁"]) + [0])
    }

    @Test("Tekken: ranks, special tokens first, fillers, truncation to default_vocab_size")
    func tekken() throws {
        let t = try TekkenTokenizer(json: try TinyTokenizerFiles.tekken(["ab", "abc", "cd"]))
        #expect(t.vocabularySize == 6 + 259 && t.numberOfSpecialTokens == 6)
        #expect(t.bosId == 1 && t.eosId == 2 && t.specialTokenId("[INST]") == 3 && t.specialTokenId("<SPECIAL_5>") == 5)
        // "abcd" is one pre-token: bytes a b c d, "ab" (256) then "abc" (257); "cd" loses to "abc".
        #expect(try t.encode("abcd", addBos: true, parseSpecial: false) == [1, 6 + 257, 6 + Int(UInt8(ascii: "d"))])
        #expect(try t.encode("[INST]ab", addBos: false, parseSpecial: true) == [3, 6 + 256])
        #expect(try t.decode([1, 6 + 257, 3, 6 + 258]) == "abccd")
        #expect(try t.decode([1, 6 + 257], specialTokens: .keep) == "<s>abc")
        let truncated = try TekkenTokenizer(json: try TinyTokenizerFiles.tekken(["ab", "abc", "cd"], vocabSize: 6 + 257))
        #expect(truncated.vocabularySize == 263)
        #expect(try truncated.encode("abc", addBos: false, parseSpecial: false) == [6 + 256, 6 + Int(UInt8(ascii: "c"))])
        #expect(throws: TokenizerError.idOutOfRange(id: 263, vocabularySize: 263)) { try truncated.decode([263]) }
    }

    @Test("loadTokenizer: by name, by content, directories in mistral-common's order")
    func loader() throws {
        let dir = TinyTokenizerFiles.makeDirectory()
        let spm = TinyTokenizerFiles.sentencePieceWithBytes(Self.normal)
        _ = try TinyTokenizerFiles.write(spm, as: "tokenizer.model.v3", in: dir)
        _ = try TinyTokenizerFiles.write(spm, as: "tokenizer.model.v7", in: dir)
        #expect(try loadTokenizer(path: dir) is SentencePieceModelTokenizer)
        _ = try TinyTokenizerFiles.write(try TinyTokenizerFiles.tekken(["ab"]), as: "tekken.json", in: dir)
        #expect(try loadTokenizer(path: dir) is TekkenTokenizer)
        #expect(try loadTokenizer(path: dir + "/tokenizer.model.v3") is SentencePieceModelTokenizer)
        let oddName = try TinyTokenizerFiles.write(spm, as: "vocab.bin")
        #expect(try loadTokenizer(path: oddName) is SentencePieceModelTokenizer)
        let oddJSON = try TinyTokenizerFiles.write(try TinyTokenizerFiles.tekken(["ab"]), as: "mistral.json")
        #expect(try loadTokenizer(path: oddJSON) is TekkenTokenizer)
        let empty = TinyTokenizerFiles.makeDirectory()
        #expect(throws: TokenizerFileError.unrecognized(path: empty)) { _ = try loadTokenizer(path: empty) }
        #expect(TokenizerFileKind(fileName: "tokenizer.model.v7m1") == .sentencePiece)
        #expect(TokenizerFileKind(fileName: "tekken_240911.json") == .tekken)
        #expect(TokenizerFileKind(fileName: "tokenizer.json") == .huggingFace)
        #expect(TokenizerFileKind(fileName: "model.gguf") == nil)
    }

    @Test("bad files: clear errors naming the file, no crash")
    func badFiles() throws {
        func error(_ body: () throws -> Any) -> TokenizerFileError? {
            do { _ = try body(); return nil } catch { return error as? TokenizerFileError }
        }
        let missing = error { try loadTokenizer(path: "/nonexistent/tokenizer.model") }
        #expect(missing == .unreadable(path: "/nonexistent/tokenizer.model", reason: "no such file or directory"))

        // Truncated SentencePiece models, cut anywhere.
        let spm = TinyTokenizerFiles.sentencePieceWithBytes(Self.normal)
        for cut in [1, 2, 7, 100, spm.count / 2, spm.count - 30, spm.count - 1] {
            let path = try TinyTokenizerFiles.write(Array(spm.prefix(cut)), as: "tokenizer.model")
            let e = error { try loadTokenizer(path: path) }
            guard case .corruptProtobuf(let p, _) = e else {
                Issue.record("cut at \(cut): \(String(describing: e))")
                continue
            }
            #expect(p == path)
            #expect(e!.description.contains(path) && e!.description.contains("download it again"))
        }
        let garbage = try TinyTokenizerFiles.write(Array("not a protobuf at all".utf8), as: "tokenizer.model")
        #expect({ if case .corruptProtobuf = error({ try loadTokenizer(path: garbage) }) { true } else { false } }())

        // Unsupported SentencePiece variants.
        var unigram = TinyTokenizerFiles.sentencePiece([("<unk>", 0, 2), ("a", -1, 1)], modelType: 1)
        var path = try TinyTokenizerFiles.write(unigram, as: "tokenizer.model")
        #expect({ if case .unsupported = error({ try loadTokenizer(path: path) }) { true } else { false } }())
        unigram = TinyTokenizerFiles.sentencePiece([("<unk>", 0, 2), ("a", -1, 1)], charsmap: [1, 2, 3])
        path = try TinyTokenizerFiles.write(unigram, as: "tokenizer.model")
        #expect(error { try loadTokenizer(path: path) }?.description.contains("nmt_nfkc") == true)

        // Tekken: malformed JSON, missing keys, bad base64, foreign pattern, sizes that do not add up.
        let tekken = try TinyTokenizerFiles.tekken(["ab", "abc"])
        path = try TinyTokenizerFiles.write(Array(tekken.prefix(tekken.count / 2)), as: "tekken.json")
        #expect({ if case .malformedJSON = error({ try loadTokenizer(path: path) }) { true } else { false } }())
        path = try TinyTokenizerFiles.write(Array(#"{"vocab": []}"#.utf8), as: "tekken.json")
        #expect(error { try loadTokenizer(path: path) } == .invalidKey(path: path, key: "config", expected: "present"))
        path = try TinyTokenizerFiles.write(try TinyTokenizerFiles.tekken(["ab", "abc"], badBase64At: 257), as: "tekken.json")
        #expect(error { try loadTokenizer(path: path) } == .badBase64(path: path, rank: 257, text: "%%not base64%%"))
        path = try TinyTokenizerFiles.write(try TinyTokenizerFiles.tekken(["ab"], pattern: #"\w+|\s+"#), as: "tekken.json")
        #expect({ if case .unsupported = error({ try loadTokenizer(path: path) }) { true } else { false } }())
        path = try TinyTokenizerFiles.write(try TinyTokenizerFiles.tekken(["ab"], vocabSize: 9000), as: "tekken.json")
        #expect({ if case .inconsistentVocabulary = error({ try loadTokenizer(path: path) }) { true } else { false } }())
    }

    @Test("Hugging Face tokenizer.json: bad and unsupported files")
    func huggingFaceBadFiles() throws {
        func error(_ json: String) -> TokenizerFileError? {
            do { _ = try HuggingFaceTokenizer(json: Array(json.utf8), path: "t/tokenizer.json"); return nil }
            catch { return error as? TokenizerFileError }
        }
        func isCase(_ e: TokenizerFileError?, _ name: String) -> Bool { e.map { "\($0)".contains(name) } ?? false }
        #expect({ if case .malformedJSON = error(#"{"model": {"#) { true } else { false } }())
        #expect(error(#"{"version": "1.0"}"#) == .invalidKey(path: "t/tokenizer.json", key: "model", expected: "an object"))
        #expect(isCase(error(#"{"model": {"type": "WordPiece", "vocab": {}}}"#), "WordPiece"))
        #expect(isCase(error(#"{"model": {"type": "BPE", "vocab": {"a": 0}}, "pre_tokenizer": {"type": "Whitespace"}}"#),
                       "Whitespace"))
        #expect(isCase(error(#"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a b"]}}"#),
                       "not in model.vocab"))
        let ok = try HuggingFaceTokenizer(json: Array(#"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": [["a", "b"]]}}"#.utf8))
        #expect(try ok.encode("abab", addBos: false, parseSpecial: true) == [2, 2])
        #expect(throws: TokenizerError.idOutOfRange(id: 3, vocabularySize: 3)) { try ok.decode([3]) }
        // A directory with only a tokenizer.json.
        let dir = TinyTokenizerFiles.makeDirectory()
        _ = try TinyTokenizerFiles.write(Array(#"{"model": {"type": "BPE", "vocab": {"a": 0}}}"#.utf8), as: "tokenizer.json", in: dir)
        #expect(try loadTokenizer(path: dir) is HuggingFaceTokenizer)
    }

    @Test("ids out of range and invalid UTF-8 input")
    func badInput() throws {
        let spm = try tinySentencePiece()
        let tekken = try TekkenTokenizer(json: try TinyTokenizerFiles.tekken(["ab"]))
        for t in [spm, tekken] as [any Tokenizer] {
            let n = t.vocabularySize
            #expect(throws: TokenizerError.idOutOfRange(id: n, vocabularySize: n)) { try t.decode([1, n]) }
            #expect(throws: TokenizerError.idOutOfRange(id: -1, vocabularySize: n)) { try t.pieceBytes(-1) }
            #expect(throws: TokenizerFileError.invalidUTF8(offset: 2)) {
                try t.encode(utf8: [0x61, 0x62, 0xC3, 0x28], addBos: false, parseSpecial: false)
            }
            #expect(try t.encode(utf8: Array("ab".utf8), addBos: false, parseSpecial: false)
                    == t.encode("ab", addBos: false, parseSpecial: false))
        }
    }
}
