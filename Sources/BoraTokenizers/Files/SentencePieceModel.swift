import SwiftProtobuf

/// A SentencePiece `tokenizer.model` (a serialized `sentencepiece.ModelProto`, see
/// `Proto/sentencepiece_model.proto`), read and checked: the pieces and the settings encoding needs.
struct SentencePieceModel: Sendable {
    /// `ModelProto.SentencePiece.Type`.
    enum PieceType: UInt8, Sendable {
        case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    var pieces: [[UInt8]]          // (vocabularySize) UTF-8 of each piece
    var scores: [Float]            // (vocabularySize)
    var types: [PieceType]         // (vocabularySize)
    var unknownId: Int?
    var bosId: Int?
    var eosId: Int?
    var padId: Int?
    var unknownSurface: [UInt8]
    var byteFallback: Bool
    var addDummyPrefix: Bool
    var removeExtraWhitespaces: Bool
    var escapeWhitespaces: Bool

    /// Parses and validates `bytes`; `path` only names the file in errors.
    init(serialized bytes: [UInt8], path: String) throws {
        let proto: Sentencepiece_ModelProto
        do {
            proto = try Sentencepiece_ModelProto(serializedBytes: bytes)
        } catch {
            throw TokenizerFileError.corruptProtobuf(path: path, reason: "protobuf decoding failed: \(error)")
        }
        // Fields are written in number order (pieces, trainer_spec, normalizer_spec): a file cut short
        // parses as a prefix, so the trailing messages are missing.
        guard !proto.pieces.isEmpty else {
            throw TokenizerFileError.corruptProtobuf(path: path, reason: "no pieces")
        }
        guard proto.hasTrainerSpec, proto.hasNormalizerSpec else {
            throw TokenizerFileError.corruptProtobuf(
                path: path, reason: "no \(proto.hasTrainerSpec ? "normalizer_spec" : "trainer_spec") after "
                    + "\(proto.pieces.count) pieces: the file is truncated")
        }
        let trainer = proto.trainerSpec, normalizer = proto.normalizerSpec
        if trainer.hasVocabSize, trainer.vocabSize > proto.pieces.count {
            throw TokenizerFileError.corruptProtobuf(
                path: path, reason: "trainer_spec.vocab_size is \(trainer.vocabSize) but the file has "
                    + "\(proto.pieces.count) pieces")
        }
        guard trainer.modelType == .bpe else {
            throw TokenizerFileError.unsupported(
                path: path, feature: "a SentencePiece \(trainer.modelType) model (only BPE is implemented)")
        }
        guard !trainer.treatWhitespaceAsSuffix else {
            throw TokenizerFileError.unsupported(path: path, feature: "treat_whitespace_as_suffix")
        }
        guard normalizer.precompiledCharsmap.isEmpty, normalizer.normalizationRuleTsv.isEmpty else {
            throw TokenizerFileError.unsupported(
                path: path, feature: "the SentencePiece normalizer '\(normalizer.name)' (only 'identity' is implemented)")
        }

        let n = proto.pieces.count
        pieces = []
        scores = []
        types = []
        pieces.reserveCapacity(n)
        scores.reserveCapacity(n)
        types.reserveCapacity(n)
        var seen = ByteStringTable(minimumCapacity: n)
        for (id, piece) in proto.pieces.enumerated() {
            let text = Array(piece.piece.utf8)
            guard !text.isEmpty else {
                throw TokenizerFileError.inconsistentVocabulary(path: path, detail: "piece \(id) is empty")
            }
            guard seen.insert(text, value: Int32(id), replace: false) == Int32(id) else {
                throw TokenizerFileError.inconsistentVocabulary(
                    path: path, detail: "piece \(id) '\(piece.piece)' repeats an earlier piece")
            }
            guard let type = PieceType(rawValue: UInt8(clamping: piece.type.rawValue)) else {
                throw TokenizerFileError.inconsistentVocabulary(path: path, detail: "piece \(id) has an unknown type")
            }
            pieces.append(text)
            scores.append(piece.score)
            types.append(type)
        }
        func id(_ value: Int32) -> Int? { value >= 0 && Int(value) < n ? Int(value) : nil }
        unknownId = types.firstIndex(of: .unknown)
        guard unknownId != nil else {
            throw TokenizerFileError.inconsistentVocabulary(path: path, detail: "no piece has type UNKNOWN")
        }
        bosId = id(trainer.bosID)
        eosId = id(trainer.eosID)
        padId = id(trainer.padID)
        unknownSurface = Array(trainer.unkSurface.utf8)
        byteFallback = trainer.byteFallback
        addDummyPrefix = normalizer.addDummyPrefix
        removeExtraWhitespaces = normalizer.removeExtraWhitespaces
        escapeWhitespaces = normalizer.escapeWhitespaces
    }

    /// The byte of a `<0xXX>` byte piece.
    static func byteValue(of piece: [UInt8]) -> UInt8? {
        guard piece.count == 6, piece.starts(with: "<0x".utf8), piece[5] == UInt8(ascii: ">"),
              let value = UInt8(String(decoding: piece[3..<5], as: UTF8.self), radix: 16) else { return nil }
        return value
    }
}
