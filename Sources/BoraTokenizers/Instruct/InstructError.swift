/// Everything that can go wrong turning a chat request into a Mistral prompt, or model output into tool calls.
public enum InstructError: Error, Equatable, CustomStringConvertible {
    /// The request is not a well-formed `ChatCompletionRequest` / FIM request: `path` names the field
    /// ("messages[2].role"), `message` what is wrong with it.
    case invalidRequest(path: String, message: String)
    /// mistral-common rejects the request: `kind` is the name of the exception it raises
    /// (`InvalidMessageStructureException`, `TokenizerException`, ...), `message` its text, word for word.
    case rejected(kind: String, message: String)
    /// The tokenizer has no such control token, which this version needs (e.g. `[SUFFIX]` for FIM on v2).
    case missingControlToken(String, version: MistralInstructVersion)
    /// The tokenizer failed to encode or decode.
    case tokenizer(String)
    /// Model output that is not a well-formed tool call of the version's format; `index` is the call (from 0).
    case malformedToolCall(index: Int?, reason: String)

    public var description: String {
        switch self {
        case .invalidRequest(let path, let message):
            return "\(path): \(message)"
        case .rejected(_, let message):
            return message
        case .missingControlToken(let name, let version):
            return "the tokenizer has no \(name) control token, which instruct format \(version) needs for this "
                + "request; use the tokenizer file the model ships with"
        case .tokenizer(let message):
            return "tokenizer error: \(message)"
        case .malformedToolCall(let index, let reason):
            return "malformed tool call\(index.map { " \($0)" } ?? ""): \(reason)"
        }
    }

    /// mistral-common's exception kinds, as Bora names them.
    static func structure(_ m: String) -> Self { .rejected(kind: "InvalidMessageStructureException", message: m) }
    static func assistant(_ m: String) -> Self { .rejected(kind: "InvalidAssistantMessageException", message: m) }
    static func toolMessage(_ m: String) -> Self { .rejected(kind: "InvalidToolMessageException", message: m) }
    static func functionCall(_ m: String) -> Self { .rejected(kind: "InvalidFunctionCallException", message: m) }
    static func tool(_ m: String) -> Self { .rejected(kind: "InvalidToolException", message: m) }
    static func request(_ m: String) -> Self { .rejected(kind: "InvalidRequestException", message: m) }
    static func tokenizerRejects(_ m: String) -> Self { .rejected(kind: "TokenizerException", message: m) }
    static func unsupported(_ m: String) -> Self { .rejected(kind: "UnsupportedTokenizerFeatureException", message: m) }
}
