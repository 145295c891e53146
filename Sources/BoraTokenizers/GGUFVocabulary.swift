/// The tokenizer a GGUF file carries: the `tokenizer.ggml.*` metadata, decoded but not interpreted.
///
/// Field names follow the GGUF keys (`tokenizer.ggml.model`, `.pre`, `.tokens`, `.scores`, `.token_type`,
/// `.merges`, `.bos_token_id`, ...). Defaults that llama.cpp applies when a key is absent (BOS 1 / EOS 2 /
/// UNK 0 for "llama", `add_bos_token` true for SentencePiece, ...) are applied by `makeTokenizer`, not here,
/// so a vocabulary round-trips exactly what the file says.
public struct GGUFVocabulary: Sendable, Equatable {
    /// `tokenizer.ggml.model`: "gpt2" (byte-level BPE) or "llama" (SentencePiece BPE).
    public var model: String
    /// `tokenizer.ggml.pre`: the pre-tokenizer of a "gpt2" model, e.g. "smollm", "llama3", "qwen2", "tekken".
    public var pre: String?
    /// `tokenizer.ggml.tokens`, indexed by token id.
    public var tokens: [String]
    /// `tokenizer.ggml.scores` (one per token): merge priority of a "llama" model, higher merges first.
    public var scores: [Float]?
    /// `tokenizer.ggml.token_type` (one per token): 1 normal, 2 unknown, 3 control, 4 user-defined,
    /// 5 unused, 6 byte.
    public var tokenTypes: [Int32]?
    /// `tokenizer.ggml.merges` of a "gpt2" model: "left right" pairs in rank order (rank 0 merges first).
    public var merges: [String]?
    public var bosId: Int?
    public var eosId: Int?
    public var unknownId: Int?
    public var paddingId: Int?
    /// End-of-turn (`tokenizer.ggml.eot_token_id`), e.g. `<|eot_id|>`.
    public var eotId: Int?
    /// End-of-message (`tokenizer.ggml.eom_token_id`), e.g. `<|eom_id|>`.
    public var eomId: Int?
    /// `tokenizer.ggml.add_bos_token`.
    public var addBos: Bool?
    /// `tokenizer.ggml.add_eos_token`.
    public var addEos: Bool?
    /// `tokenizer.ggml.add_space_prefix`.
    public var addSpacePrefix: Bool?

    public init(model: String, tokens: [String]) {
        self.model = model
        self.tokens = tokens
    }
}
