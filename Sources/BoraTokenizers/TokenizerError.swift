/// Everything that can go wrong building a tokenizer from a vocabulary or using it.
public enum TokenizerError: Error, Equatable, CustomStringConvertible {
    /// `tokenizer.ggml.model` names a tokenizer Bora does not implement.
    case unsupportedModel(String)
    /// The vocabulary has no tokens.
    case emptyVocabulary
    /// A per-token array (`scores`, `token_type`) does not have one entry per token.
    case arrayLengthMismatch(key: String, expected: Int, actual: Int)
    /// A "gpt2" vocabulary without `tokenizer.ggml.merges`.
    case missingMerges
    /// A merge that is not two space-separated pieces.
    case malformedMerge(rank: Int, text: String)
    /// A token id outside `0..<vocabularySize`.
    case idOutOfRange(id: Int, vocabularySize: Int)
    /// Encoding needs a special token (e.g. BOS) that the vocabulary does not define.
    case missingSpecialToken(String)
    /// A byte has no token: no `<0xXX>` byte token, no single-byte token and no unknown token.
    case unencodableByte(UInt8)

    public var description: String {
        switch self {
        case .unsupportedModel(let model):
            return "unsupported tokenizer model '\(model)' (tokenizer.ggml.model): Bora supports 'gpt2' "
                + "(byte-level BPE) and 'llama' (SentencePiece BPE); convert the model with a llama.cpp "
                + "converter that writes one of these"
        case .emptyVocabulary:
            return "the vocabulary has no tokens (tokenizer.ggml.tokens is empty); the file is not a usable model"
        case .arrayLengthMismatch(let key, let expected, let actual):
            return "\(key) has \(actual) entries but the vocabulary has \(expected) tokens; "
                + "the file is inconsistent, re-convert it"
        case .missingMerges:
            return "a 'gpt2' (byte-level BPE) vocabulary needs tokenizer.ggml.merges; re-convert the model "
                + "with a converter that writes the merges"
        case .malformedMerge(let rank, let text):
            return "merge \(rank) '\(text)' in tokenizer.ggml.merges is not of the form 'left right'; "
                + "re-convert the model"
        case .idOutOfRange(let id, let size):
            return "token id \(id) is out of range: the vocabulary has \(size) tokens (valid ids 0..<\(size))"
        case .missingSpecialToken(let name):
            return "the vocabulary defines no \(name) token (tokenizer.ggml.\(name)_token_id); "
                + "encode with addBos: false or set the id"
        case .unencodableByte(let byte):
            return "byte 0x\(String(byte, radix: 16, uppercase: true)) has no token (no <0xXX> byte token, "
                + "no single-byte token and no unknown token); the vocabulary cannot encode this text"
        }
    }
}
