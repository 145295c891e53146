/// What both tokenizers share: token bytes, text -> id, attributes, special ids and the end-of-generation set,
/// resolved from a `GGUFVocabulary` the way llama.cpp's `llama_vocab::impl::load` does
/// (defaults per model, ids out of range ignored, control-looking tokens promoted to control).
struct VocabularyCore: Sendable {
    /// Token texts as UTF-8, concatenated; token `i` is `tokenBytes[tokenStart[i]..<tokenStart[i + 1]]`.
    let tokenBytes: [UInt8]
    let tokenStart: [Int32]                 // (vocabularySize + 1)
    let attributes: [TokenAttributes]       // (vocabularySize)
    /// Text -> id; when two tokens have the same text the later id wins, as in llama.cpp's `token_to_id`.
    let tokenIds: ByteStringTable
    /// Control, user-defined and unknown tokens, longest text first (ties by id): the order in which
    /// `SpecialTokenPartition` matches them.
    let specialTokens: [Int32]
    let endOfGeneration: Set<Int32>
    let bosId: Int?
    let eosId: Int?
    let unknownId: Int?
    let addsBos: Bool
    let addSpacePrefix: Bool

    var count: Int { attributes.count }

    func specialTokenId(_ text: String) -> Int? {
        guard let id = tokenIds.value(Array(text.utf8)).map(Int.init), id < count,
              !attributes[id].isDisjoint(with: .special) else { return nil }
        return id
    }

    /// - Parameters:
    ///   - defaultSpecialIds: llama.cpp's per-model defaults (bos, eos, unk), used when the file has no key.
    ///   - defaultAddsBos / defaultAddSpacePrefix: per-model defaults before `add_bos_token` / `add_space_prefix`.
    init(_ vocabulary: GGUFVocabulary, defaultSpecialIds: (bos: Int?, eos: Int?, unk: Int?),
         defaultAddsBos: Bool, defaultAddSpacePrefix: Bool, hasNoBos: Bool = false) throws {
        let n = vocabulary.tokens.count
        guard n > 0 else { throw TokenizerError.emptyVocabulary }
        if let types = vocabulary.tokenTypes, types.count < n {
            throw TokenizerError.arrayLengthMismatch(key: "tokenizer.ggml.token_type", expected: n, actual: types.count)
        }

        var bytes: [UInt8] = []
        var starts: [Int32] = [0]
        var table = ByteStringTable(minimumCapacity: n)
        var attributes: [TokenAttributes] = []
        bytes.reserveCapacity(n * 8)
        starts.reserveCapacity(n + 1)
        attributes.reserveCapacity(n)
        for (i, token) in vocabulary.tokens.enumerated() {
            // llama.cpp renames empty tokens so that they stay distinct.
            let text = token.isEmpty ? "[EMPTY_\(i)]" : token
            table.insert(text.utf8, value: Int32(i), replace: true)
            bytes.append(contentsOf: text.utf8)
            starts.append(Int32(bytes.count))
            attributes.append(TokenAttributes(tokenType: vocabulary.tokenTypes?[i]))
        }

        func resolve(_ fileId: Int?, default defaultId: Int?) -> Int? {
            if let id = fileId, id >= 0, id < n { return id }
            if let id = defaultId, id >= 0, id < n { return id }
            return nil
        }
        let bos = resolve(vocabulary.bosId, default: hasNoBos ? nil : defaultSpecialIds.bos)
        let eos = resolve(vocabulary.eosId, default: defaultSpecialIds.eos)
        var eot = resolve(vocabulary.eotId, default: nil)
        var eom = resolve(vocabulary.eomId, default: nil)
        bosId = bos
        eosId = eos
        unknownId = resolve(vocabulary.unknownId, default: defaultSpecialIds.unk)
        addsBos = vocabulary.addBos ?? defaultAddsBos
        addSpacePrefix = vocabulary.addSpacePrefix ?? defaultAddSpacePrefix

        // llama.cpp finds EOT/EOM/FIM tokens by text when the file does not name them, and promotes each one
        // it finds to a control token. Its map iteration order is unspecified; we take the lowest id.
        func idOf(_ texts: [String]) -> Int? {
            texts.compactMap { table.value(Array($0.utf8)) }.map(Int.init).min()
        }
        func promote(_ id: Int?) {
            if let id { attributes[id].insert(.control) }
        }
        if eot == nil { eot = idOf(Self.eotTexts); promote(eot) }
        if eom == nil { eom = idOf(["<|eom_id|>"]); promote(eom) }
        for texts in Self.fimTexts { promote(idOf(texts)) }
        var endOfGeneration = Set<Int32>()
        for texts in Self.endOfGenerationFimTexts {
            if let id = idOf(texts) { promote(id); endOfGeneration.insert(Int32(id)) }
        }
        for text in Self.endOfGenerationTexts {
            if let id = table.value(Array(text.utf8)) {
                attributes[Int(id)].insert(.control)
                endOfGeneration.insert(id)
            }
        }
        for text in ["<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"] {   // gpt-oss
            if let id = table.value(Array(text.utf8)) { attributes[Int(id)] = .userDefined }
        }
        for id in [eos, eot, eom].compactMap({ $0 }) { endOfGeneration.insert(Int32(id)) }
        // o200k_harmony / solar-open: "<|end|>" ends a message, not the generation.
        let eogTexts = Set(endOfGeneration.map { id -> String in
            String(decoding: bytes[Int(starts[Int(id)])..<Int(starts[Int(id) + 1])], as: UTF8.self)
        })
        if let end = table.value(Array("<|end|>".utf8)), endOfGeneration.contains(end),
           (eogTexts.contains("<|return|>") && eogTexts.contains("<|call|>"))
            || (eogTexts.contains("<|calls|>") && eogTexts.contains("<|flush|>")) {
            endOfGeneration.remove(end)
            attributes[Int(end)] = .userDefined
        }
        // gemma4 / plamo: "</s>" is a normal token there.
        if let s = table.value(Array("</s>".utf8)), endOfGeneration.contains(s),
           eogTexts.contains("<|tool_response>") || eogTexts.contains("<|plamo:eos|>") {
            endOfGeneration.remove(s)
            attributes[Int(s)] = .normal
        }

        let special = (0..<n).filter { !attributes[$0].isDisjoint(with: .special) }
        specialTokens = special.map { Int32($0) }.sorted { a, b in
            let la = starts[Int(a) + 1] - starts[Int(a)], lb = starts[Int(b) + 1] - starts[Int(b)]
            return la != lb ? la > lb : a < b
        }
        self.tokenBytes = bytes
        self.tokenStart = starts
        self.attributes = attributes
        self.tokenIds = table
        self.endOfGeneration = endOfGeneration
    }

    func checked(_ id: Int) throws -> Int {
        guard id >= 0, id < count else { throw TokenizerError.idOutOfRange(id: id, vocabularySize: count) }
        return id
    }

    func bytes(of id: Int) -> ArraySlice<UInt8> {
        tokenBytes[Int(tokenStart[id])..<Int(tokenStart[id + 1])]
    }

    /// The byte of a `<0xXX>` byte token.
    func byteValue(of id: Int) -> UInt8? {
        let text = bytes(of: id)
        guard text.count == 6, text.starts(with: "<0x".utf8), text.last == UInt8(ascii: ">") else { return nil }
        let i = text.startIndex
        guard let hi = Self.hexValue(text[i + 3]), let lo = Self.hexValue(text[i + 4]) else { return nil }
        return hi << 4 | lo
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        default: return nil
        }
    }

    // Token texts llama.cpp recognises (src/llama-vocab.cpp, "auto-detect special tokens by text").
    static let eotTexts = ["<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
                           "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>"]
    static let fimTexts = [
        ["<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>"],
        ["<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>"],
        ["<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>"],
    ]
    /// FIM pad, repo and file-separator tokens also end generation.
    static let endOfGenerationFimTexts = [
        ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"],
        ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"],
        ["<|file_sep|>"],
    ]
    static let endOfGenerationTexts = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>",
        "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>",
        "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>", "<｜end▁of▁sentence｜>", "[e~[",
    ]
}
