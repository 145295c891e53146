import BoraEngine
import BoraTokenizers
import Testing

/// Forced tool-call grammars per model family, and reading calls back from text.
@Suite struct ConstrainedToolCallTests {
    static let tools = [
        ToolSpec(name: "get_weather", parameters: .object([
            ("type", .string("object")),
            ("properties", .object([("city", .object([("type", .string("string"))]))])),
            ("required", .array([.string("city")])),
        ])),
        ToolSpec(name: "noop", parameters: .object([("type", .string("object")), ("additionalProperties", .bool(false))])),
    ]

    func accepts(_ format: ToolCallFormat, parallel: Bool, _ text: String) throws -> Bool {
        let m = try GrammarMatcher(try format.grammar(tools: Self.tools, parallel: parallel))
        let s = try m.advance(m.initial, text: text)
        return s != 0 && m.accepts(s)
    }

    @Test func hermes() throws {
        let one = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>"
        let two = one + "\n<tool_call>\n{\"name\": \"noop\", \"arguments\": {}}\n</tool_call>"
        #expect(try accepts(.hermes, parallel: false, one))
        #expect(try !accepts(.hermes, parallel: false, two))
        #expect(try accepts(.hermes, parallel: true, two))
        #expect(try !accepts(.hermes, parallel: true, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {}}\n</tool_call>"))
        #expect(try !accepts(.hermes, parallel: true, "<tool_call>\n{\"name\": \"other\", \"arguments\": {}}\n</tool_call>"))
        let parsed = ToolCallFormat.hermes.parse(text: "Sure. " + two, tokens: [], tokenizer: TestTokenizer())
        #expect(parsed.content == "Sure.")
        #expect(parsed.toolCalls.map(\.name) == ["get_weather", "noop"])
        #expect(parsed.toolCalls.first?.arguments == .object([("city", .string("Oslo"))]))
    }

    @Test func llama3AndMistral() throws {
        #expect(try accepts(.llama3, parallel: true, "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Oslo\"}}"))
        #expect(ToolCallFormat.llama3.parse(text: "{\"name\": \"noop\", \"parameters\": {}}", tokens: [], tokenizer: TestTokenizer()).toolCalls.count == 1)
        #expect(try accepts(.mistral(.v3), parallel: true, "\u{F0000}[{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}, {\"name\": \"noop\", \"arguments\": {}}]"))
        #expect(try !accepts(.mistral(.v3), parallel: true, "[TOOL_CALLS][{\"name\": \"noop\", \"arguments\": {}}]"))
        #expect(try accepts(.mistral(.v11), parallel: true, "\u{F0000}get_weather\u{F0001}{\"city\": \"Oslo\"}\u{F0000}noop\u{F0001}{}"))
        #expect(try !accepts(.mistral(.v11), parallel: false, "\u{F0000}noop\u{F0001}{}\u{F0000}noop\u{F0001}{}"))
    }
}

/// The minimum a `Tokenizer` needs for text-only parsing.
struct TestTokenizer: Tokenizer {
    var vocabularySize: Int { 0 }
    var bosId: Int? { nil }
    var eosId: Int? { nil }
    var addsBosByDefault: Bool { false }
    func isEndOfGeneration(_ id: Int) -> Bool { false }
    func encode(_ text: String, addBos: Bool, parseSpecial: Bool) throws -> [Int] { [] }
    func decode(_ ids: [Int]) throws -> String { "" }
    func pieceBytes(_ id: Int) throws -> [UInt8] { [] }
    func specialTokenId(_ text: String) -> Int? { nil }
}
