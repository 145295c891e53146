import Foundation

/// Small tokenizer files written by hand for unit tests: a SentencePiece `ModelProto` encoded field by field
/// (field numbers from Sources/BoraTokenizers/Proto/sentencepiece_model.proto) and a tiny `tekken.json`.
enum TinyTokenizerFiles {
    /// Protobuf wire format: varints and length-delimited fields.
    struct ProtobufWriter {
        var bytes: [UInt8] = []

        mutating func varint(_ value: UInt64) {
            var v = value
            while v >= 0x80 {
                bytes.append(UInt8(v & 0x7F) | 0x80)
                v >>= 7
            }
            bytes.append(UInt8(v))
        }
        mutating func tag(_ field: Int, _ wire: Int) { varint(UInt64(field << 3 | wire)) }
        mutating func int(_ field: Int, _ value: Int) {
            tag(field, 0)
            varint(UInt64(bitPattern: Int64(value)))
        }
        mutating func bytes(_ field: Int, _ value: [UInt8]) {
            tag(field, 2)
            varint(UInt64(value.count))
            bytes.append(contentsOf: value)
        }
        mutating func string(_ field: Int, _ value: String) { bytes(field, Array(value.utf8)) }
        mutating func float(_ field: Int, _ value: Float) {
            tag(field, 5)
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
    }

    /// Piece types as in the proto: 1 normal, 2 unknown, 3 control, 4 user-defined, 6 byte.
    static func sentencePiece(_ pieces: [(String, Float, Int)], modelType: Int = 2, byteFallback: Bool = true,
                              addDummyPrefix: Bool = true, removeExtraWhitespaces: Bool = false,
                              charsmap: [UInt8] = []) -> [UInt8] {
        var model = ProtobufWriter()
        for (text, score, type) in pieces {
            var piece = ProtobufWriter()
            piece.string(1, text)
            piece.float(2, score)
            piece.int(3, type)
            model.bytes(1, piece.bytes)
        }
        var trainer = ProtobufWriter()
        trainer.int(3, modelType)
        trainer.int(4, pieces.count)
        trainer.int(35, byteFallback ? 1 : 0)
        trainer.int(40, 0)
        trainer.int(41, 1)
        trainer.int(42, 2)
        model.bytes(2, trainer.bytes)
        var normalizer = ProtobufWriter()
        normalizer.string(1, charsmap.isEmpty ? "identity" : "nmt_nfkc")
        if !charsmap.isEmpty { normalizer.bytes(2, charsmap) }
        normalizer.int(3, addDummyPrefix ? 1 : 0)
        normalizer.int(4, removeExtraWhitespaces ? 1 : 0)
        normalizer.int(5, 1)
        model.bytes(3, normalizer.bytes)
        return model.bytes
    }

    /// <unk> <s> </s> [INST] [REF](user-defined), the 256 byte pieces, then `normal` pieces with scores.
    static func sentencePieceWithBytes(_ normal: [(String, Float)], byteFallback: Bool = true,
                                       removeExtraWhitespaces: Bool = false) -> [UInt8] {
        var pieces: [(String, Float, Int)] = [("<unk>", 0, 2), ("<s>", 0, 3), ("</s>", 0, 3), ("[INST]", 0, 3),
                                              ("[REF]", 0, 4)]
        pieces += (0..<256).map { (String(format: "<0x%02X>", $0), 0, 6) }
        pieces += normal.map { ($0.0, $0.1, 1) }
        return sentencePiece(pieces, byteFallback: byteFallback, removeExtraWhitespaces: removeExtraWhitespaces)
    }

    static let tekkenPattern = #"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// A tekken.json: 4 special tokens (<unk> <s> </s> [INST]) + 2 fillers, the 256 bytes, then `merged`.
    static func tekken(_ merged: [String], badBase64At: Int? = nil, pattern: String = tekkenPattern,
                       vocabSize: Int? = nil) throws -> [UInt8] {
        var vocab: [[String: Any]] = []
        for i in 0..<256 {
            vocab.append(["rank": i, "token_bytes": Data([UInt8(i)]).base64EncodedString(), "token_str": NSNull()])
        }
        for (i, text) in merged.enumerated() {
            let encoded = badBase64At == 256 + i ? "%%not base64%%" : Data(text.utf8).base64EncodedString()
            vocab.append(["rank": 256 + i, "token_bytes": encoded, "token_str": text])
        }
        let specials = ["<unk>", "<s>", "</s>", "[INST]"].enumerated().map {
            ["rank": $0.offset, "token_str": $0.element, "is_control": true] as [String: Any]
        }
        let json: [String: Any] = [
            "config": ["pattern": pattern, "num_vocab_tokens": vocab.count,
                       "default_vocab_size": vocabSize ?? vocab.count + 6, "default_num_special_tokens": 6,
                       "version": "v7"],
            "vocab": vocab,
            "special_tokens": specials,
        ]
        return Array(try JSONSerialization.data(withJSONObject: json))
    }

    /// Writes `bytes` to a fresh temporary directory as `name`; returns the path.
    static func write(_ bytes: [UInt8], as name: String, in directory: String? = nil) throws -> String {
        let dir = directory ?? makeDirectory()
        let path = dir + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func makeDirectory() -> String {
        let dir = NSTemporaryDirectory() + "bora-tok-files-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}
