import BoraEngine
import BoraModels
import BoraTokenizers
import Hummingbird

extension BoraServer {
    /// One completion request from body to response: parse and validate the fields, build the prompt, check
    /// it fits the context window, wait for a slot, then answer whole or as server-sent events.
    /// `chat`: a chat request, whose thought a thinking model's answer splits off (`reasoningFormat`).
    func complete(_ request: Request, context: BasicRequestContext, kind: CompletionFormat.Kind, chat: Bool = false,
                  prompt: (JSONFields) throws(APIError) -> [Int]) async throws -> Response {
        let body = try await readBody(request)
        let fields = try JSONFields(body)
        if let model = try fields.string("model"), model != card.id { throw Self.unknownModel(model, served: card.id) }
        let options = try GenerationOptions(fields, vocabularySize: loaded.config.vocabularySize)
        let tools = kind == .chat ? try ToolRequest.parse(fields, loaded: loaded) : nil
        let tokens = try prompt(fields)
        let maxTokens = try budget(promptTokens: tokens.count, requested: options.maxTokens)
        var format = CompletionFormat(kind: kind, model: card.id)
        var job = GenerationJob(prompt: tokens, maxTokens: maxTokens, sampling: options.sampling, stop: options.stop, requestId: format.id,
                                constraint: try constraint(tools?.grammar ?? options.grammar, specials: tools?.format.specials ?? []))
        job.adapter = try adapter(fields)
        job.forced = configuration.forcedTokens
        if chat, let markers = thoughtMarkers, let tokenizer = loaded.tokenizer {
            let style = try reasoningFormat(fields, userAgent: request.headers[.userAgent])
            job.thinking = markers.control(prompt: tokens, tokenizer: tokenizer, budget: try reasoningBudget(fields))
            job.splitter = ThoughtSplitter(markers: markers, startsInside: job.thinking?.startsInside ?? false, inline: style == .none)
            format.reasoning = style
        }
        let queued = await pool.queued
        context.logger.info("completion", metadata: [
            "request_id": "\(format.id)", "prompt_tokens": "\(tokens.count)", "max_tokens": "\(maxTokens)",
            "stream": "\(options.stream)", "queued": "\(queued)",
        ])
        if configuration.logPrompts {
            let text = (try? loaded.tokenizer?.decode(tokens)) ?? tokens.map(String.init).joined(separator: " ")
            context.logger.info("prompt", metadata: ["request_id": "\(format.id)", "prompt": "\(text)"])
        }
        if tools != nil, options.n > 1 {
            throw APIError.unsupported("n", "n > 1 with tools is not supported; send n=1 (or several requests)")
        }
        let slot = try await pool.acquire()
        let countdown = Countdown(options.n) { [pool] in Task { await pool.release(slot) } }
        let events = (0..<options.n).map { i in
            var choice = job
            if let seed = choice.sampling.seed { choice.sampling.seed = seed &+ UInt64(i) }
            return pool.run(choice, on: slot, engine: engine, metrics: metrics, logger: context.logger,
                            logText: configuration.logPrompts, finished: countdown.done)
        }
        if let tools, let only = events.first { return try await respond(only, format: format, tools: tools, options: options) }
        let wantLogprobs = options.sampling.logprobs != nil
        if options.stream { return Self.stream(events, format: format, includeUsage: options.includeUsage, logprobs: wantLogprobs) }

        var choices: [CompletionFormat.Finished] = []
        var completionTokens = 0
        var cached: Int?
        var reasoningTokens: Int?
        for stream in events {
            var text = "", thought = ""
            var logprobs: [TokenLogprob] = []
            var result: GenerationResult?
            for try await event in stream {
                switch event {
                case let .text(t, lp, _): text += t; logprobs += lp
                case let .reasoning(t): thought += t
                case let .done(r, _): result = r
                }
            }
            guard let result else { throw CancellationError() }
            completionTokens += result.tokens.count
            cached = result.cachedPromptTokens ?? cached
            if let n = result.reasoningTokens { reasoningTokens = (reasoningTokens ?? 0) + n }
            choices.append(.init(text: text, finish: result.finishReason.rawValue, logprobs: wantLogprobs ? logprobs : nil, reasoning: thought))
        }
        let usage = CompletionFormat.usage(prompt: tokens.count, completion: completionTokens, cached: cached, reasoning: reasoningTokens)
        return Self.json(format.response(choices, usage: usage))
    }

    /// Where this request's thought goes: its `reasoning_format`, else the server's; `auto` resolved by the
    /// client (Mistral's SDKs send `mistral-client-python/3.7.0` and the like; `prompt_mode` is Mistral's field).
    func reasoningFormat(_ f: JSONFields, userAgent: String?) throws(APIError) -> ReasoningFormat {
        var style = configuration.reasoningFormat
        if let name = try f.string("reasoning_format") {
            guard let s = ReasoningFormat(field: name) else {
                throw .invalid("reasoning_format", "reasoning_format must be one of \(ReasoningFormat.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(name)\"")
            }
            style = s
        }
        guard style == .auto else { return style }
        let agent = userAgent?.lowercased() ?? ""
        let mistral = agent.contains("mistral-client") || agent.contains("mistralai") || f.value("prompt_mode").map { $0 != .null } == true
        return mistral ? .mistral : .openai
    }

    /// The request's `reasoning_budget` (thought tokens), else the server's `--reasoning-budget`.
    func reasoningBudget(_ f: JSONFields) throws(APIError) -> Int? {
        guard let budget = try f.int("reasoning_budget") else { return configuration.reasoningBudget }
        guard budget >= 0 else { throw .invalid("reasoning_budget", "reasoning_budget must be 0 or more (thought tokens), got \(budget)") }
        return budget
    }

    /// The request's `adapter` (a name given to `bora serve --lora NAME=FILE`), if any.
    func adapter(_ f: JSONFields) throws(APIError) -> ScaledAdapter? {
        guard let name = try f.string("adapter") else { return nil }
        guard let a = configuration.adapters[name] else {
            let known = configuration.adapters.keys.sorted()
            throw APIError.invalid("adapter", known.isEmpty
                ? "adapter '\(name)': this server has no LoRA adapters (start it with --lora NAME=FILE)"
                : "adapter '\(name)' is not loaded; loaded adapters: \(known.joined(separator: ", "))")
        }
        return a
    }

    /// The body as a JSON value: 413 beyond the configured size, 400 when it is not JSON.
    func readBody(_ request: Request) async throws -> JSONValue {
        let limit = configuration.maxBodyBytes
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw APIError(.contentTooLarge, "the request body is \(length) bytes; the limit is \(limit)", code: "request_too_large")
        }
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: limit) } catch let e as any HTTPResponseError where e.status == .contentTooLarge {
            throw APIError(.contentTooLarge, "the request body exceeds the limit of \(limit) bytes", code: "request_too_large")
        }
        let text = String(buffer: buffer)
        guard !text.isEmpty else { throw APIError(.badRequest, "the request body is empty: send a JSON object", code: "invalid_json") }
        do { return try JSONValue(parsing: text) } catch {
            throw APIError(.badRequest, "the request body is not valid JSON: \(error)", code: "invalid_json")
        }
    }

    /// Tokens to generate: `max_tokens` when the prompt and it fit the context window (a 400 with the
    /// numbers otherwise: no silent truncation), else what is left of the window.
    func budget(promptTokens: Int, requested: Int?) throws(APIError) -> Int {
        if let requested {
            guard promptTokens + requested <= contextLength else {
                throw APIError(.badRequest, "the prompt is \(promptTokens) tokens and max_tokens is \(requested): \(promptTokens + requested) tokens exceed the context window of \(contextLength) tokens. Shorten the prompt or lower max_tokens (at most \(max(0, contextLength - promptTokens)) for this prompt).",
                               param: "max_tokens", code: "context_length_exceeded")
            }
            return requested
        }
        guard promptTokens < contextLength else {
            throw APIError(.badRequest, "the prompt is \(promptTokens) tokens; the context window is \(contextLength) tokens, which leaves no room to generate. Shorten the prompt.",
                           param: "messages", code: "context_length_exceeded")
        }
        return contextLength - promptTokens
    }

    /// Server-sent events as OpenAI and Mistral send them: `data: {chunk}` lines, the role first (chat), text
    /// deltas, the finish reason (the last choice's with the usage), the usage chunk when asked for, then
    /// `data: [DONE]`. With n choices the events of all interleave, each chunk with its choice's index.
    static func stream(_ choices: [AsyncThrowingStream<GenerationEvent, any Error>], format: CompletionFormat, includeUsage: Bool,
                       logprobs: Bool) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let events = merge(choices)
        let body = ResponseBody { writer in
            for i in choices.indices {
                if let first = format.firstChunk(index: i) { try await writer.write(sse(first)) }
            }
            var running = choices.count, prompt = 0, completion = 0
            var reasoning: Int?
            var thought = Set<Int>()
            do {
                for try await (i, event) in events {
                    switch event {
                    case let .text(t, lp, _):
                        try await writer.write(sse(format.chunk(t, logprobs: logprobs ? lp : nil, index: i, afterThought: thought.contains(i))))
                    case let .reasoning(t):
                        thought.insert(i)
                        try await writer.write(sse(format.reasoningChunk(t, index: i)))
                    case let .done(r, _):
                        running -= 1
                        prompt = r.promptTokens.count
                        completion += r.tokens.count
                        if let n = r.reasoningTokens { reasoning = (reasoning ?? 0) + n }
                        let usage = CompletionFormat.usage(prompt: prompt, completion: completion, cached: r.cachedPromptTokens, reasoning: reasoning)
                        try await writer.write(sse(format.finalChunk(finish: r.finishReason.rawValue, usage: running == 0 ? usage : nil, index: i)))
                        if includeUsage, running == 0 { try await writer.write(sse(format.usageChunk(usage))) }
                    }
                }
            } catch let e as APIError {
                try await writer.write(sse(e.json))
            }
            try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// The events of several choices as one stream of (choice index, event), in the order they come.
    /// Ending the merged stream (a client that left) ends every choice's stream, which cancels them.
    static func merge(_ choices: [AsyncThrowingStream<GenerationEvent, any Error>]) -> AsyncThrowingStream<(Int, GenerationEvent), any Error> {
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for (i, stream) in choices.enumerated() {
                            group.addTask { for try await e in stream { continuation.yield((i, e)) } }
                        }
                        try await group.waitForAll()
                    }
                    continuation.finish()
                } catch { continuation.finish(throwing: error) }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    static func sse(_ value: JSONValue) -> ByteBuffer { ByteBuffer(string: "data: \(value.wire)\n\n") }
}
