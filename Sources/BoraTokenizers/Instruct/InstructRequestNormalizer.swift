/// A request as the versioned encoders see it: consecutive messages of one role merged, content as one
/// string, tool-call arguments and (v1-v3) tool results re-serialized, system prompts gathered (v1-v3).
struct InstructRequest {
    enum Message {
        case system(NormalizedContent)
        case user(String)
        /// `toolCalls` nil when none (Python's `tool_calls or None`).
        case assistant(content: NormalizedContent, toolCalls: [NormalizedToolCall]?, prefix: Bool)
        case tool(content: String, toolCallId: String?, name: String?)
    }

    var messages: [Message]
    /// v1-v3: the system messages' text joined by "\n\n", placed in a user message by the encoder.
    var systemPrompt: String?
    var tools: [ToolDefinition]?
    /// v15: the model settings, sorted by key, for `[MODEL_SETTINGS]` (empty: none).
    var settings: [(String, String)] = []
}

/// Content after aggregation: a string when only text was given (mistral-common's aggregation returns a `str`),
/// else its chunks with adjacent text coalesced (thinking chunks kept where they were).
enum NormalizedContent: Equatable {
    case text(String)
    case chunks([ContentChunk])

    /// Python falsiness: "" or an empty list.
    var isEmpty: Bool {
        switch self {
        case .text(let s): return s.isEmpty
        case .chunks(let c): return c.isEmpty
        }
    }
}

struct NormalizedToolCall {
    var id: String
    var name: String
    /// JSON text when the arguments were JSON, else the string as given.
    var arguments: String
}

/// Port of mistral-common `protocol/instruct/normalize.py`: `InstructRequestNormalizer` (v1-v3),
/// `InstructRequestNormalizerV7` (v7), `InstructRequestNormalizerV13` (v11, v13) and
/// `InstructRequestNormalizerV15` (v15: text chunks joined without a separator, model settings built).
struct InstructRequestNormalizer {
    let version: MistralInstructVersion
    /// v15's `model_settings_builder` (nil for earlier versions, and for a v15 file without one).
    var settingsBuilder: MistralModelSettingsBuilder? = nil

    static let join = "\n\n"
    /// Between text chunks of one message: "\n\n" up to v13, nothing from v15 (`_chunk_join_str`).
    var chunkJoin: String { version >= .v15 ? "" : Self.join }

    func normalize(_ request: ChatCompletionRequest) throws(InstructError) -> InstructRequest {
        let systemInBegin = version >= .v7
        var systemPrompt: String?
        if !systemInBegin {
            let prompts = request.messages.compactMap { m -> String? in
                guard case .system(let c) = m, c.isTruthy else { return nil }
                return aggregate([c])
            }
            systemPrompt = prompts.isEmpty ? nil : prompts.joined(separator: Self.join)
        }

        var out: [InstructRequest.Message] = []
        var latestCallIds: [String] = []
        var run: [ChatMessage] = []
        func flush() throws(InstructError) {
            guard let role = run.first?.role else { return }
            switch role {
            case .user:
                out.append(.user(aggregate(run.compactMap { m -> MessageContent? in
                    if case .user(let c) = m { return c }; return nil
                })))
            case .assistant:
                let message = try aggregateAssistant(run)
                out.append(message)
                if case .assistant(_, let calls, _) = message { latestCallIds += (calls ?? []).map(\.id) }
            case .tool:
                out += toolMessages(run, latestCallIds: latestCallIds)
                latestCallIds.removeAll()
            case .system:
                if systemInBegin {
                    for m in run { if case .system(let c) = m { out.append(.system(aggregateChunks([c]))) } }
                }
            }
            run.removeAll()
        }
        for message in request.messages {
            if let current = run.first?.role, current != message.role { try flush() }
            run.append(message)
        }
        try flush()
        if out.isEmpty || (!systemInBegin && !Self.isUser(out[0])) { out.insert(.user(""), at: 0) }
        var settings: [(String, String)] = []
        if version >= .v15 {
            guard let settingsBuilder else {
                throw .request("model_settings_builder must not be None for InstructRequestNormalizerV15")
            }
            settings = try settingsBuilder.build(reasoningEffort: request.reasoningEffort)
        }
        return InstructRequest(messages: out, systemPrompt: systemPrompt, tools: request.tools, settings: settings)
    }

    static func isUser(_ m: InstructRequest.Message) -> Bool {
        if case .user = m { return true }
        return false
    }

    func aggregateAssistant(_ run: [ChatMessage]) throws(InstructError) -> InstructRequest.Message {
        var contents: [MessageContent?] = []
        var calls: [NormalizedToolCall] = []
        var prefix = false
        for m in run {
            guard case .assistant(let content, let toolCalls, let p) = m else { continue }
            if version < .v7, let content, content.isTruthy, !(toolCalls ?? []).isEmpty {
                throw .rejected(kind: "ValueError", message: "Tool calls and content cannot be used together in the same message.")
            }
            contents.append(content)
            for call in toolCalls ?? [] {
                calls.append(NormalizedToolCall(id: call.id, name: call.name,
                                                arguments: PythonJSON.normalizedArguments(call.arguments)))
            }
            prefix = prefix || p
        }
        return .assistant(content: aggregateChunks(contents), toolCalls: calls.isEmpty ? nil : calls, prefix: prefix)
    }

    func toolMessages(_ run: [ChatMessage], latestCallIds: [String]) -> [InstructRequest.Message] {
        var messages: [(content: String, id: String?, name: String?)] = []
        for m in run {
            guard case .tool(let content, let id, let name) = m else { continue }
            let text = aggregate([content])
            messages.append((version < .v7 ? PythonJSON.normalizeContent(text) : text, id, name))
        }
        if version >= .v11 {
            // `_inplace_sort_tool_messages`: in the order of the calls, unknown ids last, stable otherwise.
            var callIndex: [String: Int] = [:]
            for (i, id) in latestCallIds.enumerated() { callIndex[id] = i }
            var resultIndex: [String: Int] = [:]
            for (i, m) in messages.enumerated() { resultIndex[m.id ?? "\u{0}None"] = i }
            messages = messages.enumerated().sorted { a, b in
                let ka = callIndex[a.element.id ?? "null"] ?? Int.max, kb = callIndex[b.element.id ?? "null"] ?? Int.max
                if ka != kb { return ka < kb }
                let ra = resultIndex[a.element.id ?? "\u{0}None"] ?? 0, rb = resultIndex[b.element.id ?? "\u{0}None"] ?? 0
                return ra != rb ? ra < rb : a.offset < b.offset
            }.map(\.element)
        }
        return messages.map { .tool(content: $0.content, toolCallId: $0.id, name: $0.name) }
    }

    /// The aggregated text of contents that hold only text (user and tool messages, v1-v3 system prompts, where
    /// parsing and validation have refused thinking chunks).
    func aggregate(_ contents: [MessageContent?]) -> String {
        switch aggregateChunks(contents) {
        case .text(let s): return s
        case .chunks(let chunks):
            return chunks.map { chunk -> String in if case .text(let t) = chunk { return t }; return "" }.joined()
        }
    }

    /// `_aggregate_content_chunks_impl`: adjacent text coalesced, text of different messages joined by "\n\n"
    /// and adjacent text chunks of one message by `chunkJoin`, empty contents and empty text chunks skipped;
    /// other chunks (thinking) end the current text and stay as they are. Only text: one string.
    func aggregateChunks(_ contents: [MessageContent?]) -> NormalizedContent {
        var all: [ContentChunk] = []
        var text: [String] = []
        func flush() {
            if !text.isEmpty { all.append(.text(text.joined())); text.removeAll() }
        }
        for content in contents {
            var needsMessageSeparator = !text.isEmpty
            guard let content, content.isTruthy else { continue }
            switch content {
            case .text(let s):
                text.append((needsMessageSeparator ? Self.join : "") + s)
            case .chunks(let chunks):
                for chunk in chunks {
                    switch chunk {
                    case .text(let t):
                        guard !t.isEmpty else { continue }
                        let separator = text.isEmpty ? "" : needsMessageSeparator ? Self.join : chunkJoin
                        text.append(separator + t)
                        needsMessageSeparator = false
                    case .thinking:
                        flush()
                        all.append(chunk)
                    }
                }
            }
        }
        if all.isEmpty { return .text(text.joined()) }
        flush()
        return .chunks(all)
    }
}
