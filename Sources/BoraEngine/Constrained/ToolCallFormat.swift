import BoraTokenizers
import Foundation

/// A function the model may call: its name and the JSON Schema of its arguments.
public struct ToolSpec: Sendable, Equatable {
    public var name: String
    public var parameters: JSONValue
    public init(name: String, parameters: JSONValue) { self.name = name; self.parameters = parameters }
}

/// How a model family writes tool calls, to force them with a grammar and to read them back:
/// - `mistral`: `[TOOL_CALLS][{"name": ..., "arguments": {...}}, ...]` (v2-v7) or
///   `[TOOL_CALLS]name[ARGS]{...}` per call (v11+), with the special tokens themselves;
/// - `hermes`: `<tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>` per call (Hermes, Qwen 2.5,
///   ChatML templates);
/// - `llama3`: one `{"name": ..., "parameters": {...}}` (Llama 3.1+ JSON tool calling).
public enum ToolCallFormat: Sendable, Equatable {
    case mistral(MistralInstructVersion)
    case hermes
    case llama3

    /// The special tokens a forced Mistral call is written with. In the grammar each is one private-use code
    /// point (U+F0000 + index), which only that token can produce (see `TokenTrie(specials:)`).
    public static let mistralSpecials = ["[TOOL_CALLS]", "[ARGS]"]

    public static func detect(_ bundle: TokenizerBundle) -> ToolCallFormat {
        if case let .mistral(version)? = bundle.chatFormat { return .mistral(version) }
        let t = bundle.tokenizer
        if t.specialTokenId("<tool_call>") == nil, t.specialTokenId("<|eot_id|>") != nil { return .llama3 }
        return .hermes
    }

    /// Special tokens the forced grammar needs in the trie.
    public var specials: [String] {
        if case .mistral = self { return Self.mistralSpecials }
        return []
    }

    /// A grammar whose strings are one call (or, with `parallel`, one or more) of the given tools, each with
    /// arguments valid against the tool's parameters schema.
    public func grammar(tools: [ToolSpec], parallel: Bool) throws(GrammarError) -> Grammar {
        guard !tools.isEmpty else { throw .invalidSchema("no tools to call", path: "tools") }
        let args = try JSONSchemaCompiler.gbnf(named: tools.enumerated().map { ("args-\($0.offset)", $0.element.parameters) })
        func name(_ i: Int) -> String { JSONSchemaCompiler.jsonLiteral(.string(tools[i].name)) }
        let indices = Array(tools.indices)
        let rules: [String]
        switch self {
        case let .mistral(version) where version >= .v11:
            let alts = indices.map { "\(JSONSchemaCompiler.literal(tools[$0].name)) \"\\U000F0001\" args-\($0)" }
            rules = ["root ::= call\(parallel ? "+" : "")", "call ::= \"\\U000F0000\" ( \(alts.joined(separator: " | ")) )"]
        case .mistral:
            let alts = indices.map { "\"{\\\"name\\\": \" \(name($0)) \", \\\"arguments\\\": \" args-\($0) \"}\"" }
            rules = ["root ::= \"\\U000F0000[\" call \(parallel ? "( \", \" call )*" : "") \"]\"", "call ::= \( alts.joined(separator: " | "))"]
        case .hermes:
            let alts = indices.map { "\(name($0)) \", \\\"arguments\\\": \" args-\($0)" }
            rules = ["root ::= call \(parallel ? "( \"\\n\" call )*" : "")",
                     "call ::= \"<tool_call>\\n{\\\"name\\\": \" ( \(alts.joined(separator: " | ")) ) \"}\\n</tool_call>\""]
        case .llama3:
            let alts = indices.map { "\(name($0)) \", \\\"parameters\\\": \" args-\($0)" }
            rules = ["root ::= \"{\\\"name\\\": \" ( \(alts.joined(separator: " | ")) ) \"}\""]
        }
        return try Grammar(gbnf: rules.joined(separator: "\n") + "\n" + args)
    }

    /// Content and tool calls of a finished output (`tokens` for Mistral, `text` otherwise). Calls that do
    /// not parse stay in the content.
    public func parse(text: String, tokens: [Int], tokenizer: any Tokenizer) -> ParsedAssistantOutput {
        switch self {
        case let .mistral(version):
            return (try? MistralToolCallParser.parse(tokens, version: version, tokenizer: tokenizer))
                ?? ParsedAssistantOutput(content: text, toolCalls: [])
        case .hermes:
            var content = "", calls: [ParsedToolCall] = []
            var rest = Substring(text)
            while let open = rest.range(of: "<tool_call>"), let close = rest[open.upperBound...].range(of: "</tool_call>") {
                content += rest[..<open.lowerBound]
                let body = String(rest[open.upperBound..<close.lowerBound])
                if let call = Self.call(body, argumentsKey: "arguments") { calls.append(call) } else { content += rest[open.lowerBound..<close.upperBound] }
                rest = rest[close.upperBound...]
            }
            content += rest
            return ParsedAssistantOutput(content: calls.isEmpty ? text : content.trimmingCharacters(in: .whitespacesAndNewlines), toolCalls: calls)
        case .llama3:
            let body = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if body.hasPrefix("{"), let call = Self.call(body, argumentsKey: "parameters") ?? Self.call(body, argumentsKey: "arguments") {
                return ParsedAssistantOutput(content: "", toolCalls: [call])
            }
            return ParsedAssistantOutput(content: text, toolCalls: [])
        }
    }

    static func call(_ json: String, argumentsKey: String) -> ParsedToolCall? {
        guard let v = try? JSONValue(parsing: json), let name = v["name"]?.string, let args = v[argumentsKey], args.object != nil else { return nil }
        return ParsedToolCall(id: nil, name: name, arguments: args)
    }
}
