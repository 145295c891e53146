/// Errors of running a model; each message names the problem and what to do.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    case contextFull(needed: Int, capacity: Int)
    case tokenOutOfRange(token: Int, vocabularySize: Int)
    case emptyInput
    case invalidBatch(String)

    public var description: String {
        switch self {
        case let .contextFull(needed, capacity):
            return "the sequence needs \(needed) positions but the context holds \(capacity). Use a shorter prompt or fewer tokens, or raise the context size (--context)."
        case let .tokenOutOfRange(token, vocab):
            return "token id \(token) is outside the vocabulary (0..<\(vocab)). Pass ids produced by this model's tokenizer."
        case .emptyInput:
            return "no tokens to evaluate. Pass at least one token."
        case let .invalidBatch(message):
            return "invalid batched decode step: \(message)."
        }
    }
}
