/// The part of Mistral's `ChatCompletionRequest` that decides the prompt (mistral-common
/// `protocol/instruct/request.py`, `messages.py`, `tool_calls.py`). Built from a `JSONValue` so that the key
/// order of tool schemas and arguments is kept (`ChatCompletionRequest(json:)`); sampling fields are ignored.
public struct ChatCompletionRequest: Sendable, Equatable {
    public var model: String?
    public var messages: [ChatMessage]
    public var tools: [ToolDefinition]?
    /// One of `MistralModelSettingsBuilder.reasoningEfforts`; v15 tokenizers encode it in `[MODEL_SETTINGS]`.
    public var reasoningEffort: String?

    public init(model: String? = nil, messages: [ChatMessage], tools: [ToolDefinition]? = nil,
                reasoningEffort: String? = nil) {
        self.model = model; self.messages = messages; self.tools = tools; self.reasoningEffort = reasoningEffort
    }
}

/// A Fill-in-the-Middle request (`/v1/fim/completions`): the model writes what goes between `prompt` and `suffix`.
public struct FIMRequest: Sendable, Equatable {
    public var prompt: String
    public var suffix: String?

    public init(prompt: String, suffix: String? = nil) { self.prompt = prompt; self.suffix = suffix }
}

/// Either kind of request `bora tokenize --chat` accepts.
public enum MistralRequest: Sendable, Equatable {
    case chat(ChatCompletionRequest)
    case fim(FIMRequest)
}

public enum ChatRole: String, Sendable, Equatable, CaseIterable {
    case system, user, assistant, tool
}

/// A message's content: a string or a list of chunks (`[{"type": "text", "text": ...}]`, and in system and
/// assistant messages `{"type": "thinking", "thinking": ..., "closed": true}`). Image and audio chunks are
/// rejected when parsing: Bora encodes text only.
public enum MessageContent: Sendable, Equatable {
    case text(String)
    case chunks([ContentChunk])

    /// Python truthiness of the content: a non-empty string or a non-empty list.
    var isTruthy: Bool {
        switch self {
        case .text(let s): return !s.isEmpty
        case .chunks(let c): return !c.isEmpty
        }
    }
}

/// One chunk of a message's content.
public enum ContentChunk: Sendable, Equatable {
    case text(String)
    /// A thought (Magistral's `[THINK]...[/THINK]`, mistral-common's `ThinkChunk`); `closed` false: the thought
    /// is still going (a prefix the model continues), so no `[/THINK]` follows it.
    case thinking(String, closed: Bool)

    var isThinking: Bool { if case .thinking = self { return true }; return false }
}

public enum ChatMessage: Sendable, Equatable {
    case system(MessageContent)
    case user(MessageContent)
    /// `prefix`: the reply must start with `content` (the message is continued, no EOS); only as the last message.
    case assistant(content: MessageContent?, toolCalls: [ToolCall]?, prefix: Bool)
    case tool(content: MessageContent, toolCallId: String?, name: String?)

    public var role: ChatRole {
        switch self {
        case .system: return .system
        case .user: return .user
        case .assistant: return .assistant
        case .tool: return .tool
        }
    }
}

/// A call the assistant made. `arguments` is what the request held: a JSON object, a string (usually JSON
/// text) or null; mistral-common normalizes all three (`FunctionCall.validate_arguments`).
public struct ToolCall: Sendable, Equatable {
    /// "null" when absent, as in mistral-common; v3+ require 9 alphanumerics.
    public var id: String
    public var name: String
    public var arguments: JSONValue

    public init(id: String = "null", name: String, arguments: JSONValue) {
        self.id = id; self.name = name; self.arguments = arguments
    }
}

/// A tool the model may call (`{"type": "function", "function": {name, description, parameters, strict}}`).
public struct ToolDefinition: Sendable, Equatable {
    public var name: String
    public var description: String
    /// A JSON Schema object, key order kept.
    public var parameters: JSONValue
    /// Not shown to the model (mistral-common drops it from `[AVAILABLE_TOOLS]`).
    public var strict: Bool

    public init(name: String, description: String = "", parameters: JSONValue, strict: Bool = false) {
        self.name = name; self.description = description; self.parameters = parameters; self.strict = strict
    }
}
