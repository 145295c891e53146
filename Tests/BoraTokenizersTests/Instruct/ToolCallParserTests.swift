import BoraTokenizers
import Testing

/// Model output -> tool calls: the assistant messages mistral-common encodes (Tests/Fixtures/instruct
/// "outputs") parsed back, whole and token by token, to the calls mistral-common's decoder reads.
@Suite("Mistral tool-call parser")
struct ToolCallParserTests {
    static let withOutputs = InstructFixture.names.filter { $0 != "v1" }

    static func ints(_ v: JSONValue?) -> [Int] {
        v?.array?.compactMap { if case .int(let i) = $0 { return i }; return nil } ?? []
    }

    /// What the deltas add up to: content, and per call (name, id, arguments text).
    static func replay(_ deltas: [ToolCallDelta]) -> (String, [Int: (name: String, id: String?, args: String)]) {
        var content = ""
        var calls: [Int: (name: String, id: String?, args: String)] = [:]
        for d in deltas {
            switch d {
            case .content(let s): content += s
            case .toolCallStarted(let i): calls[i] = ("", nil, "")
            case .name(let i, let s): calls[i]?.name = s
            case .id(let i, let s): calls[i]?.id = s
            case .arguments(let i, let s): calls[i]?.args += s
            }
        }
        return (content, calls)
    }

    @Test("goldens parse back, whole and streamed", arguments: withOutputs)
    func goldens(name: String) throws {
        let fixture = try InstructFixture(name)
        #expect(!fixture.outputs.isEmpty)
        for output in fixture.outputs {
            let label = "\(name)/\(output["name"]?.string ?? "?")"
            let tokens = Self.ints(output["tokens"])
            let expected = (output["tool_calls"]?.array ?? []).map { c in
                ParsedToolCall(id: c["id"]?.string == "null" ? nil : c["id"]?.string, name: c["name"]?.string ?? "",
                               arguments: c["arguments"] ?? .null)
            }
            let parsed = try MistralToolCallParser.parse(tokens, version: fixture.version, tokenizer: fixture.tokenizer)
            #expect(parsed.toolCalls == expected, "\(label)")
            #expect(parsed.content == output["content"]?.string, "\(label)")

            var parser = MistralToolCallParser(version: fixture.version, tokenizer: fixture.tokenizer)
            var deltas: [ToolCallDelta] = []
            for id in tokens { deltas += try parser.feed(id) }
            #expect(try parser.finish() == parsed, "\(label)")
            let (content, calls) = Self.replay(deltas)
            #expect(content == parsed.content, "\(label)")
            #expect(calls.count == expected.count, "\(label)")
            for (i, call) in expected.enumerated() {
                #expect(calls[i]?.name == call.name, "\(label) call \(i)")
                #expect(calls[i]?.id == call.id, "\(label) call \(i)")
                #expect(calls[i].flatMap { try? JSONValue(parsing: $0.args) } == call.arguments, "\(label) call \(i)")
            }
            // Arguments stream in more than one piece when the arguments span several tokens.
            if output["name"]?.string == "one_call" {
                #expect(deltas.filter { if case .arguments = $0 { return true }; return false }.count > 1, "\(label)")
            }
        }
    }

    @Test("truncated output is an error, never a crash", arguments: withOutputs)
    func truncated(name: String) throws {
        let fixture = try InstructFixture(name)
        for output in fixture.outputs {
            let tokens = Self.ints(output["tokens"]).dropLast()   // no EOS
            for cut in [1, 2, 3] where tokens.count > cut + 1 {
                let head = Array(tokens.dropLast(cut))
                #expect(throws: InstructError.self, "\(name) cut \(cut)") {
                    try MistralToolCallParser.parse(head, version: fixture.version, tokenizer: fixture.tokenizer)
                }
            }
        }
    }

    @Test("JSON-list forms: missing name, bad arguments, garbage, plain content")
    func malformedJSONList() throws {
        let fixture = try InstructFixture("tekken_240718")
        let tokenizer = fixture.tokenizer
        let toolCalls = try #require(tokenizer.specialTokenId("[TOOL_CALLS]"))
        func parse(_ pieces: [String], eos: Bool = true) throws(InstructError) -> ParsedAssistantOutput {
            var parser = MistralToolCallParser(version: .v3, tokenizer: tokenizer)
            _ = parser.feed(toolCalls, text: "[TOOL_CALLS]")
            for p in pieces { _ = parser.feed(1_000_000, text: p) }
            if eos, let e = tokenizer.eosId { _ = parser.feed(e, text: "") }
            return try parser.finish()
        }
        let ok = try parse([#"[{"name": "f", "#, #""arguments": {"a": [1, {"b": "}"}]}, "id": "abcdefghi"}]"#])
        #expect(ok.toolCalls == [ParsedToolCall(id: "abcdefghi", name: "f",
                                                arguments: try JSONValue(parsing: #"{"a": [1, {"b": "}"}]}"#))])
        for bad in [[#"[{"arguments": {}}]"#], [#"[{"name": "f", "arguments": "x"}]"#], ["not json"],
                    [#"[{"name": "f", "arguments": {}}] trailing"#], [#"[{"name": "f", "argu"#], [""]] {
            #expect(throws: InstructError.self, "\(bad)") { try parse(bad) }
        }
        // No [TOOL_CALLS]: everything is content.
        var parser = MistralToolCallParser(version: .v3, tokenizer: tokenizer)
        let deltas = parser.feed(1_000_000, text: "Hello ") + parser.feed(1_000_001, text: "[{\"name\": 1}]")
        #expect(deltas == [.content("Hello "), .content("[{\"name\": 1}]")])
        #expect(try parser.finish() == ParsedAssistantOutput(content: "Hello [{\"name\": 1}]", toolCalls: []))
    }

    @Test("[CALL_ID]/[ARGS] forms: missing name, missing [ARGS], bad JSON; UTF-8 split across tokens")
    func malformedArgsForm() throws {
        let fixture = try InstructFixture("tekken_synthetic_v11")
        let t = fixture.tokenizer
        let tc = try #require(t.specialTokenId("[TOOL_CALLS]")), args = try #require(t.specialTokenId("[ARGS]"))
        let callId = try #require(t.specialTokenId("[CALL_ID]"))
        func parse(_ feed: (inout MistralToolCallParser) -> Void) throws(InstructError) -> ParsedAssistantOutput {
            var p = MistralToolCallParser(version: .v11, tokenizer: t)
            feed(&p)
            return try p.finish()
        }
        #expect(throws: InstructError.self) { try parse { p in _ = p.feed(tc, text: ""); _ = p.feed(args, text: ""); _ = p.feed(5000, text: "{}") } }
        #expect(throws: InstructError.self) { try parse { p in _ = p.feed(tc, text: ""); _ = p.feed(5000, text: "f") } }
        #expect(throws: InstructError.self) { try parse { p in _ = p.feed(tc, text: ""); _ = p.feed(5000, text: "f"); _ = p.feed(args, text: ""); _ = p.feed(5001, text: "{\"a\": ") } }
        // "é" split over two tokens streams as one character; a name without [CALL_ID] is fine in v11.
        var p = MistralToolCallParser(version: .v11, tokenizer: t)
        var deltas = p.feed(tc, text: "") + p.feed(5000, text: "f") + p.feed(args, text: "")
        deltas += p.feed(5001, bytes: Array("{\"a\": \"".utf8) + [0xC3]) + p.feed(5002, bytes: [0xA9] + Array("\"}".utf8))
        #expect(deltas == [.toolCallStarted(index: 0), .name(index: 0, "f"), .arguments(index: 0, "{\"a\": \""),
                           .arguments(index: 0, "é\"}")])
        #expect(try p.finish().toolCalls == [ParsedToolCall(id: nil, name: "f", arguments: .object([("a", .string("é"))]))])
        _ = callId
    }
}
