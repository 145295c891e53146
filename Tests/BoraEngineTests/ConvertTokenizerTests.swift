import BoraEngine
import BoraFormats
import BoraTokenizers
import Foundation
import Testing

/// Tokenizers built for the tests, sized to the tiny checkpoints' 128-token vocabulary.
enum TinyTokenizers {
    /// A SentencePiece BPE `tokenizer.model` (a hand-serialized `ModelProto`): <unk>, <s>, </s>, then the
    /// byte pieces <0x00> ... <0x7C>, byte fallback on, identity normalizer without a dummy prefix.
    static func sentencePiece() -> [UInt8] {
        func varint(_ v: UInt64, _ b: inout [UInt8]) {
            var v = v
            while v >= 0x80 { b.append(UInt8(v & 0x7f) | 0x80); v >>= 7 }
            b.append(UInt8(v))
        }
        func bytesField(_ number: UInt64, _ payload: [UInt8], _ b: inout [UInt8]) {
            varint(number << 3 | 2, &b); varint(UInt64(payload.count), &b); b += payload
        }
        func intField(_ number: UInt64, _ value: UInt64, _ b: inout [UInt8]) { varint(number << 3, &b); varint(value, &b) }
        func piece(_ text: String, type: UInt64) -> [UInt8] {
            var p: [UInt8] = []
            bytesField(1, Array(text.utf8), &p)
            varint(2 << 3 | 5, &p)
            withUnsafeBytes(of: Float(0).bitPattern.littleEndian) { p += $0 }
            intField(3, type, &p)
            return p
        }
        var out: [UInt8] = []
        bytesField(1, piece("<unk>", type: 2), &out)
        bytesField(1, piece("<s>", type: 3), &out)
        bytesField(1, piece("</s>", type: 3), &out)
        for b in 0..<125 {
            let hex = String(b, radix: 16, uppercase: true)
            bytesField(1, piece("<0x\(hex.count == 1 ? "0" + hex : hex)>", type: 6), &out)
        }
        var trainer: [UInt8] = []
        intField(3, 2, &trainer)    // model_type BPE
        intField(4, 128, &trainer)  // vocab_size
        intField(35, 1, &trainer)   // byte_fallback
        bytesField(2, trainer, &out)
        var normalizer: [UInt8] = []
        bytesField(1, Array("identity".utf8), &normalizer)
        intField(3, 0, &normalizer)  // add_dummy_prefix off: with only 125 byte pieces, "▁" would be unknown
        bytesField(3, normalizer, &out)
        return out
    }

    /// A byte-level BPE `tokenizer.json` (GPT-2 regex): 94 printable ASCII characters, "Ġ", "Ċ", 30 merged
    /// letter pairs, and two special added tokens, 128 ids in all.
    static func byteLevelJSON() -> String {
        var vocab = (33...126).map { String(UnicodeScalar(UInt8($0))) } + ["Ġ", "Ċ"]
        let letters = (97...122).map { String(UnicodeScalar(UInt8($0))) }
        var merges: [String] = []
        for i in 0..<30 {
            let l = letters[i % 26], r = letters[(i * 7 + 3 + i / 26) % 26]
            merges.append("\(l) \(r)")
            vocab.append(l + r)
        }
        func quoted(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        let vocabJSON = vocab.enumerated().map { "\(quoted($1)): \($0)" }.joined(separator: ", ")
        return """
        {"version": "1.0", "added_tokens": [
          {"id": 126, "content": "<|endoftext|>", "special": true, "normalized": false},
          {"id": 127, "content": "<|im_start|>", "special": true, "normalized": false}],
         "normalizer": null,
         "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
         "post_processor": null,
         "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
         "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
                   "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false,
                   "vocab": {\(vocabJSON)}, "merges": [\(merges.map(quoted).joined(separator: ", "))]}}
        """
    }

    /// A Tekken `tekken.json`: 3 special tokens, the 256 bytes, then 12 merged tokens (271 ids).
    static func tekkenJSON() throws -> [UInt8] {
        let pattern = #"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        let merged = ["th", "he", "the", " t", " th", " the", "in", "ing", "er", "lo", "hel", "hello"]
        let tokens = (0..<256).map { [UInt8($0)] } + merged.map { Array($0.utf8) }
        let root: [String: Any] = [
            "config": ["pattern": pattern, "default_vocab_size": 3 + tokens.count, "default_num_special_tokens": 3, "version": "v7"],
            "vocab": tokens.enumerated().map { ["rank": $0.offset, "token_bytes": Data($0.element).base64EncodedString()] },
            "special_tokens": ["<unk>", "<s>", "</s>"].enumerated().map { ["rank": $0.offset, "token_str": $0.element, "is_control": true] },
        ]
        return Array(try JSONSerialization.data(withJSONObject: root))
    }

    /// A copy of a fixture checkpoint (links to its files) with extra files.
    static func checkpoint(_ model: String, _ source: String, in dir: URL, files: [String: [UInt8]]) throws -> String {
        let target = dir.appendingPathComponent("\(model)-\(source)")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        let original = ConvertFixtures.checkpoint(model, source)
        for name in try FileManager.default.contentsOfDirectory(atPath: original) {
            try FileManager.default.createSymbolicLink(atPath: target.appendingPathComponent(name).path,
                                                       withDestinationPath: original + "/" + name)
        }
        for (name, bytes) in files { try Data(bytes).write(to: target.appendingPathComponent(name)) }
        return target.path
    }

    static let template = "{% for m in messages %}<s>{{ m['content'] }}</s>{% endfor %}"
    static let tokenizerConfig = Array(#"{"add_bos_token": true, "add_eos_token": false, "chat_template": "\#(template)"}"#.utf8)
}

/// The tokenizer and chat template carried into the GGUF: SentencePiece as "llama", byte-level BPE as "gpt2";
/// the tokenizer Bora builds from the GGUF encodes like the original file. llama.cpp loads the output and
/// gives Bora's logits.
@Suite struct ConvertTokenizerTests {
    @Test func sentencePieceBecomesLlamaVocabulary() throws {
        let dir = try ConvertFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try TinyTokenizers.checkpoint("mistral-tiny", "hf", in: dir, files: [
            "tokenizer.model": TinyTokenizers.sentencePiece(), "tokenizer_config.json": TinyTokenizers.tokenizerConfig,
        ])
        let output = dir.appendingPathComponent("out.gguf").path
        let summary = try CheckpointConverter.convert(directory: input, output: output, target: .f32)
        #expect(summary.tokenizerModel == "llama" && summary.hasChatTemplate)
        let gguf = try GGUFFile(path: output)
        let v = try GGUFVocabulary(gguf: gguf)
        #expect(v.model == "llama" && v.tokens.count == 128)
        #expect(v.tokens[0] == "<unk>" && v.tokens[3] == "<0x00>")
        #expect(v.tokenTypes?[0] == 2 && v.tokenTypes?[1] == 3 && v.tokenTypes?[10] == 6)
        #expect(v.scores?.count == 128)
        #expect(v.bosId == 1 && v.eosId == 2 && v.unknownId == 0 && v.addBos == true && v.addEos == false)
        #expect(gguf.metadata["tokenizer.chat_template"]?.string == TinyTokenizers.template)
        let original = try SentencePieceModelTokenizer(serialized: TinyTokenizers.sentencePiece())
        let converted = try TokenizerBundle.fromGGUF(gguf).tokenizer
        for text in ["hello", "a\nb", "<s>x</s>y"] {
            #expect(try converted.encode(text, addBos: true, parseSpecial: true) == original.encode(text, addBos: true, parseSpecial: true), "\(text)")
        }
    }

    @Test func byteLevelBPEBecomesGPT2Vocabulary() throws {
        let dir = try ConvertFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = TinyTokenizers.byteLevelJSON()
        let input = try TinyTokenizers.checkpoint("mixtral-tiny", "hf", in: dir, files: ["tokenizer.json": Array(json.utf8)])
        let output = dir.appendingPathComponent("out.gguf").path
        let summary = try CheckpointConverter.convert(directory: input, output: output, target: .f32)
        #expect(summary.tokenizerModel == "gpt2" && !summary.hasChatTemplate)
        let gguf = try GGUFFile(path: output)
        let v = try GGUFVocabulary(gguf: gguf)
        #expect(v.model == "gpt2" && v.pre == "gpt-2" && v.tokens.count == 128 && v.merges?.count == 30)
        #expect(v.merges?.first == "a d" && v.tokens[126] == "<|endoftext|>")
        #expect(v.tokenTypes?[0] == 1 && v.tokenTypes?[126] == 3 && v.tokenTypes?[127] == 3)
        let original = try HuggingFaceTokenizer(json: Array(json.utf8))
        let converted = try TokenizerBundle.fromGGUF(gguf).tokenizer
        for text in ["hello world", "ad adad, it's 42!", "x<|im_start|>y"] {
            #expect(try converted.encode(text, addBos: false, parseSpecial: true) == original.encode(text, addBos: false, parseSpecial: true), "\(text)")
        }
    }

    @Test func tekkenBecomesGPT2VocabularyWithTekkenPreTokenizer() throws {
        let dir = try ConvertFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = try TinyTokenizers.tekkenJSON()
        let input = try TinyTokenizers.checkpoint("mistral-v03-tiny", "native", in: dir, files: ["tekken.json": json])
        let output = dir.appendingPathComponent("out.gguf").path
        let summary = try CheckpointConverter.convert(directory: input, output: output, target: .f32)
        #expect(summary.tokenizerModel == "gpt2")
        let gguf = try GGUFFile(path: output)
        let v = try GGUFVocabulary(gguf: gguf)
        #expect(v.model == "gpt2" && v.pre == "tekken" && v.tokens.count == 32768)
        #expect(v.tokens[1] == "<s>" && v.tokens[3] == "\u{100}" && v.tokens[3 + 256] == "th" && v.tokens[3 + 259] == "\u{120}t")
        #expect(v.tokenTypes?[1] == 3 && v.tokenTypes?[3 + 256] == 1 && v.tokenTypes?[300] == 5)
        // "the" = t|he and th|e, in the order of the left part's rank.
        #expect(v.merges?.prefix(4) == ["t h", "h e", "t he", "th e"])
        #expect(v.bosId == 1 && v.eosId == 2 && v.unknownId == 0)
        let original = try TekkenTokenizer(json: json)
        let converted = try TokenizerBundle.fromGGUF(gguf).tokenizer
        for text in ["hello the thing", "The there, inhering 42", "  in\nthe"] {
            #expect(try converted.encode(text, addBos: true, parseSpecial: false) == original.encode(text, addBos: true, parseSpecial: false), "\(text)")
        }
    }

    /// mistral-common's tekken_240911.json gives the tokens, token types and merges llama.cpp's converter writes
    /// (digests from scripts/make_convert_goldens.py, which runs gguf-py's `MistralVocab`).
    @Test func realTekkenMatchesLlamaCppsConverter() throws {
        struct Golden: Decodable {
            let tokens: Int, merges: Int, bos: Int, eos: Int, unk: Int
            let tokensSHA256: String, tokenTypesSHA256: String, mergesSHA256: String, firstMerges: [String]
            enum CodingKeys: String, CodingKey {
                case tokens, merges, bos, eos, unk, tokensSHA256 = "tokens_sha256", tokenTypesSHA256 = "token_types_sha256"
                case mergesSHA256 = "merges_sha256", firstMerges = "first_merges"
            }
        }
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("convert/tekken-240911-vocab.json"))))
        let v = try TekkenTokenizer(contentsOf: try TokenizerCLITests.mistralData + "/tekken_240911.json").ggufVocabulary(size: golden.tokens)
        func digest(_ items: [String]) -> String {
            var h = SHA256()
            h.update(Array(items.joined(separator: "\n").utf8))
            return h.finalizeHex()
        }
        let merges = v.merges ?? []
        #expect(v.tokens.count == golden.tokens && merges.count == golden.merges)
        #expect(Array(merges.prefix(golden.firstMerges.count)) == golden.firstMerges)
        #expect(digest(v.tokens) == golden.tokensSHA256)
        #expect(digest((v.tokenTypes ?? []).map { String($0) }) == golden.tokenTypesSHA256)
        #expect(digest(merges) == golden.mergesSHA256)
        #expect(v.bosId == golden.bos && v.eosId == golden.eos && v.unknownId == golden.unk)
    }

    @Test func tokenizerOfAnotherSizeIsAClearError() throws {
        let dir = try ConvertFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try TinyTokenizers.checkpoint("mistral-v03-tiny", "hf", in: dir, files: ["tokenizer.model": TinyTokenizers.sentencePiece()])
        // 128 pieces for a 32768-row embedding: padded with [PAD] tokens, as llama.cpp's converter does.
        let output = dir.appendingPathComponent("out.gguf").path
        _ = try CheckpointConverter.convert(directory: input, output: output, target: .f32)
        let v = try GGUFVocabulary(gguf: GGUFFile(path: output))
        #expect(v.tokens.count == 32768 && v.tokens[200] == "[PAD200]" && v.tokenTypes?[200] == 5)
        // More tokens than embedding rows: an error.
        let json = TinyTokenizers.byteLevelJSON()
        let small = try TinyTokenizers.checkpoint("mistral-tiny", "native", in: dir, files: [:])
        let big = json.replacingOccurrences(of: #""id": 127"#, with: #""id": 300"#)
        try Data(big.utf8).write(to: URL(fileURLWithPath: small + "/tokenizer.json"))
        let error = #expect(throws: ConversionError.self) {
            try CheckpointConverter.convert(directory: small, output: dir.appendingPathComponent("bad.gguf").path, target: .f32)
        }
        #expect("\(error.map { "\($0)" } ?? "")".contains("301 tokens but the model's embedding has 128 rows"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("bad.gguf").path))
    }

    /// llama.cpp (llama-cpp-python) loads the f32 conversion of a Hugging Face checkpoint (Q/K permuted) with a
    /// SentencePiece tokenizer and gives Bora's logits within 1e-4 (K/V cache in F32). The tokens
    /// stay within mistral-tiny's sliding window, which llama.cpp's "llama" architecture does not apply.
    @Test(.enabled(if: QuantizeCLITests.hasLlamaCpp, "llama-cpp-python is not installed"),
          arguments: [("mistral-tiny", 8), ("mixtral-tiny", 20)])
    func llamaCppGivesBorasLogits(_ model: String, _ count: Int) throws {
        let dir = try ConvertFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try TinyTokenizers.checkpoint(model, "hf", in: dir, files: ["tokenizer.model": TinyTokenizers.sentencePiece()])
        let output = dir.appendingPathComponent("out.gguf").path
        _ = try CheckpointConverter.convert(directory: input, output: output, target: .f32)
        let tokens = Array(ConvertFixtures.tokens.prefix(count))
        let bora = try ConvertFixtures.logits(output, tokens)
        let llama = try LlamaCppLogits.run(output, tokens)
        #expect(llama.count == tokens.count)
        let worst = ConvertFixtures.maxDifference(bora, llama)
        #expect(worst < 1e-4, "\(model): max |logit difference| Bora vs llama.cpp \(worst)")
    }
}
