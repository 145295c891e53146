import BoraTokenizers
import Foundation

/// The goldens in Tests/Fixtures/instruct (scripts/make_instruct_goldens.py): per tokenizer file, the cases
/// mistral-common encoded and what its tokenizer answered for every text it was asked to encode.
struct InstructFixture {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/instruct")

    static let names = [
        "v1", "v2", "v3", "v7", "v7m1", "tekken_240718", "tekken_240911",
        "tekken_synthetic_v7", "tekken_synthetic_v11", "tekken_synthetic_v13", "tekken_synthetic_v15",
        "tekken_synthetic_v15_no_settings",
    ]

    let name: String
    let json: JSONValue
    let version: MistralInstructVersion
    let tokenizer: any Tokenizer
    /// The file's `model_settings_builder` (v15).
    let settingsBuilder: MistralModelSettingsBuilder?

    init(_ name: String) throws {
        self.name = name
        let text = try String(contentsOf: Self.directory.appendingPathComponent("\(name).json"), encoding: .utf8)
        json = try JSONValue(parsing: text)
        guard let v = json["version"]?.string.flatMap(MistralInstructVersion.init) else {
            throw RecordedTokenizer.Missing(what: "version of \(name)")
        }
        version = v
        let recorded = try RecordedTokenizer(json)
        tokenizer = json["kind"]?.string == "sentencepiece" ? RecordedSentencePieceTokenizer(recorded) : recorded
        settingsBuilder = try MistralModelSettingsBuilder(json: json["model_settings_builder"] ?? .null, path: name)
    }

    /// The encoder for this fixture's version, tokenizer and settings.
    var encoder: MistralInstructEncoder {
        MistralInstructEncoder(version: version, tokenizer: tokenizer, settingsBuilder: settingsBuilder)
    }

    var cases: [JSONValue] { json["cases"]?.array ?? [] }
    var outputs: [JSONValue] { json["outputs"]?.array ?? [] }
}

/// A `Tokenizer` that answers from mistral-common's recorded answers: `encode` only knows the recorded texts.
struct RecordedTokenizer: Tokenizer {
    struct Missing: Error, CustomStringConvertible {
        let what: String
        var description: String { "not recorded in the fixture: \(what)" }
    }

    let vocabularySize: Int
    let bosId: Int?
    let eosId: Int?
    let special: [String: Int]
    let encodings: [String: [Int]]
    let pieces: [Int: String]
    let bytes: [Int: [UInt8]]

    init(_ json: JSONValue) throws {
        func ints(_ v: JSONValue?) -> [Int] { v?.array?.compactMap { if case .int(let i) = $0 { return i }; return nil } ?? [] }
        func int(_ v: JSONValue?) -> Int? { if case .int(let i)? = v { return i }; return nil }
        vocabularySize = int(json["vocabulary_size"]) ?? 0
        bosId = int(json["bos"])
        eosId = int(json["eos"])
        special = Dictionary((json["special"]?.object ?? []).compactMap { k, v in int(v).map { (k, $0) } },
                             uniquingKeysWith: { a, _ in a })
        encodings = Dictionary((json["encodings"]?.object ?? []).map { ($0.0, ints($0.1)) }, uniquingKeysWith: { a, _ in a })
        pieces = Dictionary((json["pieces"]?.object ?? []).compactMap { k, v in
            Int(k).flatMap { id in v.string.map { (id, $0) } }
        }, uniquingKeysWith: { a, _ in a })
        bytes = Dictionary((json["bytes"]?.object ?? []).compactMap { k, v in
            Int(k).flatMap { id in v.string.map { (id, Self.hex($0)) } }
        }, uniquingKeysWith: { a, _ in a })
    }

    static func hex(_ s: String) -> [UInt8] {
        let chars = Array(s.utf8)
        return stride(from: 0, to: chars.count - 1, by: 2).compactMap {
            UInt8(String(decoding: chars[$0...$0 + 1], as: UTF8.self), radix: 16)
        }
    }

    var addsBosByDefault: Bool { true }
    func isEndOfGeneration(_ id: Int) -> Bool { id == eosId }
    func specialTokenId(_ text: String) -> Int? { special[text] }

    func encode(_ text: String, addBos: Bool, parseSpecial: Bool) throws -> [Int] {
        guard let ids = encodings[text] else { throw Missing(what: "the ids of \(text.debugDescription)") }
        return (addBos ? [bosId].compactMap { $0 } : []) + ids
    }

    func decode(_ ids: [Int]) throws -> String {
        String(decoding: try ids.flatMap { try pieceBytes($0) }, as: UTF8.self)
    }

    func pieceBytes(_ id: Int) throws -> [UInt8] {
        guard let b = bytes[id] else { throw Missing(what: "the bytes of id \(id)") }
        return b
    }

    /// Text encoded with this tokenizer's recorded answers, for building model outputs by hand.
    func ids(_ text: String) throws -> [Int] { try encode(text, addBos: false, parseSpecial: false) }
}

/// The same for SentencePiece files, whose pieces ("▁Hello", "<0x0A>") mistral-common shows in `text`.
struct RecordedSentencePieceTokenizer: Tokenizer, SentencePieceVocabulary {
    let recorded: RecordedTokenizer
    init(_ recorded: RecordedTokenizer) { self.recorded = recorded }

    var vocabularySize: Int { recorded.vocabularySize }
    var bosId: Int? { recorded.bosId }
    var eosId: Int? { recorded.eosId }
    var addsBosByDefault: Bool { true }
    func isEndOfGeneration(_ id: Int) -> Bool { recorded.isEndOfGeneration(id) }
    func specialTokenId(_ text: String) -> Int? { recorded.specialTokenId(text) }
    func encode(_ text: String, addBos: Bool, parseSpecial: Bool) throws -> [Int] {
        try recorded.encode(text, addBos: addBos, parseSpecial: parseSpecial)
    }
    func decode(_ ids: [Int]) throws -> String { try recorded.decode(ids) }
    func pieceBytes(_ id: Int) throws -> [UInt8] { try recorded.pieceBytes(id) }

    func vocabularyPiece(_ id: Int) throws -> String {
        guard let p = recorded.pieces[id] else { throw RecordedTokenizer.Missing(what: "the piece of id \(id)") }
        return p
    }
}
