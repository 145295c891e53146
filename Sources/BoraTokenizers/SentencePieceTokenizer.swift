/// SentencePiece BPE ("llama" GGUF vocabularies: Llama 1/2, Mistral v1-v3 tokenizers).
/// Port of llama.cpp `llm_tokenizer_spm_session` (src/llama-vocab.cpp): spaces become U+2581, a space is
/// prefixed to text after BOS or a special token when `add_space_prefix`, adjacent symbols merge highest
/// score first, and characters that end up as no token fall back to `<0xXX>` byte tokens.
public struct SentencePieceTokenizer: Tokenizer {
    let core: VocabularyCore
    let scores: [Float]
    /// Token for each byte: `<0xXX>`, else the one-byte token, else the unknown token; -1 if none.
    let byteTokens: [Int32]
    let pieces: TokenPieces

    public init(_ vocabulary: GGUFVocabulary) throws {
        guard vocabulary.model == "llama" else { throw TokenizerError.unsupportedModel(vocabulary.model) }
        let core = try VocabularyCore(
            vocabulary, defaultSpecialIds: (bos: 1, eos: 2, unk: 0),
            defaultAddsBos: true, defaultAddSpacePrefix: true)
        let n = vocabulary.tokens.count
        if let scores = vocabulary.scores, scores.count < n {
            throw TokenizerError.arrayLengthMismatch(key: "tokenizer.ggml.scores", expected: n, actual: scores.count)
        }
        self.core = core
        self.scores = vocabulary.scores.map { Array($0.prefix(n)) } ?? [Float](repeating: 0, count: n)
        let hex = Array("0123456789ABCDEF".utf8)
        self.byteTokens = (0..<256).map { byte -> Int32 in
            let name: [UInt8] = Array("<0x".utf8) + [hex[byte >> 4], hex[byte & 15], UInt8(ascii: ">")]
            return core.tokenIds.value(name) ?? core.tokenIds.value([UInt8(byte)]) ?? core.unknownId.map(Int32.init) ?? -1
        }
        self.pieces = TokenPieces(core) { text in Self.unescapeWhitespace(text) }
    }

    public var vocabularySize: Int { core.count }
    public var bosId: Int? { core.bosId }
    public var eosId: Int? { core.eosId }
    public var addsBosByDefault: Bool { core.addsBos }
    public func specialTokenId(_ text: String) -> Int? { core.specialTokenId(text) }

    public func isEndOfGeneration(_ id: Int) -> Bool {
        id >= 0 && id < core.count && core.endOfGeneration.contains(Int32(id))
    }

    public func encode(_ text: String, addBos: Bool, parseSpecial: Bool) throws -> [Int] {
        var output: [Int] = []
        if addBos {
            guard let bos = core.bosId else { throw TokenizerError.missingSpecialToken("bos") }
            output.append(bos)
        }
        let bytes = Array(text.utf8)
        var scratch = SPMScratch()
        var previousIsSpecial = true   // the first fragment gets the space prefix too
        for fragment in SpecialTokenPartition.split(bytes, core: core, parseSpecial: parseSpecial) {
            switch fragment {
            case .token(let id):
                output.append(id)
                previousIsSpecial = true
            case .text(let range):
                scratch.text.removeAll(keepingCapacity: true)
                if core.addSpacePrefix && previousIsSpecial { scratch.text.append(contentsOf: Self.escapedSpace) }
                for byte in bytes[range] {
                    if byte == 0x20 {
                        scratch.text.append(contentsOf: Self.escapedSpace)
                    } else {
                        scratch.text.append(byte)
                    }
                }
                try encodeEscaped(into: &output, scratch: &scratch)
                previousIsSpecial = false
            }
        }
        return output
    }

    public func decode(_ ids: [Int]) throws -> String {
        try pieces.decode(ids, core: core, cleanSpaces: false)
    }

    public func pieceBytes(_ id: Int) throws -> [UInt8] {
        Array(pieces.bytes(of: try core.checked(id)))
    }

    /// U+2581 LOWER ONE EIGHTH BLOCK, SentencePiece's visible space.
    static let escapedSpace: [UInt8] = [0xE2, 0x96, 0x81]

    static func unescapeWhitespace(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var i = text.startIndex
        while i < text.endIndex {
            if text[i] == 0xE2, i + 2 < text.endIndex, text[i + 1] == 0x96, text[i + 2] == 0x81 {
                out.append(0x20)
                i += 3
            } else {
                out.append(text[i])
                i += 1
            }
        }
        return out
    }
}
