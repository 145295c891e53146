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

    /// OpenAI's `tool_calls` entries of a whole answer (Mistral's are the same shape): arguments as the JSON
    /// text the model wrote.
    static func json(_ calls: [StreamedToolCall]) -> JSONValue {
        .array(calls.map { call in
            .object([
                ("id", .string(call.id)), ("type", .string("function")),
                ("function", .object([("name", .string(call.name)), ("arguments", .string(call.arguments))])),
            ])
        })
    }
}

extension BoraServer {
    /// A chat answer when tools were offered, read by `ToolCallStream` into content and `tool_calls` (finish
    /// reason "tool_calls" when there are any). Streamed, the calls go out as they are generated
    /// (`CompletionFormat.toolChunk`): content until a call marker, each call's header once its name is
    /// complete and its arguments have begun, then its arguments in fragments; the finish reason and usage
    /// at the end. The whole answer is what the stream adds up to.
    func respond(_ events: AsyncThrowingStream<GenerationEvent, any Error>, format: CompletionFormat, tools: ToolRequest,
                 options: GenerationOptions) async throws -> Response {
        guard let tokenizer = loaded.tokenizer else { throw CancellationError() }
        let reader = ToolCallStream(format: tools.format, parallel: tools.parallel, tokenizer: tokenizer)
        if !options.stream {
            var reader = reader
            var result: GenerationResult?
            var thought = ""
            for try await event in events {
                switch event {
                case let .text(t, _, tokens): _ = reader.feed(text: t, tokens: tokens)
                case let .reasoning(t): thought += t
                case let .done(r, _): result = r
                }
            }
            guard let r = result else { throw CancellationError() }
            _ = reader.finish()
            return Self.json(format.toolResponse(content: reader.content, reasoning: thought, calls: reader.calls,
                                                 finish: reader.finishReason(r.finishReason.rawValue), usage: CompletionFormat.usage(r)))
        }
        let chunks = AsyncThrowingStream<JSONValue, any Error> { continuation in
            let task = Task {
                var reader = reader
                var thought = false
                do {
                    for try await event in events {
                        switch event {
                        case let .text(t, _, tokens):
                            for e in reader.feed(text: t, tokens: tokens) { continuation.yield(format.toolChunk(e, afterThought: thought)) }
                        case let .reasoning(t):
                            thought = true
                            continuation.yield(format.reasoningChunk(t))
                        case let .done(r, _):
                            for e in reader.finish() { continuation.yield(format.toolChunk(e, afterThought: thought)) }
                            let usage = CompletionFormat.usage(r)
                            continuation.yield(format.finalChunk(finish: reader.finishReason(r.finishReason.rawValue), usage: usage))
                            if options.includeUsage { continuation.yield(format.usageChunk(usage)) }
                        }
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
    func toolResponse(content: String, reasoning thought: String, calls: [StreamedToolCall], finish: String, usage: JSONValue) -> JSONValue {
        let message = message(content: content, reasoning: thought, toolCalls: calls.isEmpty ? .null : ToolRequest.json(calls))
        return envelope("chat.completion", choices: [choice(("message", message), finish: finish)], usage: usage)
    }

    /// One streamed event of an answer with tools. A call starts with its index, id, type and name (arguments
    /// ""); its argument fragments follow under the same index. Each fragment also carries `"name": ""`:
    /// Mistral's SDK requires `function.name` in every tool-call delta, and clients that concatenate the
    /// deltas by index (OpenAI's `chat.completions.stream`) keep the name whole.
    func toolChunk(_ event: ToolStreamEvent, afterThought: Bool = false) -> JSONValue {
        let call: JSONValue
        switch event {
        case let .content(text): return chunk(text, afterThought: afterThought)
        case let .callStarted(index, id, name):
            call = .object([("index", .int(index)), ("id", .string(id)), ("type", .string("function")),
                            ("function", .object([("name", .string(name)), ("arguments", .string(""))]))])
        case let .arguments(index, text):
            call = .object([("index", .int(index)), ("function", .object([("name", .string("")), ("arguments", .string(text))]))])
        }
        let delta = JSONValue.object([("tool_calls", .array([call]))])
        return envelope("chat.completion.chunk", choices: [choice(("delta", delta), finish: nil)], usage: nil)
    }
}
