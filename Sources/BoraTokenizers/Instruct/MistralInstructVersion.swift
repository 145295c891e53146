/// Mistral's instruct-format versions (mistral-common `TokenizerVersion`), the versions Bora encodes.
///
/// Which file uses which (mistral-common 1.13.1 `MistralTokenizer.from_file`): `tokenizer.model.v1` -> v1,
/// `*.model.v2` -> v2, `*.model.v3` -> v3, `*.model.v7`/`v7m1` -> v7; Tekken files carry `config.version`
/// (`tekken_240718.json` and `tekken_240911.json`, Nemo and Pixtral, are v3; later models v7, v11, v13, v15).
public enum MistralInstructVersion: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    /// `[INST]` as text, system prompt in the first user message.
    case v1 = 1
    /// `[INST]` control tokens, tools, system prompt in the last user message, `[TOOL_CALLS]` JSON list without ids.
    case v2 = 2
    /// v2 with tool-call ids (`{"content":..., "call_id":...}` results) and the tool history kept.
    case v3 = 3
    /// `[SYSTEM_PROMPT]` blocks, `[TOOL_CONTENT]` results, content and tool calls in one assistant turn.
    case v7 = 7
    /// v7 with calls as `[TOOL_CALLS]name[CALL_ID]id[ARGS]{...}`.
    case v11 = 11
    /// Calls as `[TOOL_CALLS]name[ARGS]{...}`, no ids in results, tools at the first user message.
    case v13 = 13
    /// v13 with `[MODEL_SETTINGS]` (reasoning effort) after the tools, no thinking in system messages, and a
    /// message's text chunks joined without a separator.
    case v15 = 15

    /// "v1", "v3", ... as in mistral-common and Tekken's `config.version`.
    public init?(_ name: String) {
        guard let v = Self.allCases.first(where: { $0.description == name }) else { return nil }
        self = v
    }

    public var description: String { "v\(rawValue)" }

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// mistral-common's `ValidationMode`: `test` is what `MistralTokenizer.from_file` uses; `serving` also
/// requires `model` and as many tool results as tool calls.
public enum MistralValidationMode: Sendable {
    case test
    case serving
}
