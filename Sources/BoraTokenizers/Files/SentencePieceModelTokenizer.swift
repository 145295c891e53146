/// A SentencePiece BPE `tokenizer.model` (Mistral v1/v2/v3/v7, Llama 2), with the behaviour of the
/// `sentencepiece` library as mistral-common calls it (mistral_common/tokens/tokenizers/sentencepiece.py):
/// `encode(text, addBos:, parseSpecial: false)` equals `tokenizer.encode(text, bos=addBos, eos=False)` and
/// `decode` equals `tokenizer.decode(ids)` (special tokens ignored).
///
/// Not llama.cpp's rules (`SentencePieceTokenizer`): the text is normalized as a whole (one "▁" prefix,
/// spaces as "▁"), user-defined pieces such as `[REFERENCE_DOC_1]` are single symbols that never merge,
/// control pieces (`<s>`, `[INST]`) are never read from text, and decoding drops control tokens.
/// With `parseSpecial: true` the texts of control tokens become those tokens and each text between them is
/// encoded on its own, as if by a separate `encode` call.
public struct SentencePieceModelTokenizer: Tokenizer {
    let model: SentencePieceModel
    /// Pieces merging may produce (normal, user-defined, unused) -> id, as sentencepiece's `pieces_`.
    let mergeable: ByteStringTable
    /// Every piece -> id, reserved pieces (control, unknown, byte) first, as sentencepiece's `PieceToId`.
    let pieceIds: ByteStringTable
    /// The `<0xXX>` piece of each byte, or -1 (no byte fallback for that byte).
    let byteIds: [Int32]
    /// User-defined pieces, matched in text before merging.
    let userDefined: SpecialTokenMatcher
    /// Control pieces, matched in text only with `parseSpecial`.
    let control: SpecialTokenMatcher
    /// The byte each byte piece stands for (0 for other pieces).
    let byteValues: [UInt8]
    /// True when no piece merging can produce has a "▁" after another character, unless all of it is "▁"
    /// (true of models trained with split_by_whitespace, as Mistral's and Llama's). Then no merge joins a
    /// character to a following "▁", so the text encodes as independent segments, each starting at a
    /// "▁" run: the same result as one pass over the whole text, with small merge queues.
    let segmentable: Bool

    /// Reads a `tokenizer.model` file.
    public init(contentsOf path: String) throws {
        try self.init(serialized: try readFile(path), path: path)
    }

    /// Parses a serialized `ModelProto`; `path` only names the file in errors.
    public init(serialized bytes: [UInt8], path: String = "tokenizer.model") throws {
        let model = try SentencePieceModel(serialized: bytes, path: path)
        let n = model.pieces.count
        var mergeable = ByteStringTable(minimumCapacity: n)
        var pieceIds = ByteStringTable(minimumCapacity: n)
        var byteValues = [UInt8](repeating: 0, count: n)
        var userDefined: [(text: [UInt8], id: Int)] = []
        var control: [(text: [UInt8], id: Int)] = []
        for (id, piece) in model.pieces.enumerated() {
            switch model.types[id] {
            case .normal, .unused:
                mergeable.insert(piece, value: Int32(id), replace: false)
            case .userDefined:
                mergeable.insert(piece, value: Int32(id), replace: false)
                userDefined.append((piece, id))
            case .control:
                control.append((piece, id))
            case .byte:
                guard let value = SentencePieceModel.byteValue(of: piece) else {
                    throw TokenizerFileError.inconsistentVocabulary(
                        path: path, detail: "byte piece \(id) '\(String(decoding: piece, as: UTF8.self))' is not <0xXX>")
                }
                byteValues[id] = value
            case .unknown:
                break
            }
        }
        for (id, piece) in model.pieces.enumerated() where model.types[id] != .normal && model.types[id] != .unused
            && model.types[id] != .userDefined {
            pieceIds.insert(piece, value: Int32(id), replace: false)
        }
        for (id, piece) in model.pieces.enumerated() { pieceIds.insert(piece, value: Int32(id), replace: false) }
        self.segmentable = zip(model.pieces, model.types).allSatisfy { piece, type in
            switch type {
            case .normal, .unused, .userDefined: return Self.spacesOnlyLead(piece)
            default: return true
            }
        }
        var byteIds = [Int32](repeating: -1, count: 256)
        if model.byteFallback {
            for id in 0..<n where model.types[id] == .byte { byteIds[Int(byteValues[id])] = Int32(id) }
        }
        self.model = model
        self.mergeable = mergeable
        self.pieceIds = pieceIds
        self.byteIds = byteIds
        self.byteValues = byteValues
        self.userDefined = SpecialTokenMatcher(userDefined)
        self.control = SpecialTokenMatcher(control)
    }

    public var vocabularySize: Int { model.pieces.count }
    public var bosId: Int? { model.bosId }
    public var eosId: Int? { model.eosId }
    public var unknownId: Int? { model.unknownId }
    /// mistral-common's prompts start with BOS.
    public var addsBosByDefault: Bool { true }

    /// EOS only (`</s>`): Mistral's models end a generation with it.
    public func isEndOfGeneration(_ id: Int) -> Bool { id == model.eosId }

    /// Control pieces (sentencepiece `IsControl`, mistral-common `is_special`).
    public func isSpecial(_ id: Int) -> Bool {
        id >= 0 && id < model.pieces.count && model.types[id] == .control
    }

    /// Control, user-defined and unknown pieces by their text ("[INST]", "[REFERENCE_DOC_1]", "<unk>").
    public func specialTokenId(_ text: String) -> Int? {
        guard let id = pieceIds.value(Array(text.utf8)).map(Int.init) else { return nil }
        switch model.types[id] {
        case .control, .userDefined, .unknown: return id
        default: return nil
        }
    }

    /// The raw piece of `id`, "▁" and all (sentencepiece `id_to_piece`).
    public func piece(_ id: Int) throws -> String {
        String(decoding: model.pieces[try checked(id)], as: UTF8.self)
    }

    /// The bytes `id` renders to when streaming: a byte piece's byte, a normal piece with "▁" as space
    /// (the leading space is not dropped), the unknown surface (" ⁇ "), a control or user-defined piece's text.
    public func pieceBytes(_ id: Int) throws -> [UInt8] {
        let id = try checked(id)
        switch model.types[id] {
        case .byte: return [byteValues[id]]
        case .unknown: return model.unknownSurface
        case .control, .userDefined: return model.pieces[id]
        case .normal, .unused: return Self.unescape(model.pieces[id][...])
        }
    }

    func checked(_ id: Int) throws -> Int {
        guard id >= 0, id < model.pieces.count else {
            throw TokenizerError.idOutOfRange(id: id, vocabularySize: model.pieces.count)
        }
        return id
    }

    /// Whether every "▁" in `piece` is preceded only by "▁"s (or the piece is all "▁").
    static func spacesOnlyLead(_ piece: [UInt8]) -> Bool {
        var i = 0
        while i + 2 < piece.count, piece[i] == 0xE2, piece[i + 1] == 0x96, piece[i + 2] == 0x81 { i += 3 }
        // After the leading run, no further "▁".
        while i + 2 < piece.count {
            if piece[i] == 0xE2 && piece[i + 1] == 0x96 && piece[i + 2] == 0x81 { return false }
            i += 1
        }
        return true
    }

    /// U+2581 LOWER ONE EIGHTH BLOCK, SentencePiece's visible space.
    static let escapedSpace: [UInt8] = [0xE2, 0x96, 0x81]

    /// "▁" -> " ".
    static func unescape(_ piece: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(piece.count)
        var i = piece.startIndex
        while i < piece.endIndex {
            if piece[i] == 0xE2, i + 2 < piece.endIndex, piece[i + 1] == 0x96, piece[i + 2] == 0x81 {
                out.append(0x20)
                i += 3
            } else {
                out.append(piece[i])
                i += 1
            }
        }
        return out
    }
}
