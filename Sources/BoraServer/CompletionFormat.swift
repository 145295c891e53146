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
    /// Where a thought goes (resolved: `.none`, `.openai` or `.mistral`; `.none` also when nothing is split).
    var reasoning: ReasoningFormat = .none

    init(kind: Kind, model: String) {
        self.kind = kind
        let hex = (0..<24).map { _ in String(Int.random(in: 0..<16), radix: 16) }.joined()
        id = (kind == .chat ? "chatcmpl-" : "cmpl-") + hex
        created = Int(Date().timeIntervalSince1970)
        self.model = model
    }

    /// `cached`: prompt tokens served from the cache, reported as OpenAI does (`prompt_tokens_details`).
    /// `reasoning`: tokens of thought among the completion's (`completion_tokens_details.reasoning_tokens`).
    static func usage(prompt: Int, completion: Int, cached: Int? = nil, reasoning: Int? = nil) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("prompt_tokens", .int(prompt)), ("completion_tokens", .int(completion)),
                                            ("total_tokens", .int(prompt + completion))]
        if let cached { pairs.append(("prompt_tokens_details", .object([("cached_tokens", .int(cached))]))) }
        if let reasoning { pairs.append(("completion_tokens_details", .object([("reasoning_tokens", .int(reasoning))]))) }
        return .object(pairs)
    }

    static func usage(_ r: GenerationResult) -> JSONValue {
        usage(prompt: r.promptTokens.count, completion: r.tokens.count, cached: r.cachedPromptTokens, reasoning: r.reasoningTokens)
    }

    /// The assistant message of a whole answer: its thought in this format's place (`reasoning_content`, or
    /// a thinking chunk before a text chunk), content null when there are calls and no text.
    func message(content: String, reasoning thought: String, toolCalls: JSONValue = .null) -> JSONValue {
        var body: JSONValue = toolCalls != .null && content.isEmpty ? .null : .string(content)
        var pairs: [(String, JSONValue)] = [("role", .string("assistant"))]
        if !thought.isEmpty, reasoning == .mistral {
            body = .array([Self.thinkingChunk(thought)] + (content.isEmpty ? [] : [Prompts.textPart(content)]))
        }
        pairs.append(("content", body))
        if !thought.isEmpty, reasoning == .openai { pairs.append(("reasoning_content", .string(thought))) }
        pairs.append(("tool_calls", toolCalls))
        return .object(pairs)
    }

    /// Mistral's thinking chunk as its API answers it (the thought a list of text chunks; a request's own
    /// thinking parts carry it as a string, `Prompts.thinkingPart`).
    static func thinkingChunk(_ text: String) -> JSONValue {
        .object([("type", .string("thinking")), ("thinking", .array([Prompts.textPart(text)]))])
    }

    /// A streamed piece of thought: `delta.reasoning_content`, or a thinking chunk in `delta.content`.
    func reasoningChunk(_ text: String, index: Int = 0) -> JSONValue {
        let delta: JSONValue = reasoning == .mistral ? .object([("content", .array([Self.thinkingChunk(text)]))])
            : .object([("reasoning_content", .string(text))])
        return envelope("chat.completion.chunk", choices: [choice(("delta", delta), finish: nil, index: index)], usage: nil)
    }

    func envelope(_ object: String, choices: [JSONValue], usage: JSONValue?) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("id", .string(id)), ("object", .string(object)), ("created", .int(created)), ("model", .string(model)),
            ("choices", .array(choices)),
        ]
        if let usage { pairs.append(("usage", usage)) }
        return .object(pairs)
    }

    func choice(_ body: (String, JSONValue), finish: String?, logprobs: JSONValue? = nil, index: Int = 0) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("index", .int(index)), body]
        if kind == .text || logprobs != nil { pairs.append(("logprobs", logprobs ?? .null)) }
        pairs.append(("finish_reason", finish.map { .string($0) } ?? .null))
        return .object(pairs)
    }

    /// One finished choice of a non-streamed request. `logprobs`: nil when not asked for.
    struct Finished {
        var text: String
        var finish: String
        var logprobs: [TokenLogprob]?
        var reasoning = ""
    }

    /// The whole response of a non-streamed request, choice i at index i.
    func response(_ choices: [Finished], usage: JSONValue) -> JSONValue {
        let items = choices.enumerated().map { i, c in
            let lp = c.logprobs.map { logprobsJSON($0) }
            switch kind {
            case .chat:
                return choice(("message", message(content: c.text, reasoning: c.reasoning)), finish: c.finish, logprobs: lp, index: i)
            case .text:
                return choice(("text", .string(c.text)), finish: c.finish, logprobs: lp, index: i)
            }
        }
        return envelope(kind == .chat ? "chat.completion" : "text_completion", choices: items, usage: usage)
    }

    /// The opening chunk (chat: the role, with empty content, as api.mistral.ai and OpenAI send it).
    func firstChunk(index: Int = 0) -> JSONValue? {
        guard kind == .chat else { return nil }
        let delta = JSONValue.object([("role", .string("assistant")), ("content", .string(""))])
        return envelope("chat.completion.chunk", choices: [choice(("delta", delta), finish: nil, index: index)], usage: nil)
    }

    /// `logprobs`: nil when not asked for. `afterThought`: Mistral's format sends the answer after a thought
    /// as text chunks, as its API does.
    func chunk(_ text: String, logprobs: [TokenLogprob]? = nil, index: Int = 0, afterThought: Bool = false) -> JSONValue {
        let lp = logprobs.map { logprobsJSON($0) }
        switch kind {
        case .chat:
            let content: JSONValue = afterThought && reasoning == .mistral ? .array([Prompts.textPart(text)]) : .string(text)
            return envelope("chat.completion.chunk", choices: [choice(("delta", .object([("content", content)])), finish: nil, logprobs: lp, index: index)], usage: nil)
        case .text:
            return envelope("text_completion", choices: [choice(("text", .string(text)), finish: nil, logprobs: lp, index: index)], usage: nil)
        }
    }

    /// The chunk with the finish reason; the last one carries the usage, as api.mistral.ai's last chunk does.
    func finalChunk(finish: String, usage: JSONValue?, index: Int = 0) -> JSONValue {
        switch kind {
        case .chat:
            return envelope("chat.completion.chunk", choices: [choice(("delta", .object([])), finish: finish, index: index)], usage: usage)
        case .text:
            return envelope("text_completion", choices: [choice(("text", .string("")), finish: finish, index: index)], usage: usage)
        }
    }

    /// OpenAI's `stream_options.include_usage` chunk: no choices, only the usage.
    func usageChunk(_ usage: JSONValue) -> JSONValue {
        envelope(kind == .chat ? "chat.completion.chunk" : "text_completion", choices: [], usage: usage)
    }
}
