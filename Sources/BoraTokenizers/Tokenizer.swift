/// Text <-> token ids, with the behaviour of llama.cpp's `llama_tokenize` / `llama_detokenize`
/// (src/llama-vocab.cpp), so that ids match what llama.cpp feeds the same GGUF model.
public protocol Tokenizer: Sendable {
    var vocabularySize: Int { get }
    var bosId: Int? { get }
    var eosId: Int? { get }
    /// llama.cpp's rule: `add_bos_token` if the file has it, else true for "llama" (SentencePiece) and
    /// for the "llama3"/"tekken"/"chameleon" pre-tokenizers, false for other "gpt2" vocabularies.
    var addsBosByDefault: Bool { get }
    /// EOS, EOT, EOM, and the control tokens llama.cpp treats as end of generation
    /// (`<|im_end|>`, `<|endoftext|>`, `<|eot_id|>`, FIM pad/repo/sep, ...).
    func isEndOfGeneration(_ id: Int) -> Bool
    /// Encodes `text`. `addBos` prepends the BOS token (callers usually pass `addsBosByDefault`).
    /// `parseSpecial`: the text of control tokens (e.g. "<|im_start|>") becomes that token, as llama.cpp's
    /// `tokenize(..., parse_special=true)`; user-defined tokens are matched either way, as in llama.cpp.
    func encode(_ text: String, addBos: Bool, parseSpecial: Bool) throws -> [Int]
    /// Like llama.cpp's `llama_detokenize(..., remove_special=false, unparse_special=true)`: special tokens are
    /// rendered as their text. Invalid UTF-8 (e.g. half a character) becomes U+FFFD.
    func decode(_ ids: [Int]) throws -> String
    /// The bytes of one token (`llama_token_to_piece(..., lstrip=0, special=true)`), for streaming output:
    /// a character may span several tokens, so callers assemble UTF-8 themselves.
    func pieceBytes(_ id: Int) throws -> [UInt8]
    /// The id of a special token (control, user-defined or unknown) given its exact text, such as
    /// "[INST]", "<|im_start|>" or "</s>"; nil when the vocabulary has no such special token.
    func specialTokenId(_ text: String) -> Int?
}

/// Builds the tokenizer a GGUF vocabulary describes: `BytePairTokenizer` for "gpt2",
/// `SentencePieceTokenizer` for "llama". Throws `TokenizerError` for other models or an inconsistent vocabulary.
public func makeTokenizer(_ vocabulary: GGUFVocabulary) throws -> any Tokenizer {
    switch vocabulary.model {
    case "gpt2":
        return try BytePairTokenizer(vocabulary)
    case "llama":
        return try SentencePieceTokenizer(vocabulary)
    default:
        throw TokenizerError.unsupportedModel(vocabulary.model)
    }
}
