import BoraEngine
import BoraTokenizers
import Hummingbird

/// `tools`, `tool_choice` and `parallel_tool_calls` of a chat request (OpenAI's and Mistral's names).
/// `auto` lets the model choose and reads any calls back from its output; `any` / `required` / a named
/// function force a call with constrained decoding, in the model family's own format
/// (`ToolCallFormat`), whose arguments are valid against the function's `parameters` schema.
struct ToolRequest: Sendable {
    enum Choice: Sendable, Equatable { case auto, required, named(String) }
    var tools: [ToolSpec]
    var choice: Choice
    var parallel: Bool
    var format: ToolCallFormat
    /// The grammar of forced calls; nil for `auto`.
    var grammar: Grammar?

    /// nil when there are no tools or `tool_choice` is "none" (then the tools are not shown to the model).
    static func parse(_ f: JSONFields, loaded: LoadedModel) throws(APIError) -> ToolRequest? {
        let list = try f.array("tools") ?? []
        let choiceValue = f.value("tool_choice")
        var choice = Choice.auto
        switch choiceValue {
        case nil: break
        case .string("none")?: return nil
        case .string("auto")?: choice = .auto
        case .string("any")?, .string("required")?: choice = .required
        case let v?:
            let cf = try JSONFields(v, path: "tool_choice.")
            guard let name = try cf.fields("function")?.string("name") else {
                throw .invalid("tool_choice", "tool_choice must be \"auto\", \"none\", \"any\", \"required\" or {\"type\": \"function\", \"function\": {\"name\": ...}}")
            }
            choice = .named(name)
        }
        guard !list.isEmpty else {
            if choiceValue == nil { return nil }
            throw .invalid("tool_choice", "tool_choice needs tools: give the functions in \"tools\"")
        }
        var tools: [ToolSpec] = []
        for (i, t) in list.enumerated() {
            let tf = try JSONFields(t, path: "tools[\(i)].")
            if let type = try tf.string("type"), type != "function" {
                throw .unsupported("tools[\(i)].type", "only tools of type \"function\" are supported, got \"\(type)\"")
            }
            guard let fn = try tf.fields("function"), let name = try fn.string("name"), !name.isEmpty else {
                throw .invalid("tools[\(i)].function.name", "each tool needs function.name")
            }
            tools.append(ToolSpec(name: name, parameters: fn.value("parameters") ?? .object([("type", .string("object"))])))
        }
        let parallel = try f.bool("parallel_tool_calls") ?? true
        guard let bundle = loaded.tokenizerBundle else {
            throw .unsupported("tools", "this model has no tokenizer, so it cannot call tools")
        }
        let format = ToolCallFormat.detect(bundle)
        var forced: [ToolSpec]?
        switch choice {
        case .auto: forced = nil
        case .required: forced = tools
        case let .named(name):
            guard let tool = tools.first(where: { $0.name == name }) else {
                throw .invalid("tool_choice", "tool_choice names \"\(name)\", which is not among the tools (\(tools.map(\.name).joined(separator: ", ")))")
            }
            forced = [tool]
        }
        var grammar: Grammar?
        if let forced {
            do { grammar = try format.grammar(tools: forced, parallel: parallel) } catch {
                if case .unsupportedKeyword = error { throw .unsupported("tools", "function parameters: \(error)") }
                throw .invalid("tools", "function parameters: \(error)")
            }
        }
        return ToolRequest(tools: tools, choice: choice, parallel: parallel, format: format, grammar: grammar)
    }

    /// Calls read back from the output; with `parallel_tool_calls` false only the first is kept.
    func parse(_ result: GenerationResult, text: String, tokenizer: any Tokenizer) -> ParsedAssistantOutput {
        var out = format.parse(text: text, tokens: result.tokens, tokenizer: tokenizer)
        if !parallel, out.toolCalls.count > 1 { out.toolCalls = Array(out.toolCalls.prefix(1)) }
        return out
    }

    /// OpenAI's `tool_calls` entries (Mistral's are the same shape): arguments as a JSON string.
    static func json(_ calls: [ParsedToolCall], streaming: Bool) -> JSONValue {
        .array(calls.enumerated().map { i, call in
            var pairs: [(String, JSONValue)] = []
            if streaming { pairs.append(("index", .int(i))) }
            pairs += [
                ("id", .string(call.id ?? Self.callId())), ("type", .string("function")),
                ("function", .object([("name", .string(call.name)), ("arguments", .string(call.arguments.wire))])),
            ]
            return .object(pairs)
        })
    }

    /// 9 alphanumerics, as Mistral's call ids (OpenAI's are longer; clients treat them as opaque).
    static func callId() -> String {
        let chars = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return String((0..<9).map { _ in chars[Int.random(in: 0..<chars.count)] })
    }
}

extension BoraServer {
    /// A chat answer when tools were offered: the output is read back into content and `tool_calls`
    /// (finish reason "tool_calls" when there are any). Streamed answers are sent once the output is
    /// complete (the calls cannot be told from content earlier): the role, the content, one delta per call
    /// with its whole arguments, then the finish reason and usage.
    func respond(_ events: AsyncThrowingStream<GenerationEvent, any Error>, format: CompletionFormat, tools: ToolRequest,
                 options: GenerationOptions) async throws -> Response {
        guard let tokenizer = loaded.tokenizer else { throw CancellationError() }
        /// The finished output: the result, with the text the client sees (stop sequences removed).
        @Sendable func finished() async throws -> GenerationResult {
            var text = ""
            var result: GenerationResult?
            for try await event in events {
                switch event {
                case let .text(t, _): text += t
                case let .done(r, _): result = r
                }
            }
            guard var result else { throw CancellationError() }
            result.text = text
            return result
        }
        if !options.stream {
            let r = try await finished()
            let usage = CompletionFormat.usage(prompt: r.promptTokens.count, completion: r.tokens.count)
            return Self.json(format.toolResponse(tools.parse(r, text: r.text, tokenizer: tokenizer), finish: r.finishReason.rawValue, usage: usage))
        }
        let chunks = AsyncThrowingStream<JSONValue, any Error> { continuation in
            let task = Task {
                do {
                    let r = try await finished()
                    let usage = CompletionFormat.usage(prompt: r.promptTokens.count, completion: r.tokens.count)
                    for chunk in format.toolChunks(tools.parse(r, text: r.text, tokenizer: tokenizer), finish: r.finishReason.rawValue,
                                                   usage: usage, includeUsage: options.includeUsage) {
                        continuation.yield(chunk)
                    }
                    continuation.finish()
                } catch { continuation.finish(throwing: error) }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
        return Self.streamChunks(chunks, format: format)
    }

    static func streamChunks(_ chunks: AsyncThrowingStream<JSONValue, any Error>, format: CompletionFormat) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let body = ResponseBody { writer in
            if let first = format.firstChunk() { try await writer.write(sse(first)) }
            do {
                for try await chunk in chunks { try await writer.write(sse(chunk)) }
            } catch let e as APIError {
                try await writer.write(sse(e.json))
            }
            try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}

extension CompletionFormat {
    func toolResponse(_ parsed: ParsedAssistantOutput, finish: String, usage: JSONValue) -> JSONValue {
        let calls = parsed.toolCalls
        let message = JSONValue.object([
            ("role", .string("assistant")),
            ("content", calls.isEmpty || !parsed.content.isEmpty ? .string(parsed.content) : .null),
            ("tool_calls", calls.isEmpty ? .null : ToolRequest.json(calls, streaming: false)),
        ])
        return envelope("chat.completion", choices: [choice(("message", message), finish: calls.isEmpty ? finish : "tool_calls")], usage: usage)
    }

    func toolChunks(_ parsed: ParsedAssistantOutput, finish: String, usage: JSONValue, includeUsage: Bool) -> [JSONValue] {
        var out: [JSONValue] = []
        if !parsed.content.isEmpty { out.append(chunk(parsed.content)) }
        if !parsed.toolCalls.isEmpty {
            let delta = JSONValue.object([("tool_calls", ToolRequest.json(parsed.toolCalls, streaming: true))])
            out.append(envelope("chat.completion.chunk", choices: [choice(("delta", delta), finish: nil)], usage: nil))
        }
        out.append(finalChunk(finish: parsed.toolCalls.isEmpty ? finish : "tool_calls", usage: usage))
        if includeUsage { out.append(usageChunk(usage)) }
        return out
    }
}
