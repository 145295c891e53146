/// Requests from JSON text, with errors that name the field ("messages[2].role: unknown role 'robot'").
/// Unknown keys are ignored; the types of known keys are checked as mistral-common's pydantic models do.
extension MistralRequest {
    /// A chat request when the object has "messages", a FIM request when it has "prompt".
    public init(parsing text: String) throws(InstructError) {
        let json = try parseJSON(text)
        guard json.object != nil else { throw .invalidRequest(path: "request", message: "expected a JSON object") }
        if json["messages"] != nil {
            self = .chat(try ChatCompletionRequest(json: json))
        } else if json["prompt"] != nil {
            self = .fim(try FIMRequest(json: json))
        } else {
            throw .invalidRequest(path: "request", message: "expected 'messages' (a chat request) or 'prompt' (a FIM request)")
        }
    }
}

func parseJSON(_ text: String) throws(InstructError) -> JSONValue {
    do { return try JSONValue(parsing: text) } catch {
        throw .invalidRequest(path: "request", message: error.description)
    }
}

extension ChatCompletionRequest {
    public init(parsing text: String) throws(InstructError) {
        try self.init(json: try parseJSON(text))
    }

    public init(json: JSONValue) throws(InstructError) {
        let root = Fields(json, path: "")
        try root.requireObject("request")
        model = try root.optionalString("model")
        let messageList = try root.requiredArray("messages")
        var messages: [ChatMessage] = []
        for (i, m) in messageList.enumerated() {
            messages.append(try Self.message(Fields(m, path: "messages[\(i)]")))
        }
        self.messages = messages
        if let toolList = try root.optionalArray("tools") {
            var tools: [ToolDefinition] = []
            for (i, t) in toolList.enumerated() { tools.append(try Self.tool(Fields(t, path: "tools[\(i)]"))) }
            self.tools = tools
        } else {
            tools = nil
        }
        reasoningEffort = try root.optionalString("reasoning_effort")
        if let problem = reasoningEffort.flatMap(MistralModelSettingsBuilder.reasoningEffortProblem) {
            throw .invalidRequest(path: "reasoning_effort", message: problem)
        }
    }

    static func message(_ f: Fields) throws(InstructError) -> ChatMessage {
        try f.requireObject(f.path)
        guard let roleValue = f.value["role"] else { throw .invalidRequest(path: f.path + ".role", message: "missing") }
        guard let roleName = roleValue.string else {
            throw .invalidRequest(path: f.path + ".role", message: "expected a string, got \(typeName(roleValue))")
        }
        guard let role = ChatRole(rawValue: roleName) else {
            throw .invalidRequest(path: f.path + ".role",
                                  message: "unknown role '\(roleName)' (expected system, user, assistant or tool)")
        }
        switch role {
        case .system: return .system(try requiredContent(f, role: .system))
        case .user: return .user(try requiredContent(f, role: .user))
        case .assistant:
            var calls: [ToolCall]?
            if let list = try f.optionalArray("tool_calls") {
                var parsed: [ToolCall] = []
                for (i, c) in list.enumerated() {
                    parsed.append(try toolCall(Fields(c, path: f.path + ".tool_calls[\(i)]")))
                }
                calls = parsed
            }
            return .assistant(content: try content(f, required: false, role: .assistant), toolCalls: calls,
                              prefix: try f.optionalBool("prefix") ?? false)
        case .tool:
            return .tool(content: try requiredContent(f, role: .tool), toolCallId: try f.optionalString("tool_call_id"),
                         name: try f.optionalString("name"))
        }
    }

    static func requiredContent(_ f: Fields, role: ChatRole) throws(InstructError) -> MessageContent {
        guard let c = try content(f, required: true, role: role) else {
            throw .invalidRequest(path: f.path + ".content", message: "missing")
        }
        return c
    }

    /// `required`: user, system and tool messages need content (a string or chunks); an assistant's may be null.
    /// Thinking chunks are refused in user and tool messages, as mistral-common's message models refuse them
    /// (a pydantic `ValidationError` there).
    static func content(_ f: Fields, required: Bool, role: ChatRole) throws(InstructError) -> MessageContent? {
        let path = f.path + ".content"
        guard let v = f.value["content"], v != .null else {
            if required { throw .invalidRequest(path: path, message: "missing (expected a string or a list of chunks)") }
            return nil
        }
        if let s = v.string { return .text(s) }
        guard let list = v.array else {
            throw .invalidRequest(path: path, message: "expected a string or a list of chunks, got \(typeName(v))")
        }
        var chunks: [ContentChunk] = []
        for (i, c) in list.enumerated() {
            let cf = Fields(c, path: path + "[\(i)]")
            try cf.requireObject(cf.path)
            switch try cf.requiredString("type") {
            case "text":
                chunks.append(.text(try cf.requiredString("text")))
            case "thinking":
                if role == .user || role == .tool {
                    throw .rejected(kind: "ValidationError", message: "ThinkChunk cannot be used in \(role.rawValue) message.")
                }
                chunks.append(.thinking(try cf.requiredString("thinking"), closed: try cf.optionalBool("closed") ?? true))
            case let type:
                throw .invalidRequest(path: cf.path + ".type", message: "content chunk type '\(type)' is not supported "
                                      + "(Bora encodes text chunks, and thinking chunks in system and assistant messages)")
            }
        }
        return .chunks(chunks)
    }

    static func toolCall(_ f: Fields) throws(InstructError) -> ToolCall {
        try f.requireObject(f.path)
        if let type = try f.optionalString("type"), type != "function" {
            throw .invalidRequest(path: f.path + ".type", message: "expected 'function', got '\(type)'")
        }
        let function = Fields(try f.required("function"), path: f.path + ".function")
        try function.requireObject(function.path)
        let name = try function.requiredString("name")
        let arguments = try function.required("arguments")
        switch arguments {
        case .string, .object, .null: break
        default:
            throw .invalidRequest(path: function.path + ".arguments",
                                  message: "expected a JSON object or a string, got \(typeName(arguments))")
        }
        return ToolCall(id: try f.optionalString("id") ?? "null", name: name, arguments: arguments)
    }

    static func tool(_ f: Fields) throws(InstructError) -> ToolDefinition {
        try f.requireObject(f.path)
        if let type = try f.optionalString("type"), type != "function" {
            throw .invalidRequest(path: f.path + ".type", message: "expected 'function', got '\(type)'")
        }
        let function = Fields(try f.required("function"), path: f.path + ".function")
        try function.requireObject(function.path)
        let parameters = try function.required("parameters")
        guard parameters.object != nil else {
            throw .invalidRequest(path: function.path + ".parameters", message: "expected a JSON object, got \(typeName(parameters))")
        }
        return ToolDefinition(name: try function.requiredString("name"),
                              description: try function.optionalString("description") ?? "",
                              parameters: parameters, strict: try function.optionalBool("strict") ?? false)
    }
}

extension FIMRequest {
    public init(json: JSONValue) throws(InstructError) {
        let f = Fields(json, path: "")
        try f.requireObject("request")
        prompt = try f.requiredString("prompt")
        suffix = try f.optionalString("suffix")
    }
}

/// Typed access to one JSON object's fields, with the path for error messages.
struct Fields {
    let value: JSONValue
    let path: String

    init(_ value: JSONValue, path: String) { self.value = value; self.path = path }

    func key(_ k: String) -> String { path.isEmpty ? k : path + "." + k }

    func requireObject(_ what: String) throws(InstructError) {
        guard value.object != nil else {
            throw .invalidRequest(path: what, message: "expected a JSON object, got \(typeName(value))")
        }
    }

    func required(_ k: String) throws(InstructError) -> JSONValue {
        guard let v = value[k] else { throw .invalidRequest(path: key(k), message: "missing") }
        return v
    }

    func requiredString(_ k: String) throws(InstructError) -> String {
        let v = try required(k)
        guard let s = v.string else { throw .invalidRequest(path: key(k), message: "expected a string, got \(typeName(v))") }
        return s
    }

    func requiredArray(_ k: String) throws(InstructError) -> [JSONValue] {
        let v = try required(k)
        guard let a = v.array else { throw .invalidRequest(path: key(k), message: "expected a list, got \(typeName(v))") }
        return a
    }

    func optionalString(_ k: String) throws(InstructError) -> String? {
        guard let v = value[k], v != .null else { return nil }
        guard let s = v.string else { throw .invalidRequest(path: key(k), message: "expected a string, got \(typeName(v))") }
        return s
    }

    func optionalArray(_ k: String) throws(InstructError) -> [JSONValue]? {
        guard let v = value[k], v != .null else { return nil }
        guard let a = v.array else { throw .invalidRequest(path: key(k), message: "expected a list, got \(typeName(v))") }
        return a
    }

    func optionalBool(_ k: String) throws(InstructError) -> Bool? {
        guard let v = value[k], v != .null else { return nil }
        guard case .bool(let b) = v else { throw .invalidRequest(path: key(k), message: "expected true or false, got \(typeName(v))") }
        return b
    }
}

func typeName(_ v: JSONValue) -> String {
    switch v {
    case .null: return "null"
    case .bool: return "a boolean"
    case .int, .double: return "a number"
    case .string: return "a string"
    case .array: return "a list"
    case .object: return "an object"
    }
}
