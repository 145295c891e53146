/// Port of mistral-common `protocol/instruct/validator.py` (`MistralRequestValidator`, `...V3`, `...V5`,
/// `...V11`, `...V13`, `...V15`, as `get_validator` pairs them with versions): rejects what mistral-common rejects,
/// with the same exception kind and message, checked in the same order.
struct MistralRequestValidator {
    let version: MistralInstructVersion
    let mode: MistralValidationMode

    static let functionNameMessage = "but must be a-z, A-Z, 0-9, or contain underscores and dashes, with a maximum length of 64."
    static let v13IdMessage = "Tool call id must be a non-empty string other than 'null' for tokenizer version 13 or newer."

    /// v7+ (`MistralRequestValidatorV5`) accept content and tool calls in one assistant message.
    var allowsToolCallAndContent: Bool { version >= .v7 }

    func validate(_ request: ChatCompletionRequest) throws(InstructError) {
        if mode == .serving, request.model == nil {
            throw .request("Model name parameter is required for serving mode")
        }
        try validateStructure(request.messages)
        for (i, message) in request.messages.enumerated() {
            try validateContent(message, isLast: i == request.messages.count - 1)
        }
        for tool in request.tools ?? [] where !isValidFunctionName(tool.name) {
            throw .tool("Function name was \(tool.name) \(Self.functionNameMessage)")
        }
        // Before v15 there are no model settings (`_validate_model_settings`).
        if version < .v15, let effort = request.reasoningEffort {
            throw .request("reasoning_effort='\(effort)' is not supported for this model")
        }
    }

    // MARK: structure

    func validateStructure(_ messages: [ChatMessage]) throws(InstructError) {
        guard let last = messages.last else { throw .structure("Conversation must have at least one message") }
        if messages.count == 1, last.role != .user, last.role != .system {
            throw .structure("Conversation must start with a user message or system message")
        }
        if messages.count > 1 { try validateLast(last) }
        try validateOrder(messages)
        if version >= .v11 { try validateToolCallIds(messages) } else { try validateToolCallCounts(messages) }
    }

    func validateLast(_ message: ChatMessage) throws(InstructError) {
        var badAssistant = false
        if case .assistant(_, _, let prefix) = message { badAssistant = !prefix }
        let badRole = message.role != .user && message.role != .tool
        if badAssistant && badRole {
            throw .structure("Expected last role User or Tool (or Assistant with prefix) for serving but got \(message.role.rawValue)")
        }
    }

    func validateOrder(_ messages: [ChatMessage]) throws(InstructError) {
        var previous: ChatRole?
        for message in messages {
            let current = message.role
            if let previous {
                let allowed: Set<ChatRole>
                switch previous {
                case .system: allowed = [.user, .assistant, .system]
                case .user: allowed = [.assistant, .system, .user]
                case .assistant: allowed = [.assistant, .user, .tool]
                case .tool: allowed = [.assistant, .tool, .user]
                }
                if !allowed.contains(current) {
                    throw .structure("Unexpected role '\(current.rawValue)' after role '\(previous.rawValue)'")
                }
            }
            previous = current
        }
    }

    /// v1-v7: as many tool messages as calls before the next assistant message (and at the end, serving).
    func validateToolCallCounts(_ messages: [ChatMessage]) throws(InstructError) {
        var expected = 0
        for message in messages.dropFirst() {
            switch message {
            case .tool: expected -= 1
            case .assistant(_, let calls, _):
                if expected != 0 { throw .structure("Not the same number of function calls and responses") }
                if let calls { expected = calls.count }
            default: break
            }
        }
        if expected != 0, mode == .serving { throw .structure("Not the same number of function calls and responses") }
    }

    /// v11+: each tool result answers a call of the previous assistant message, once.
    func validateToolCallIds(_ messages: [ChatMessage]) throws(InstructError) {
        var expected = Set<String>(), observed = Set<String>()
        for message in messages.dropFirst() {
            switch message {
            case .tool(_, let id, _):
                let key = id ?? "\u{0}None"
                let shown = id ?? "None"
                if observed.contains(key) { throw .structure("Duplicate tool call id \(shown) in tool results") }
                if !expected.contains(key) { throw .structure("Unexpected tool call id \(shown) in tool results") }
                observed.insert(key)
            case .assistant(_, let calls, _):
                if expected.count != observed.count {
                    throw .structure("Not the same number of function calls and responses")
                }
                expected.removeAll(); observed.removeAll()
                for call in calls ?? [] {
                    if expected.contains(call.id) {
                        throw .structure("Duplicate tool call id \(call.id) in assistant message")
                    }
                    expected.insert(call.id)
                }
            default: break
            }
        }
        if expected.count != observed.count, mode == .serving {
            throw .structure("Not the same number of function calls and responses")
        }
    }

    // MARK: content

    func validateContent(_ message: ChatMessage, isLast: Bool) throws(InstructError) {
        switch message {
        case .user:
            return  // text is the only content Bora parses for users, valid for every version
        case .system(let content):
            // v7 to v13 (`MistralRequestValidatorV5`) accept thinking chunks in system messages.
            if version < .v7 || version >= .v15 {
                try checkChunks(content, role: "system", kind: "InvalidSystemPromptException")
            }
        case .assistant(let content, let calls, let prefix):
            // v11+ accept thinking chunks in assistant messages.
            if version < .v11 { try checkChunks(content, role: "assistant", kind: "InvalidAssistantMessageException") }
            let hasContent = content?.isTruthy ?? false
            let hasCalls = !(calls ?? []).isEmpty
            if !allowsToolCallAndContent && hasContent == hasCalls {
                throw .assistant("Assistant message must have either content or tool_calls, but not both.")
            }
            for call in calls ?? [] { try validateToolCall(call) }
            if prefix && !isLast { throw .assistant("Assistant message with prefix True must be last message") }
        case .tool(_, let id, let name):
            if let name, !isValidFunctionName(name) {
                throw .toolMessage("Function name was \(name) \(Self.functionNameMessage)")
            }
            try validateToolMessageId(id)
        }
    }

    /// `_validate_content_chunk_types` where only text chunks are allowed: the sorted names of the others.
    func checkChunks(_ content: MessageContent?, role: String, kind: String) throws(InstructError) {
        guard case .chunks(let chunks)? = content, chunks.contains(where: \.isThinking) else { return }
        throw .rejected(kind: kind, message: "Unexpected content chunk types in \(role) message: ['ThinkChunk']")
    }

    func validateToolCall(_ call: ToolCall) throws(InstructError) {
        if version >= .v13 {
            if call.id.isEmpty || call.id == "null" { throw .functionCall(Self.v13IdMessage) }
        } else if version >= .v3 {
            if call.id == "null" {
                switch mode {
                case .serving: throw .functionCall("Tool call id has to be defined in serving mode.")
                case .test:
                    throw .functionCall("Tool call id 'null' is only allowed for the last assistant message in finetuning mode.")
                }
            }
            if !isValidToolCallId(call.id) {
                throw .functionCall("Tool call id was \(call.id) but must be a-z, A-Z, 0-9, with a length of 9.")
            }
        }
        if !isValidFunctionName(call.name) {
            throw .functionCall("Function name was \(call.name) \(Self.functionNameMessage)")
        }
    }

    func validateToolMessageId(_ id: String?) throws(InstructError) {
        if version >= .v13 {
            if id == nil || id == "" || id == "null" { throw .toolMessage(Self.v13IdMessage) }
        } else if version >= .v3 {
            guard let id else { throw .request("Tool call id has to be defined.") }
            if !isValidToolCallId(id) {
                throw .toolMessage("Tool call id was \(id) but must be a-z, A-Z, 0-9, with a length of 9.")
            }
        }
    }
}
