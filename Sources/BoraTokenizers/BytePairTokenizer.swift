/// Byte-level BPE ("gpt2" GGUF vocabularies: GPT-2, Llama 3, Qwen 2, SmolLM, Tekken, ...).
/// Port of llama.cpp `llm_tokenizer_bpe_session` (src/llama-vocab.cpp): special-token partition,
/// pre-tokenizer chosen by `tokenizer.ggml.pre`, GPT-2 byte encoding, then merges lowest rank first.
public struct BytePairTokenizer: Tokenizer {
    let core: VocabularyCore
    let merges: MergeTable
    let preTokenizer: PreTokenizer
    let configuration: PreTokenizerConfiguration
    let pieces: TokenPieces

    public init(_ vocabulary: GGUFVocabulary) throws {
        guard vocabulary.model == "gpt2" else { throw TokenizerError.unsupportedModel(vocabulary.model) }
        guard let merges = vocabulary.merges else { throw TokenizerError.missingMerges }
        let configuration = PreTokenizerConfiguration(pre: vocabulary.pre)
        let core = try VocabularyCore(
            vocabulary, defaultSpecialIds: (bos: 11, eos: 11, unk: nil),
            defaultAddsBos: configuration.addsBos, defaultAddSpacePrefix: false, hasNoBos: configuration.hasNoBos)
        self.core = core
        self.configuration = configuration
        self.merges = try MergeTable(tokenIds: core.tokenIds, tokens: vocabulary.tokens, merges: merges)
        self.preTokenizer = PreTokenizer(kind: configuration.kind)
        self.pieces = TokenPieces(core) { text in ByteLevelEncoding.decode(text) }
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
        var scratch = BPEScratch()
        for fragment in SpecialTokenPartition.split(bytes, core: core, parseSpecial: parseSpecial) {
            switch fragment {
            case .token(let id):
                output.append(id)
            case .text(let range):
                encodeFragment(bytes[range], into: &output, scratch: &scratch)
            }
        }
        return output
    }

    public func decode(_ ids: [Int]) throws -> String {
        try pieces.decode(ids, core: core, cleanSpaces: configuration.cleanSpaces)
    }

    public func pieceBytes(_ id: Int) throws -> [UInt8] {
        Array(pieces.bytes(of: try core.checked(id)))
    }

    private func encodeFragment(_ text: ArraySlice<UInt8>, into output: inout [Int], scratch: inout BPEScratch) {
        let (scalars, offsets) = UTF8Scalars.decode(text)
        for word in preTokenizer.split(scalars) {
            encodeWord(text[offsets[word.lowerBound]..<offsets[word.upperBound]], into: &output, scratch: &scratch)
        }
    }
}
