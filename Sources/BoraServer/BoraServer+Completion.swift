import BoraEngine
import BoraTokenizers
import Hummingbird

extension BoraServer {
    /// One completion request from body to response: parse and validate the fields, build the prompt, check
    /// it fits the context window, wait for a slot, then answer whole or as server-sent events.
    func complete(_ request: Request, context: BasicRequestContext, kind: CompletionFormat.Kind,
                  prompt: (JSONFields) throws(APIError) -> [Int]) async throws -> Response {
        let body = try await readBody(request)
        let fields = try JSONFields(body)
        if let model = try fields.string("model"), model != card.id { throw Self.unknownModel(model, served: card.id) }
        let options = try GenerationOptions(fields, vocabularySize: loaded.config.vocabularySize)
        let tools = kind == .chat ? try ToolRequest.parse(fields, loaded: loaded) : nil
        let tokens = try prompt(fields)
        let maxTokens = try budget(promptTokens: tokens.count, requested: options.maxTokens)
        let format = CompletionFormat(kind: kind, model: card.id)
        let job = GenerationJob(prompt: tokens, maxTokens: maxTokens, sampling: options.sampling, stop: options.stop, requestId: format.id,
                                constraint: try constraint(tools?.grammar ?? options.grammar, specials: tools?.format.specials ?? []))
        let queued = await pool.queued
        context.logger.info("completion", metadata: [
            "request_id": "\(format.id)", "prompt_tokens": "\(tokens.count)", "max_tokens": "\(maxTokens)",
            "stream": "\(options.stream)", "queued": "\(queued)",
        ])
        if configuration.logPrompts {
            let text = (try? loaded.tokenizer?.decode(tokens)) ?? tokens.map(String.init).joined(separator: " ")
            context.logger.info("prompt", metadata: ["request_id": "\(format.id)", "prompt": "\(text)"])
        }
        let slot = try await pool.acquire()
        let events = pool.run(job, on: slot, engine: engine, metrics: metrics, logger: context.logger, logText: configuration.logPrompts)
        if let tools { return try await respond(events, format: format, tools: tools, options: options) }
        let wantLogprobs = options.sampling.logprobs != nil
        if options.stream { return Self.stream(events, format: format, includeUsage: options.includeUsage, logprobs: wantLogprobs) }

        var text = ""
        var logprobs: [TokenLogprob] = []
        var result: GenerationResult?
        for try await event in events {
            switch event {
            case let .text(t, lp): text += t; logprobs += lp
            case let .done(r, _): result = r
            }
        }
        guard let result else { throw CancellationError() }
        let usage = CompletionFormat.usage(prompt: result.promptTokens.count, completion: result.tokens.count)
        return Self.json(format.response(text: text, finish: result.finishReason.rawValue, usage: usage, logprobs: wantLogprobs ? logprobs : nil))
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
    /// deltas, the finish reason (with usage), the usage chunk when asked for, then `data: [DONE]`.
    static func stream(_ events: AsyncThrowingStream<GenerationEvent, any Error>, format: CompletionFormat, includeUsage: Bool,
                       logprobs: Bool) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let body = ResponseBody { writer in
            if let first = format.firstChunk() { try await writer.write(sse(first)) }
            do {
                for try await event in events {
                    switch event {
                    case let .text(t, lp):
                        try await writer.write(sse(format.chunk(t, logprobs: logprobs ? lp : nil)))
                    case let .done(r, _):
                        let usage = CompletionFormat.usage(prompt: r.promptTokens.count, completion: r.tokens.count)
                        try await writer.write(sse(format.finalChunk(finish: r.finishReason.rawValue, usage: usage)))
                        if includeUsage { try await writer.write(sse(format.usageChunk(usage))) }
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

    static func sse(_ value: JSONValue) -> ByteBuffer { ByteBuffer(string: "data: \(value.wire)\n\n") }
}
