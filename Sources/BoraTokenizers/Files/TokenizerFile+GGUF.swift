/// The `tokenizer.ggml.*` vocabulary that llama.cpp's converter (convert_hf_to_gguf.py) writes for a tokenizer
/// file, for `bora convert`. Ids past the file's vocabulary up to `size` (a model whose embedding has more
/// rows than the tokenizer has tokens) are filled with "[PAD<id>]" tokens of type UNUSED, as llama.cpp does.
extension SentencePieceModelTokenizer {
    /// "llama" vocabulary (`_create_vocab_sentencepiece`): pieces, scores, piece types (1 normal, 2 unknown,
    /// 3 control, 4 user-defined, 5 unused, 6 byte), BOS/EOS/UNK/PAD ids, `add_space_prefix` from the
    /// normalizer's `add_dummy_prefix`.
    public func ggufVocabulary(size: Int) -> GGUFVocabulary {
        var v = GGUFVocabulary(model: "llama", tokens: model.pieces.map { String(decoding: $0, as: UTF8.self) })
        v.scores = model.scores
        v.tokenTypes = model.types.map { Int32($0.rawValue) }
        for id in v.tokens.count..<max(size, v.tokens.count) {
            v.tokens.append("[PAD\(id)]")
            v.scores?.append(-1000)
            v.tokenTypes?.append(5)
        }
        v.bosId = model.bosId
        v.eosId = model.eosId
        v.unknownId = model.unknownId
        v.paddingId = model.padId
        v.addSpacePrefix = model.addDummyPrefix
        return v
    }
}

extension HuggingFaceTokenizer {
    /// "gpt2" vocabulary of a byte-level BPE `tokenizer.json` (`_set_vocab_gpt2`): tokens by id, merges in rank
    /// order, types (1 normal, 3 control for special added tokens, 4 user-defined for other added tokens),
    /// and `tokenizer.ggml.pre` named after the split regex Bora recognises ("gpt-2", "llama-bpe", "qwen2",
    /// "smollm", "tekken"; "default" when there is no regex). Nil for a tokenizer that is not byte-level
    /// (Llama 2 style byte-fallback BPE: convert its `tokenizer.model` instead).
    public func ggufVocabulary(size: Int) -> GGUFVocabulary? {
        guard case let .byteLevel(split, _) = configuration.preTokenization else { return nil }
        let count = max(size, tokens.count)
        var v = GGUFVocabulary(model: "gpt2", tokens: (0..<count).map { id in
            id < tokens.count ? tokens[id] ?? "[PAD\(id)]" : "[PAD\(id)]"
        })
        var types = (0..<count).map { id -> Int32 in id < tokens.count && tokens[id] != nil ? 1 : 5 }
        for added in configuration.addedTokens where added.id < count {
            types[added.id] = added.special ? 3 : 4
        }
        v.tokenTypes = types
        v.merges = configuration.merges.map { $0.0 + " " + $0.1 }
        switch split {
        case .none: v.pre = "default"
        case .tekken?: v.pre = "tekken"
        case .llamaCpp(let kind)?:
            switch kind {
            case .standard: v.pre = "default"
            case .gpt2: v.pre = "gpt-2"
            case .digitsThenGPT2: v.pre = "smollm"
            case .llama3: v.pre = "llama-bpe"
            case .qwen2: v.pre = "qwen2"
            case .tekken: v.pre = "tekken"
            }
        }
        v.bosId = bosId
        v.eosId = eosId
        v.addBos = addsBosByDefault
        return v
    }
}

extension TekkenTokenizer {
    /// "gpt2" vocabulary with `tokenizer.ggml.pre` "tekken" (llama.cpp's converter for a Mistral `tekken.json`):
    /// the special tokens (CONTROL), then each rank's bytes spelled in GPT-2's byte characters (NORMAL). The
    /// merges are recovered from the ranks as gguf-py's `MistralVocab.extract_vocab_merges_from_model` does:
    /// for the token of each rank, in rank order, every split into two tokens, ordered by their ranks. (tiktoken
    /// merges any adjacent pair whose concatenation is a token, lowest rank first; these merges say the same.)
    public func ggufVocabulary(size: Int) -> GGUFVocabulary {
        func spelled(_ bytes: ArraySlice<UInt8>) -> String {
            String(decoding: bytes.flatMap { ByteLevelEncoding.utf8ForByte[Int($0)] }, as: UTF8.self)
        }
        var tokens = specialTexts
        var types = [Int32](repeating: 3, count: specialTexts.count)
        var merges: [String] = []
        for rank in 0..<(tokenStart.count - 1) {
            let bytes = Array(tokenBytes[Int(tokenStart[rank])..<Int(tokenStart[rank + 1])])
            tokens.append(spelled(bytes[...]))
            types.append(1)
            var splits: [(left: Int32, right: Int32, text: String)] = []
            for j in bytes.indices.dropFirst() {
                if let l = ranks.value(Array(bytes[..<j])), let r = ranks.value(Array(bytes[j...])) {
                    splits.append((l, r, spelled(bytes[..<j]) + " " + spelled(bytes[j...])))
                }
            }
            merges += splits.sorted { ($0.left, $0.right) < ($1.left, $1.right) }.map(\.text)
        }
        for id in tokens.count..<max(size, tokens.count) {
            tokens.append("[PAD\(id)]")
            types.append(5)
        }
        var v = GGUFVocabulary(model: "gpt2", tokens: tokens)
        v.pre = "tekken"
        v.tokenTypes = types
        v.merges = merges
        v.bosId = bosId
        v.eosId = eosId
        v.unknownId = unknownId
        v.addBos = true
        return v
    }
}
