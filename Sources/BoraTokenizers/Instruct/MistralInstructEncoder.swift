/// Chat and FIM requests to prompt ids exactly as mistral-common's `MistralTokenizer.encode_chat_completion`
/// and `encode_fim` produce them (port of `tokens/tokenizers/instruct.py`, `InstructTokenizerV1` to `V15`):
/// validation, normalization, then per-version message encoding.
///
/// Text pieces are encoded with `tokenizer.encode(text, addBos: false, parseSpecial: false)`, so text that
/// looks like a control token stays text; control tokens come from `specialTokenId`.
public struct MistralInstructEncoder: Sendable {
    public let version: MistralInstructVersion
    public let tokenizer: any Tokenizer
    public let mode: MistralValidationMode
    /// v15: what requests may set in `[MODEL_SETTINGS]`; by default the Tekken file's own.
    public let settingsBuilder: MistralModelSettingsBuilder?

    public init(version: MistralInstructVersion, tokenizer: any Tokenizer, mode: MistralValidationMode = .test,
                settingsBuilder: MistralModelSettingsBuilder? = nil) {
        self.version = version; self.tokenizer = tokenizer; self.mode = mode
        self.settingsBuilder = settingsBuilder ?? (tokenizer as? TekkenTokenizer)?.modelSettingsBuilder
    }

    /// A chat request (JSON with "messages") or a FIM request (JSON with "prompt").
    public func encode(json text: String) throws(InstructError) -> InstructEncoding {
        switch try MistralRequest(parsing: text) {
        case .chat(let request): return try encode(request)
        case .fim(let request): return try encodeFIM(request)
        }
    }

    public func encode(_ request: ChatCompletionRequest) throws(InstructError) -> InstructEncoding {
        try MistralRequestValidator(version: version, mode: mode).validate(request)
        let instruct = try InstructRequestNormalizer(version: version, settingsBuilder: settingsBuilder).normalize(request)
        if version == .v2 { try validateV2ToolResults(instruct) }
        return try encode(instruct)
    }

    /// `<s>[SUFFIX]suffix[PREFIX]prompt` (v2+, `InstructTokenizerV2.encode_fim`). The suffix is encoded as
    /// `encode("☺" + suffix)` without its first two tokens, which removes SentencePiece's leading space.
    public func encodeFIM(_ request: FIMRequest) throws(InstructError) -> InstructEncoding {
        guard version >= .v2 else { throw .tokenizerRejects("FIM not available for \(version)") }
        var b = PromptBuilder(tokenizer: tokenizer, version: version)
        try b.bos()
        try b.control("[SUFFIX]")
        if let suffix = request.suffix, !suffix.isEmpty {
            b.append(ids: Array(try b.encoded("☺" + suffix).dropFirst(2)))
        }
        try b.control("[PREFIX]")
        try b.text(request.prompt)
        return try b.rendered()
    }

    func encode(_ request: InstructRequest) throws(InstructError) -> InstructEncoding {
        let userIndices = request.messages.indices.filter { InstructRequestNormalizer.isUser(request.messages[$0]) }
        let firstUser = userIndices.first ?? -1, lastUser = userIndices.last ?? -1
        var prompt = PromptBuilder(tokenizer: tokenizer, version: version)
        try prompt.bos()
        for (i, message) in request.messages.enumerated() {
            var b = PromptBuilder(tokenizer: tokenizer, version: version)
            switch message {
            case .user(let content):
                try encodeUser(content, into: &b, tools: request.tools, isFirst: i == firstUser, isLast: i == lastUser,
                               systemPrompt: request.systemPrompt, settings: request.settings)
            case .assistant(let content, let calls, let prefix):
                try encodeAssistant(content: content, calls: calls, prefix: prefix, into: &b,
                                    beforeLastUser: i < lastUser)
            case .tool(let content, let id, let name):
                try encodeTool(content: content, id: id, name: name, into: &b, beforeLastUser: i < lastUser)
            case .system(let content):
                try b.control("[SYSTEM_PROMPT]")
                switch content {
                case .text(let s): try b.text(s)
                case .chunks(let chunks): try encodeChunks(chunks, into: &b)
                }
                try b.control("[/SYSTEM_PROMPT]")
            }
            prompt.append(b)
        }
        return try prompt.rendered()
    }

    /// `InstructTokenizerV2._validate_tool_results`: v2 shows one result per assistant turn after the last user message.
    func validateV2ToolResults(_ request: InstructRequest) throws(InstructError) {
        let lastUser = request.messages.indices.last { InstructRequestNormalizer.isUser(request.messages[$0]) } ?? -1
        var hasCallTurn = false, results = 0
        for (i, message) in request.messages.enumerated() where i >= lastUser {
            switch message {
            case .assistant(_, let calls, _):
                hasCallTurn = !(calls ?? []).isEmpty
                results = 0
            case .tool:
                if hasCallTurn {
                    results += 1
                    if results > 1 {
                        throw .unsupported("Tokenizer v2 does not support multiple tool results for one assistant turn.")
                    }
                }
            default:
                hasCallTurn = false
                results = 0
            }
        }
    }

    // MARK: messages

    func encodeUser(_ content: String, into b: inout PromptBuilder, tools: [ToolDefinition]?, isFirst: Bool,
                    isLast: Bool, systemPrompt: String?, settings: [(String, String)] = []) throws(InstructError) {
        let system = systemPrompt.flatMap { $0.isEmpty ? nil : $0 }
        if version == .v1 {
            // "[INST]" is text in v1; the system prompt goes into the first user message.
            var text = content
            if isFirst, let system { text = system + "\n\n" + content }
            try b.text("[INST] \(text) [/INST]")
            return
        }
        let toolsHere = version >= .v13 ? isFirst : isLast
        if toolsHere, let tools, !tools.isEmpty {
            try b.control("[AVAILABLE_TOOLS]")
            try b.text(PythonJSON.dumps(.array(tools.map(Self.toolJSON))))
            try b.control("[/AVAILABLE_TOOLS]")
        }
        // v15 (`InstructTokenizerV15._encode_settings`): the settings as JSON, keys sorted, after the tools.
        if toolsHere, version >= .v15, !settings.isEmpty {
            try b.control("[MODEL_SETTINGS]")
            try b.text(PythonJSON.dumps(.object(settings.map { ($0.0, .string($0.1)) })))
            try b.control("[/MODEL_SETTINGS]")
        }
        try b.control("[INST]")
        if version < .v7, isLast, let system {
            try b.text(system + "\n\n" + content)
        } else {
            try b.text(content)
        }
        try b.control("[/INST]")
    }

    /// `tool.model_dump(exclude={"function": {"strict": True}})`.
    static func toolJSON(_ tool: ToolDefinition) -> JSONValue {
        .object([("type", .string("function")),
                 ("function", .object([("name", .string(tool.name)), ("description", .string(tool.description)),
                                       ("parameters", PythonJSON.dictSemantics(tool.parameters))]))])
    }

    func encodeAssistant(content normalized: NormalizedContent, calls: [NormalizedToolCall]?, prefix: Bool,
                         into b: inout PromptBuilder, beforeLastUser: Bool) throws(InstructError) {
        let calls = calls ?? []
        if case .chunks(let chunks) = normalized {
            // Aggregation leaves chunks only around thinking, which validation admits from v11 on. Chunks are
            // encoded as they are, without the rstrip string content gets (`InstructTokenizerV7.encode_assistant_message`).
            guard version >= .v7 else { throw .tokenizerRejects("Think not implemented for tokenizer < V13.") }
            try encodeChunks(chunks, into: &b)
            if !calls.isEmpty { try encodeToolCalls(calls, into: &b) }
            if !prefix { try b.eos() }
            return
        }
        let content: String
        if case .text(let s) = normalized { content = s } else { content = "" }
        switch version {
        case .v1:
            if !calls.isEmpty { throw .tokenizerRejects("Tools not implemented for tokenizer V1") }
            guard !content.isEmpty else { throw .tokenizerRejects("\(content) // None") }
            try b.text(content)
        case .v2, .v3:
            if !calls.isEmpty && !content.isEmpty {
                throw .rejected(kind: "ValueError", message: "Cannot have tool calls and content defined in the same assistant message")
            }
            if !calls.isEmpty {
                if version == .v2 && beforeLastUser { return }  // v2 drops the tool history, EOS included
                try encodeToolCalls(calls, into: &b)
            } else if !content.isEmpty {
                try b.text(Self.rstripSpaces(content))
            } else {
                throw .tokenizerRejects("Invalid assistant message: \(content)")
            }
        case .v7, .v11, .v13, .v15:
            if content.isEmpty && calls.isEmpty {
                throw .tokenizerRejects("Invalid assistant message: role='assistant' content='' tool_calls=None prefix=\(prefix ? "True" : "False")")
            }
            if !content.isEmpty { try b.text(Self.rstripSpaces(content)) }
            if !calls.isEmpty { try encodeToolCalls(calls, into: &b) }
        }
        if !prefix { try b.eos() }
    }

    /// v2-v7: `[TOOL_CALLS][{"name": ..., "arguments": ..., "id": ...}, ...]` (no id in v2);
    /// v11: `[TOOL_CALLS]name[CALL_ID]id[ARGS]{...}` per call; v13: `[TOOL_CALLS]name[ARGS]{...}` per call.
    func encodeToolCalls(_ calls: [NormalizedToolCall], into b: inout PromptBuilder) throws(InstructError) {
        func hasId(_ call: NormalizedToolCall) -> Bool { version >= .v3 && !call.id.isEmpty && call.id != "null" }
        if version <= .v7 {
            let list = calls.map { call -> JSONValue in
                var fields: [(String, JSONValue)] = [("name", .string(call.name)),
                                                     ("arguments", PythonJSON.parseContent(call.arguments))]
                if hasId(call) { fields.append(("id", .string(call.id))) }
                return .object(fields)
            }
            try b.control("[TOOL_CALLS]")
            try b.text(PythonJSON.dumps(.array(list)))
            return
        }
        for call in calls {
            try b.control("[TOOL_CALLS]")
            try b.text(call.name)
            if version == .v11 && hasId(call) {
                try b.control("[CALL_ID]")
                try b.text(call.id)
            }
            try b.control("[ARGS]")
            try b.text(PythonJSON.dumps(PythonJSON.parseContent(call.arguments)))
        }
    }

    func encodeTool(content: String, id: String?, name: String?, into b: inout PromptBuilder,
                    beforeLastUser: Bool) throws(InstructError) {
        switch version {
        case .v1:
            throw .tokenizerRejects("Tools not implemented for tokenizer V1")
        case .v2:
            if beforeLastUser { return }
            let result = JSONValue.object([("name", name.map { .string($0) } ?? .null),
                                           ("content", PythonJSON.parseContent(content))])
            try b.control("[TOOL_RESULTS]")
            try b.text(PythonJSON.dumps(.array([result])))
            try b.control("[/TOOL_RESULTS]")
        case .v3:
            guard let id else { throw .rejected(kind: "AssertionError", message: "Tool message has to have the tool call id defined in v3") }
            let result = JSONValue.object([("content", PythonJSON.parseContent(content)), ("call_id", .string(id))])
            try b.control("[TOOL_RESULTS]")
            try b.text(PythonJSON.dumps(result))
            try b.control("[/TOOL_RESULTS]")
        case .v7, .v11:
            guard let id else { throw .rejected(kind: "AssertionError", message: "Tool message has to have the tool call id defined") }
            try b.control("[TOOL_RESULTS]")
            try b.text(id)
            try b.control("[TOOL_CONTENT]")
            try b.text(content)
            try b.control("[/TOOL_RESULTS]")
        case .v13, .v15:
            try b.control("[TOOL_RESULTS]")
            try b.text(content)
            try b.control("[/TOOL_RESULTS]")
        }
    }

    /// `_encode_content_chunks` for text and thinking chunks.
    func encodeChunks(_ chunks: [ContentChunk], into b: inout PromptBuilder) throws(InstructError) {
        for chunk in chunks {
            switch chunk {
            case .text(let t): try b.text(t)
            case .thinking(let t, let closed): try encodeThink(t, closed: closed, into: &b)
            }
        }
    }

    /// `InstructTokenizerV13.encode_think`: `[THINK]` thought, then `[/THINK]` when the thought is closed.
    /// Earlier versions have no thinking (`InstructTokenizerV1.encode_think`).
    func encodeThink(_ text: String, closed: Bool, into b: inout PromptBuilder) throws(InstructError) {
        guard version >= .v13 else { throw .tokenizerRejects("Think not implemented for tokenizer < V13.") }
        try b.control("[THINK]")
        try b.text(text)
        if closed { try b.control("[/THINK]") }
    }

    /// Python's `str.rstrip(" ")`.
    static func rstripSpaces(_ s: String) -> String {
        var scalars = Substring(s).unicodeScalars
        while scalars.last == " " { scalars.removeLast() }
        return String(scalars)
    }
}
