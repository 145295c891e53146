import Foundation

/// A Hugging Face `tokenizer.json` with a BPE model: byte-level BPE (GPT-2, SmolLM2, Llama 3, Qwen 2.5,
/// Mistral Nemo's Tekken regex) and BPE with byte fallback (Llama 2 / Mistral 7B: Prepend + Replace
/// normalizer or a Metaspace pre-tokenizer). Behaviour of the `tokenizers` library:
/// - `encode(text, addBos: false, parseSpecial: true)` = `encode(text, add_special_tokens=False)`, added
///   tokens found in the text; `parseSpecial: false` = the same with `encode_special_tokens=True` (special
///   added tokens stay text; non-special ones are still matched); `addBos: true` adds the post-processor's
///   template tokens (`add_special_tokens=True`).
/// - `decode` = `decode(ids)` (skip_special_tokens=True); `decode(_:specialTokens: .keep)` keeps them.
public struct HuggingFaceTokenizer: Tokenizer {
    let configuration: HuggingFaceConfiguration
    let model: HuggingFaceBPE
    let tokens: [String?]                  // (vocabularySize) text of each id
    let specialIds: Set<Int>               // added tokens marked special
    let addedIds: [String: Int]
    let rawMatcher: SpecialTokenMatcher            // normalized == false, all
    let rawNonSpecialMatcher: SpecialTokenMatcher  // normalized == false, not special
    let normalizedMatcher: SpecialTokenMatcher     // normalized == true, all
    let normalizedNonSpecialMatcher: SpecialTokenMatcher
    public let vocabularySize: Int
    public let bosId: Int?
    public let eosId: Int?

    /// Reads a `tokenizer.json`; a `tokenizer_config.json` next to it, if any, names the EOS token.
    public init(contentsOf path: String) throws {
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        var eos: String?
        if let data = FileManager.default.contents(atPath: directory + "/tokenizer_config.json"),
           let config = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            eos = config["eos_token"] as? String ?? (config["eos_token"] as? [String: Any])?["content"] as? String
        }
        try self.init(json: try readFile(path), path: path, eosToken: eos)
    }

    /// Parses a `tokenizer.json`; `path` only names the file in errors. Without `eosToken`, EOS is the first
    /// special added token among "</s>", "<|endoftext|>", "<|im_end|>", "<|eot_id|>", "<|end_of_text|>", "<eos>".
    public init(json bytes: [UInt8], path: String = "tokenizer.json", eosToken: String? = nil) throws {
        let c = try HuggingFaceConfiguration(json: bytes, path: path)
        let size = max(c.vocab.map(\.id).max() ?? -1, c.addedTokens.map(\.id).max() ?? -1) + 1
        guard size > 0 else { throw TokenizerFileError.inconsistentVocabulary(path: path, detail: "the vocabulary is empty") }
        var tokens = [String?](repeating: nil, count: size)
        var table = ByteStringTable(minimumCapacity: c.vocab.count)
        for (text, id) in c.vocab {
            tokens[id] = text
            table.insert(text.utf8, value: Int32(id), replace: true)
        }
        var merges: [UInt64: UInt64] = [:]
        merges.reserveCapacity(c.merges.count)
        for (rank, (left, right)) in c.merges.enumerated() {
            let l8 = Array(left.utf8), r8 = Array(right.utf8)
            guard let l = table.value(l8), let r = table.value(r8), let m = table.value(l8 + r8) else {
                throw TokenizerFileError.inconsistentVocabulary(
                    path: path, detail: "merge \(rank) '\(left) \(right)' uses or makes a token that is not in model.vocab")
            }
            let key = UInt64(l) << 32 | UInt64(r)
            if merges[key] == nil { merges[key] = UInt64(rank) << 32 | UInt64(m) }
        }
        var addedIds: [String: Int] = [:]
        var raw: [(text: [UInt8], id: Int)] = [], rawNonSpecial: [(text: [UInt8], id: Int)] = []
        var normalized: [(text: [UInt8], id: Int)] = [], normalizedNonSpecial: [(text: [UInt8], id: Int)] = []
        var specialIds = Set<Int>()
        for token in c.addedTokens {
            // A "normalized" added token is matched, and decoded, as its normalized text (tokenizers'
            // AddedVocabulary), e.g. "▁<tag>" under Llama 2's Prepend + Replace normalizer.
            let text = token.normalized ? Self.normalize(token.content, c.normalizer) : token.content
            tokens[token.id] = text
            addedIds[token.content] = token.id
            if token.special { specialIds.insert(token.id) }
            if token.normalized {
                normalized.append((Array(text.utf8), token.id))
                if !token.special { normalizedNonSpecial.append((Array(text.utf8), token.id)) }
            } else {
                raw.append((Array(token.content.utf8), token.id))
                if !token.special { rawNonSpecial.append((Array(token.content.utf8), token.id)) }
            }
        }
        let hex = Array("0123456789ABCDEF".utf8)
        let byteIds = (0..<256).map { b -> Int32 in
            table.value(Array("<0x".utf8) + [hex[b >> 4], hex[b & 15], UInt8(ascii: ">")]) ?? -1
        }
        self.configuration = c
        self.model = HuggingFaceBPE(
            tokenIds: table, merges: merges, unknownId: c.unknownToken.flatMap { table.value(Array($0.utf8)) },
            byteFallback: c.byteFallback, fuseUnknown: c.fuseUnknown, ignoreMerges: c.ignoreMerges, byteIds: byteIds)
        self.tokens = tokens
        self.specialIds = specialIds
        self.addedIds = addedIds
        self.rawMatcher = SpecialTokenMatcher(raw)
        self.rawNonSpecialMatcher = SpecialTokenMatcher(rawNonSpecial)
        self.normalizedMatcher = SpecialTokenMatcher(normalized)
        self.normalizedNonSpecialMatcher = SpecialTokenMatcher(normalizedNonSpecial)
        self.vocabularySize = size
        self.bosId = c.templatePrefix.first
        let eosTexts = eosToken.map { [$0] } ?? ["</s>", "<|endoftext|>", "<|im_end|>", "<|eot_id|>", "<|end_of_text|>", "<eos>"]
        self.eosId = eosTexts.lazy.compactMap { addedIds[$0] }.first
    }

    /// True when the post-processor adds tokens before the text (e.g. Llama's BOS).
    public var addsBosByDefault: Bool { !configuration.templatePrefix.isEmpty }

    /// EOS, and the special tokens chat models end a turn with.
    public func isEndOfGeneration(_ id: Int) -> Bool {
        guard id >= 0, id < tokens.count else { return false }
        if id == eosId { return true }
        guard specialIds.contains(id), let text = tokens[id] else { return false }
        return ["</s>", "<|endoftext|>", "<|im_end|>", "<|eot_id|>", "<|end_of_text|>", "<|eom_id|>", "<eos>",
                "<end_of_turn>"].contains(text)
    }

    /// Added tokens (special or not) by their text.
    public func specialTokenId(_ text: String) -> Int? { addedIds[text] }

    public func isSpecial(_ id: Int) -> Bool { specialIds.contains(id) }

    func checked(_ id: Int) throws -> Int {
        guard id >= 0, id < tokens.count else { throw TokenizerError.idOutOfRange(id: id, vocabularySize: tokens.count) }
        return id
    }

    /// The bytes of one token: byte-level characters decoded, `<0xXX>` as its byte, the Metaspace/Replace
    /// replacement as a space; added tokens as their text.
    public func pieceBytes(_ id: Int) throws -> [UInt8] {
        guard let text = tokens[try checked(id)] else { return [] }
        if addedIds[text] == id { return Array(text.utf8) }
        if case .byteLevel = configuration.preTokenization { return ByteLevelEncoding.decodeLeavingUnmapped(text) }
        if configuration.byteFallback, let byte = Self.byteValue(text) { return [byte] }
        return Array(text.replacingOccurrences(of: "\u{2581}", with: " ").utf8)
    }
}
