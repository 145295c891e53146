import BoraEngine
import BoraTokenizers
import Foundation

/// The JSON objects of a completion, whole or as stream chunks: chat (`chat.completion`, also used by
/// Mistral's FIM route) or text (`text_completion`, OpenAI's legacy completions).
struct CompletionFormat: Sendable {
    enum Kind: Sendable { case chat, text }
    let kind: Kind
    let id: String
    let created: Int
    let model: String

    init(kind: Kind, model: String) {
        self.kind = kind
        let hex = (0..<24).map { _ in String(Int.random(in: 0..<16), radix: 16) }.joined()
        id = (kind == .chat ? "chatcmpl-" : "cmpl-") + hex
        created = Int(Date().timeIntervalSince1970)
        self.model = model
    }

    static func usage(prompt: Int, completion: Int) -> JSONValue {
        .object([("prompt_tokens", .int(prompt)), ("completion_tokens", .int(completion)), ("total_tokens", .int(prompt + completion))])
    }

    func envelope(_ object: String, choices: [JSONValue], usage: JSONValue?) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("id", .string(id)), ("object", .string(object)), ("created", .int(created)), ("model", .string(model)),
            ("choices", .array(choices)),
        ]
        if let usage { pairs.append(("usage", usage)) }
        return .object(pairs)
    }

    func choice(_ body: (String, JSONValue), finish: String?, logprobs: JSONValue? = nil) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("index", .int(0)), body]
        if kind == .text || logprobs != nil { pairs.append(("logprobs", logprobs ?? .null)) }
        pairs.append(("finish_reason", finish.map { .string($0) } ?? .null))
        return .object(pairs)
    }

    /// The whole response of a non-streamed request.
    /// `logprobs`: nil when not asked for.
    func response(text: String, finish: String, usage: JSONValue, logprobs: [TokenLogprob]? = nil) -> JSONValue {
        let lp = logprobs.map { logprobsJSON($0) }
        switch kind {
        case .chat:
            let message = JSONValue.object([("role", .string("assistant")), ("content", .string(text)), ("tool_calls", .null)])
            return envelope("chat.completion", choices: [choice(("message", message), finish: finish, logprobs: lp)], usage: usage)
        case .text:
            return envelope("text_completion", choices: [choice(("text", .string(text)), finish: finish, logprobs: lp)], usage: usage)
        }
    }

    /// The opening chunk (chat: the role, with empty content, as api.mistral.ai and OpenAI send it).
    func firstChunk() -> JSONValue? {
        guard kind == .chat else { return nil }
        let delta = JSONValue.object([("role", .string("assistant")), ("content", .string(""))])
        return envelope("chat.completion.chunk", choices: [choice(("delta", delta), finish: nil)], usage: nil)
    }

    /// `logprobs`: nil when not asked for.
    func chunk(_ text: String, logprobs: [TokenLogprob]? = nil) -> JSONValue {
        let lp = logprobs.map { logprobsJSON($0) }
        switch kind {
        case .chat:
            return envelope("chat.completion.chunk", choices: [choice(("delta", .object([("content", .string(text))])), finish: nil, logprobs: lp)], usage: nil)
        case .text:
            return envelope("text_completion", choices: [choice(("text", .string(text)), finish: nil, logprobs: lp)], usage: nil)
        }
    }

    /// The chunk with the finish reason; it carries the usage, as api.mistral.ai's last chunk does.
    func finalChunk(finish: String, usage: JSONValue) -> JSONValue {
        switch kind {
        case .chat:
            return envelope("chat.completion.chunk", choices: [choice(("delta", .object([])), finish: finish)], usage: usage)
        case .text:
            return envelope("text_completion", choices: [choice(("text", .string("")), finish: finish)], usage: usage)
        }
    }

    /// OpenAI's `stream_options.include_usage` chunk: no choices, only the usage.
    func usageChunk(_ usage: JSONValue) -> JSONValue {
        envelope(kind == .chat ? "chat.completion.chunk" : "text_completion", choices: [], usage: usage)
    }
}
