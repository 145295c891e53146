import BoraEngine
import BoraTokenizers

/// Request bodies to prompt token ids, in the model's own format.
enum Prompts {
    static let roles = ["system", "user", "assistant", "tool", "developer"]

    /// `messages` and `tools` (unless `tool_choice` is "none") to the chat-formatted prompt:
    /// Mistral's instruct encoding for Mistral tokenizers, else the model's chat template with a generation prompt.
    static func chat(_ f: JSONFields, loaded: LoadedModel) throws(APIError) -> [Int] {
        guard let bundle = loaded.tokenizerBundle, let format = bundle.chatFormat else {
            throw APIError(.badRequest, "this model has no chat format (no Mistral tokenizer and no chat template): use /v1/completions with a raw prompt",
                           code: "chat_not_supported")
        }
        var isMistral = false
        if case .mistral = format { isMistral = true }
        // Tools are shown to the model unless tool_choice is "none" (ToolRequest validates them).
        var tools = try f.array("tools") ?? []
        if f.value("tool_choice")?.string == "none" { tools = [] }
        guard let messages = try f.array("messages") else {
            throw APIError(.badRequest, "messages is required: a list of {\"role\", \"content\"} objects", param: "messages", code: "missing_required_parameter")
        }
        guard !messages.isEmpty else {
            throw .invalid("messages", "messages is empty: give at least one message")
        }
        var out: [JSONValue] = []
        for (i, m) in messages.enumerated() {
            let mf = try JSONFields(m, path: "messages[\(i)].")
            guard let role = try mf.string("role") else {
                throw APIError(.badRequest, "messages[\(i)].role is required", param: "messages[\(i)].role", code: "missing_required_parameter")
            }
            guard roles.contains(role) else {
                throw .invalid("messages[\(i)].role", "messages[\(i)].role must be one of system, user, assistant, tool (or developer), got \"\(role)\"")
            }
            if try mf.bool("prefix") == true {
                guard isMistral, role == "assistant", i == messages.count - 1 else {
                    throw .unsupported("messages[\(i)].prefix", isMistral
                        ? "prefix is only allowed on a final assistant message"
                        : "assistant prefix needs a Mistral tokenizer; this model uses a chat template")
                }
            }
            var (content, thought) = try text(of: mf, index: i, role: role, mistral: isMistral)
            if content == nil, role != "assistant" {
                throw APIError(.badRequest, "messages[\(i)].content is required for a \(role) message", param: "messages[\(i)].content", code: "missing_required_parameter")
            }
            if content == nil { content = .string("") }
            var pairs = m.object ?? []
            // An assistant's earlier thought, as OpenAI-style servers return it (`reasoning_content`): for
            // Mistral tokenizers a thinking chunk before the answer; chat templates read the field itself.
            if role == "assistant", let reasoning = try mf.string("reasoning_content"), !reasoning.isEmpty {
                if isMistral {
                    let chunks = content?.array ?? (content?.string).map { $0.isEmpty ? [] : [Self.textPart($0)] } ?? []
                    content = .array([Self.thinkingPart(reasoning)] + chunks)
                    pairs.removeAll { $0.0 == "reasoning_content" }
                }
            } else if role == "assistant", let thought {
                pairs.append(("reasoning_content", .string(thought)))  // thinking parts, for a chat template
            }
            pairs.removeAll { $0.0 == "content" || $0.0 == "role" }
            pairs.insert(("role", .string(role == "developer" ? "system" : role)), at: 0)
            pairs.insert(("content", content ?? .string("")), at: 1)
            out.append(.object(pairs))
        }
        if try f.bool("safe_prompt") == true { out = withGuardrail(out) }
        var requestPairs: [(String, JSONValue)] = [("messages", .array(out))]
        if !tools.isEmpty { requestPairs.append(("tools", .array(tools))) }
        // Reasoning effort through the model's own mechanism: v15's [MODEL_SETTINGS], or a chat template's
        // thinking switch; a model with neither refuses it (TokenizerBundle.encodeRequest).
        if let effort = try f.string("reasoning_effort") {
            if let problem = MistralModelSettingsBuilder.reasoningEffortProblem(effort) { throw .invalid("reasoning_effort", problem) }
            requestPairs.append(("reasoning_effort", .string(effort)))
        }
        if let kwargs = f.value("chat_template_kwargs") {
            guard !isMistral else {
                throw .unsupported("chat_template_kwargs", "chat_template_kwargs needs a chat template; this model uses Mistral's instruct format")
            }
            guard kwargs.object != nil else { throw .invalid("chat_template_kwargs", "chat_template_kwargs must be an object") }
            requestPairs.append(("chat_template_kwargs", kwargs))
        }
        let request = JSONValue.object(requestPairs)
        do {
            return try bundle.encodeRequest(json: request.wire).tokens
        } catch {
            if "\(error)".contains("reasoning_effort") {  // the model has no mechanism for it, or not this value
                throw APIError(.badRequest, "\(error)", param: "reasoning_effort", code: "unsupported_parameter")
            }
            throw APIError(.badRequest, "the conversation cannot be encoded: \(error)", param: "messages", code: "invalid_messages")
        }
    }

    /// Mistral's guardrail system prompt, which `safe_prompt: true` puts before the conversation.
    static let guardrail = "Always assist with care, respect, and truth. Respond with utmost utility yet securely. Avoid harmful, unethical, prejudiced, or negative content. Ensure replies promote fairness and positivity."

    /// The messages with the guardrail prompt first: joined before a leading system message's text
    /// (a blank line between), or as a system message of its own.
    static func withGuardrail(_ messages: [JSONValue]) -> [JSONValue] {
        var messages = messages
        if var first = messages.first?.object, first.first(where: { $0.0 == "role" })?.1.string == "system",
           let i = first.firstIndex(where: { $0.0 == "content" }), let text = first[i].1.string {
            first[i].1 = .string(guardrail + "\n\n" + text)
            messages[0] = .object(first)
        } else {
            messages.insert(.object([("role", .string("system")), ("content", .string(guardrail))]), at: 0)
        }
        return messages
    }

    static func textPart(_ text: String) -> JSONValue { .object([("type", .string("text")), ("text", .string(text))]) }

    static func thinkingPart(_ thought: String, closed: Bool = true) -> JSONValue {
        .object([("type", .string("thinking")), ("thinking", .string(thought)), ("closed", .bool(closed))])
    }

    /// A message's content: a string, or a list of parts. Text parts (`{"type": "text", "text": ...}`) are
    /// joined for chat templates; thinking parts (`{"type": "thinking", "thinking": ...}`, Mistral's form) stay
    /// chunks for Mistral tokenizers and, for chat templates, come back as `thought` (an assistant's earlier
    /// reasoning). Other parts (images, audio) are refused.
    static func text(of mf: JSONFields, index i: Int, role: String, mistral: Bool) throws(APIError) -> (content: JSONValue?, thought: String?) {
        guard let content = mf.value("content") else { return (nil, nil) }
        if content.string != nil { return (content, nil) }
        guard let parts = content.array else {
            throw APIError(.badRequest, "messages[\(i)].content must be a string or a list of text parts, got \(JSONFields.kind(content))",
                           param: "messages[\(i)].content", code: "invalid_type")
        }
        var chunks: [JSONValue] = [], texts: [String] = [], thoughts: [String] = []
        for (k, part) in parts.enumerated() {
            let pf = try JSONFields(part, path: "messages[\(i)].content[\(k)].")
            let type = try pf.string("type") ?? "text"
            switch type {
            case "text":
                guard let t = try pf.string("text") else {
                    throw .invalid("messages[\(i)].content[\(k)].text", "a text part needs \"text\"")
                }
                texts.append(t)
                chunks.append(textPart(t))
            case "thinking":
                guard role == "assistant" || (role == "system" && mistral) else {
                    throw .unsupported("messages[\(i)].content[\(k)].type", role == "system"
                        ? "thinking parts in a system message need a Mistral tokenizer; this model uses a chat template"
                        : "thinking parts are only allowed in assistant and system messages")
                }
                guard let t = try pf.string("thinking") else {
                    throw .invalid("messages[\(i)].content[\(k)].thinking", "a thinking part needs \"thinking\"")
                }
                thoughts.append(t)
                chunks.append(thinkingPart(t, closed: try pf.bool("closed") ?? true))
            default:
                throw .unsupported("messages[\(i)].content[\(k)].type", "content parts of type \"\(type)\" are not supported: Bora serves text models")
            }
        }
        if mistral { return (.array(chunks), nil) }
        return (.string(texts.joined()), thoughts.isEmpty ? nil : thoughts.joined(separator: "\n\n"))
    }

    /// `/v1/completions`: one prompt string, tokenized as `bora generate` does (BOS when the model asks for it,
    /// special-token text becomes special tokens).
    static func completion(_ f: JSONFields, loaded: LoadedModel) throws(APIError) -> [Int] {
        guard let v = f.value("prompt") else {
            throw APIError(.badRequest, "prompt is required", param: "prompt", code: "missing_required_parameter")
        }
        let prompt: String
        // Token ids (OpenAI's array-of-integers prompt): used as they are.
        if let a = v.array, !a.isEmpty, a.allSatisfy({ if case .int = $0 { true } else { false } }) {
            let vocab = loaded.config.vocabularySize
            return try a.map { (t) throws(APIError) -> Int in
                guard case let .int(id) = t, (0..<vocab).contains(id) else {
                    throw .invalid("prompt", "prompt token ids must be in 0..<\(vocab)")
                }
                return id
            }
        }
        if let s = v.string {
            prompt = s
        } else if let a = v.array, a.count == 1, let s = a[0].string {
            prompt = s
        } else if v.array != nil {
            throw .unsupported("prompt", "only one prompt per request is supported: send a string")
        } else {
            throw APIError(.badRequest, "prompt must be a string, got \(JSONFields.kind(v))", param: "prompt", code: "invalid_type")
        }
        if try f.bool("echo") == true { throw .unsupported("echo", "echo is not supported yet; leave it out") }
        if let b = try f.int("best_of"), b != 1 { throw .unsupported("best_of", "best_of must be 1") }
        if let s = try f.string("suffix"), !s.isEmpty {
            throw .unsupported("suffix", "suffix is not supported on /v1/completions; use /v1/fim/completions")
        }
        if prompt.isEmpty, loaded.tokenizer?.addsBosByDefault != true {
            throw .invalid("prompt", "prompt is empty and this model adds no BOS token: give some text")
        }
        do { return try loaded.tokenize(prompt) } catch {
            throw APIError(.badRequest, "the prompt cannot be tokenized: \(error)", param: "prompt")
        }
    }

    /// `/v1/fim/completions`: `prompt` (before the cursor) and `suffix` (after it) in the model's FIM format.
    static func fim(_ f: JSONFields, loaded: LoadedModel, format: FIMFormat?) throws(APIError) -> [Int] {
        guard let prompt = try f.string("prompt") else {
            throw APIError(.badRequest, "prompt is required", param: "prompt", code: "missing_required_parameter")
        }
        let suffix = try f.string("suffix") ?? ""
        guard let format, let bundle = loaded.tokenizerBundle else {
            throw APIError(.badRequest, "this model has no fill-in-the-middle tokens ([SUFFIX]/[PREFIX] or <fim_prefix>/<fim_suffix>/<fim_middle>): use a FIM model such as Codestral, or /v1/completions",
                           code: "fim_not_supported")
        }
        do {
            switch format {
            case .mistral:
                let request = JSONValue.object([("prompt", .string(prompt)), ("suffix", .string(suffix))])
                return try bundle.encodeRequest(json: request.wire).tokens
            case let .psm(p, s, m):
                let t = bundle.tokenizer
                var ids: [Int] = []
                if t.addsBosByDefault, let bos = t.bosId { ids.append(bos) }
                ids.append(p)
                ids += try t.encode(prompt, addBos: false, parseSpecial: false)
                ids.append(s)
                ids += try t.encode(suffix, addBos: false, parseSpecial: false)
                ids.append(m)
                return ids
            }
        } catch {
            throw APIError(.badRequest, "the FIM request cannot be encoded: \(error)", param: "prompt")
        }
    }
}
