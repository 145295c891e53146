/// Mistral's Tekken tokenizer (`tekken.json`). Port of mistral-common tekken.py `Tekkenizer`: tiktoken
/// byte-level BPE over the file's ranks, the file's `config.pattern` as pre-tokenizer (matched by
/// `TekkenPattern`, by hand, exactly as tiktoken's regex engine does), and `num_special_tokens` special
/// tokens in front of the ranks (token id = rank + num_special_tokens).
///
/// `encode(text, addBos:, parseSpecial: false)` equals mistral-common's `encode(text, bos=addBos, eos=False)`;
/// `decode` equals its `decode(ids)` (special tokens ignored, invalid UTF-8 replaced as Python does).
/// With `parseSpecial: true` the texts of special tokens ("[INST]", "</s>") become those tokens.
public struct TekkenTokenizer: Tokenizer {
    /// Token bytes -> rank, for ranks below `vocabularySize - numberOfSpecialTokens`.
    let ranks: ByteStringTable
    let tokenBytes: [UInt8]
    let tokenStart: [Int32]            // (ranks + 1)
    let specialTexts: [String]         // (numberOfSpecialTokens) text of each special token
    let specialIds: [String: Int]
    let specialMatcher: SpecialTokenMatcher
    public let numberOfSpecialTokens: Int
    public let vocabularySize: Int
    public let bosId: Int?
    public let eosId: Int?
    /// The instruct-format version the file declares (`config.version`, e.g. "v3"), if any.
    public let configVersion: String?
    /// v15 files: what a request may set in `[MODEL_SETTINGS]` (`model_settings_builder`).
    public let modelSettingsBuilder: MistralModelSettingsBuilder?

    /// Reads a `tekken.json` file.
    public init(contentsOf path: String) throws {
        try self.init(json: try readFile(path), path: path)
    }

    /// Parses the bytes of a `tekken.json`; `path` only names the file in errors.
    public init(json bytes: [UInt8], path: String = "tekken.json") throws {
        let file = try TekkenFile.parse(bytes, path: path)
        guard file.config.pattern == TekkenPattern.source else {
            throw TokenizerFileError.unsupported(
                path: path, feature: "the pre-tokenizer pattern \(file.config.pattern) (Bora implements Tekken's: "
                    + "\(TekkenPattern.source))")
        }
        let numSpecial = file.config.defaultNumSpecialTokens
        let vocabularySize = file.config.defaultVocabSize
        let innerSize = vocabularySize - numSpecial
        guard numSpecial >= 0, innerSize >= 256, innerSize <= file.vocab.count else {
            throw TokenizerFileError.inconsistentVocabulary(
                path: path, detail: "default_vocab_size \(vocabularySize) with \(numSpecial) special tokens needs "
                    + "\(innerSize) vocab entries (at least 256) but the file has \(file.vocab.count)")
        }

        // Special tokens: the file's list (ranks 0, 1, ...) or mistral-common's defaults, then fillers.
        var specials = file.specialTokens?.map(\.tokenString) ?? TekkenFile.deprecatedSpecialTokens
        if let listed = file.specialTokens {
            for (i, token) in listed.enumerated() where token.rank != i {
                throw TokenizerFileError.inconsistentVocabulary(
                    path: path, detail: "special token '\(token.tokenString)' has rank \(token.rank), expected \(i)")
            }
        }
        guard specials.count <= numSpecial else {
            throw TokenizerFileError.inconsistentVocabulary(
                path: path, detail: "\(specials.count) special tokens but default_num_special_tokens is \(numSpecial)")
        }
        for i in specials.count..<numSpecial { specials.append("<SPECIAL_\(i)>") }
        var specialIds: [String: Int] = [:]
        for (id, text) in specials.enumerated() {
            guard specialIds.updateValue(id, forKey: text) == nil else {
                throw TokenizerFileError.inconsistentVocabulary(path: path, detail: "special token '\(text)' repeats")
            }
        }

        // Ranks, truncated to the vocabulary size as mistral-common's `_reload_mergeable_ranks`.
        var ranks = ByteStringTable(minimumCapacity: innerSize)
        var tokenBytes: [UInt8] = []
        var tokenStart: [Int32] = [0]
        tokenBytes.reserveCapacity(innerSize * 7)
        tokenStart.reserveCapacity(innerSize + 1)
        for (i, entry) in file.vocab.prefix(innerSize).enumerated() {
            guard entry.rank == i else {
                throw TokenizerFileError.inconsistentVocabulary(
                    path: path, detail: "vocab entry \(i) has rank \(entry.rank)")
            }
            guard let bytes = Base64.decode(entry.tokenBytes), !bytes.isEmpty else {
                throw TokenizerFileError.badBase64(path: path, rank: i, text: entry.tokenBytes)
            }
            guard i >= 256 || bytes == [UInt8(i)] else {
                throw TokenizerFileError.inconsistentVocabulary(
                    path: path, detail: "rank \(i) must be the single byte \(i)")
            }
            guard ranks.insert(bytes, value: Int32(i), replace: false) == Int32(i) else {
                throw TokenizerFileError.inconsistentVocabulary(path: path, detail: "rank \(i) repeats an earlier token")
            }
            tokenBytes.append(contentsOf: bytes)
            tokenStart.append(Int32(tokenBytes.count))
        }
        self.ranks = ranks
        self.tokenBytes = tokenBytes
        self.tokenStart = tokenStart
        self.specialTexts = specials
        self.specialIds = specialIds
        self.specialMatcher = SpecialTokenMatcher(specials.enumerated().map { (Array($0.element.utf8), $0.offset) })
        self.numberOfSpecialTokens = numSpecial
        self.vocabularySize = vocabularySize
        self.bosId = specialIds["<s>"]
        self.eosId = specialIds["</s>"]
        self.configVersion = file.config.version
        self.modelSettingsBuilder = try file.modelSettingsBuilder.flatMap { json throws(TokenizerFileError) in
            try MistralModelSettingsBuilder(json: json, path: path)
        }
    }

    public var unknownId: Int? { specialIds["<unk>"] }
    /// mistral-common's prompts start with BOS.
    public var addsBosByDefault: Bool { true }

    /// EOS only (`</s>`).
    public func isEndOfGeneration(_ id: Int) -> Bool { id == eosId }

    /// Ids below `numberOfSpecialTokens` (mistral-common `is_special`).
    public func isSpecial(_ id: Int) -> Bool { id >= 0 && id < numberOfSpecialTokens }

    /// The id of a special token by its text ("[INST]", "<s>", "<SPECIAL_42>").
    public func specialTokenId(_ text: String) -> Int? { specialIds[text] }

    /// The bytes of `id` (mistral-common `id_to_byte_piece`); a special token gives its text.
    public func pieceBytes(_ id: Int) throws -> [UInt8] {
        let id = try checked(id)
        if id < numberOfSpecialTokens { return Array(specialTexts[id].utf8) }
        let rank = id - numberOfSpecialTokens
        return Array(tokenBytes[Int(tokenStart[rank])..<Int(tokenStart[rank + 1])])
    }

    func checked(_ id: Int) throws -> Int {
        guard id >= 0, id < vocabularySize else {
            throw TokenizerError.idOutOfRange(id: id, vocabularySize: vocabularySize)
        }
        return id
    }

    public func decode(_ ids: [Int]) throws -> String {
        try decode(ids, specialTokens: .ignore)
    }

    /// mistral-common's `decode(ids, special_token_policy)`: each run of ordinary tokens is decoded as one
    /// byte string (invalid UTF-8 -> U+FFFD per maximal invalid subsequence, as Python's "replace"); special
    /// tokens are dropped (`.ignore`), written as their text (`.keep`) or refused (`.raise`).
    public func decode(_ ids: [Int], specialTokens policy: SpecialTokenPolicy) throws -> String {
        var text = ""
        var run: [UInt8] = []
        for id in ids {
            let id = try checked(id)
            if id >= numberOfSpecialTokens {
                let rank = id - numberOfSpecialTokens
                run.append(contentsOf: tokenBytes[Int(tokenStart[rank])..<Int(tokenStart[rank + 1])])
                continue
            }
            if !run.isEmpty {
                text += String(decoding: run, as: UTF8.self)
                run.removeAll(keepingCapacity: true)
            }
            switch policy {
            case .ignore: continue
            case .keep: text += specialTexts[id]
            case .raise: throw TokenizerFileError.specialTokenInDecode(id: id)
            }
        }
        if !run.isEmpty { text += String(decoding: run, as: UTF8.self) }
        return text
    }

    public func encode(_ text: String, addBos: Bool, parseSpecial: Bool) throws -> [Int] {
        var output: [Int] = []
        if addBos {
            guard let bos = bosId else { throw TokenizerError.missingSpecialToken("bos") }
            output.append(bos)
        }
        let bytes = Array(text.utf8)
        output.reserveCapacity(output.count + bytes.count / 3)
        var scratch = TekkenScratch()
        if parseSpecial {
            for fragment in specialMatcher.split(bytes) {
                switch fragment {
                case .token(let id): output.append(id)
                case .text(let range): encodeText(bytes[range], into: &output, scratch: &scratch)
                }
            }
        } else {
            encodeText(bytes[...], into: &output, scratch: &scratch)
        }
        return output
    }

    /// Pre-tokenizes with the Tekken pattern and merges each piece.
    func encodeText(_ text: ArraySlice<UInt8>, into output: inout [Int], scratch: inout TekkenScratch) {
        guard !text.isEmpty else { return }
        TekkenPattern.classify(text, into: &scratch.pattern)
        let offset = numberOfSpecialTokens
        text.withUnsafeBufferPointer { bytes in
            scratch.pattern.forEachPiece { start, end in
                let piece = UnsafeBufferPointer(rebasing: bytes[start..<end])
                if let rank = ranks.value(piece) {
                    output.append(Int(rank) + offset)
                } else {
                    RankedMerge.merge(piece, ranks: ranks, offset: offset, into: &output, scratch: &scratch.merge)
                }
            }
        }
    }
}

/// Buffers of one `encode` call.
struct TekkenScratch {
    var pattern = TekkenPattern.Scratch()
    var merge = RankedMerge.Scratch()
}
