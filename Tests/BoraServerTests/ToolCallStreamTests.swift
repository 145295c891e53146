import BoraEngine
import BoraServer
import BoraTokenizers
import Testing

/// The incremental tool-call reader of streamed answers (`ToolCallStream`) for the text families (Hermes /
/// Qwen `<tool_call>`, Llama 3 JSON): fed one character, one random-sized piece, or all at once, what it
/// streams adds up to what it holds at the end, and that equals `ToolCallFormat.parse` of the whole output.
@Suite("Streamed tool calls: text families")
struct ToolCallStreamTests {
    /// What the events of a stream add up to.
    struct Replay: Equatable {
        var content = ""
        var calls: [StreamedToolCall] = []

        init(_ events: [ToolStreamEvent]) {
            for e in events {
                switch e {
                case let .content(t): content += t
                case let .callStarted(i, id, name):
                    #expect(i == calls.count, "calls start in order, one index each")
                    calls.append(StreamedToolCall(id: id, name: name, arguments: ""))
                case let .arguments(i, t):
                    #expect(i == calls.count - 1, "arguments belong to the latest call")
                    if calls.indices.contains(i) { calls[i].arguments += t }
                }
            }
        }
    }

    static func run(_ format: ToolCallFormat, _ pieces: [String], parallel: Bool = true) -> (events: [ToolStreamEvent], stream: ToolCallStream) {
        var stream = ToolCallStream(format: format, parallel: parallel, tokenizer: StubTokenizer(), makeId: { "call_id_0" })
        var events: [ToolStreamEvent] = []
        for p in pieces { events += stream.feed(text: p, tokens: []) }
        events += stream.finish()
        return (events, stream)
    }

    static func characters(_ s: String) -> [String] { s.map(String.init) }

    @Test func hermesCallAfterContent() throws {
        let text = "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"c\"}}\n</tool_call>"
        let (events, stream) = Self.run(.hermes, Self.characters(text))
        #expect(stream.content == "Let me check.")
        #expect(stream.calls == [StreamedToolCall(id: "call_id_0", name: "get_weather", arguments: #"{"city": "Paris", "unit": "c"}"#)])
        #expect(Replay(events).calls == stream.calls)
        #expect(Replay(events).content == stream.content)
        // No part of the marker leaks as content, and the arguments stream in many fragments.
        #expect(!events.contains { if case let .content(t) = $0 { return t.contains("<") }; return false })
        #expect(events.filter { if case .arguments = $0 { return true }; return false }.count > 10)
    }

    /// The header goes out as soon as the arguments begin, before the rest of the output exists.
    @Test func headerBeforeTheEnd() {
        var stream = ToolCallStream(format: .hermes, parallel: true, tokenizer: StubTokenizer(), makeId: { "x" })
        #expect(stream.feed(text: "<tool_", tokens: []).isEmpty)
        #expect(stream.feed(text: "call>\n{\"name\": \"f\"", tokens: []).isEmpty)
        let events = stream.feed(text: ", \"arguments\": {\"a\"", tokens: [])
        #expect(events == [.callStarted(index: 0, id: "x", name: "f"), .arguments(index: 0, "{\"a\"")])
        #expect(stream.feed(text: ": 1}}\n</tool_call>", tokens: []) == [.arguments(index: 0, ": 1}")])
        #expect(stream.finish().isEmpty)
        #expect(stream.finishReason("stop") == "tool_calls")
    }

    @Test(arguments: [
        "a < b and <tool_cat> are not markers",
        "<tool_call>\nnot json</tool_call> then text",
        "<tool_call>{\"name\": 5, \"arguments\": {}}</tool_call>",
        "<tool_call>{\"name\": \"f\", \"arguments\": 5}</tool_call>",
        "<tool_call>{\"name\": \"f\"}</tool_call>",
        "<tool_call>{\"arguments\": {\"a\": 1}}</tool_call>",
        "ends inside a marker <tool_ca",
        "  leading and trailing space  ",
    ])
    func hermesNotACall(_ text: String) {
        for pieces in [Self.characters(text), [text]] {
            let (events, stream) = Self.run(.hermes, pieces)
            #expect(stream.calls.isEmpty, "\(text)")
            #expect(stream.content == text)
            #expect(Replay(events).content == text)
            #expect(stream.finishReason("stop") == "stop")
        }
    }

    @Test func hermesArgumentsBeforeName() {
        let (events, stream) = Self.run(.hermes, Self.characters("<tool_call>{\"arguments\": {\"q\": \"}{\"}, \"name\": \"search\"}</tool_call>"))
        #expect(stream.calls == [StreamedToolCall(id: "call_id_0", name: "search", arguments: #"{"q": "}{"}"#)])
        #expect(Replay(events).calls == stream.calls)
        #expect(stream.content.isEmpty)
    }

    @Test func parallelCalls() {
        let one = "<tool_call>\n{\"name\": \"a\", \"arguments\": {}}\n</tool_call>"
        let two = "<tool_call>\n{\"name\": \"b\", \"arguments\": {\"x\": [1, {\"y\": null}]}}\n</tool_call>"
        let (events, stream) = Self.run(.hermes, Self.characters(one + "\n" + two))
        #expect(stream.calls.map(\.name) == ["a", "b"])
        #expect(stream.calls.map(\.arguments) == ["{}", #"{"x": [1, {"y": null}]}"#])
        #expect(Replay(events).calls == stream.calls)
        let (single, only) = Self.run(.hermes, Self.characters(one + "\n" + two), parallel: false)
        #expect(only.calls.map(\.name) == ["a"])
        #expect(Replay(single).calls == only.calls)
        #expect(only.content.isEmpty)
    }

    /// A forced call cut by the token limit stays a call with the arguments written so far ("length").
    @Test func truncatedCall() {
        let (events, stream) = Self.run(.hermes, Self.characters("<tool_call>\n{\"name\": \"f\", \"arguments\": {\"city\": \"Par"))
        #expect(stream.calls == [StreamedToolCall(id: "call_id_0", name: "f", arguments: #"{"city": "Par"#)])
        #expect(Replay(events).calls == stream.calls)
        #expect(stream.finishReason("length") == "length")
        // Cut after a complete call (a second one begun but not yet a call): the call stands.
        let (_, complete) = Self.run(.hermes, ["<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call>\n<tool_ca"])
        #expect(complete.calls.count == 1)
        #expect(complete.content == "<tool_ca")
        #expect(complete.finishReason("length") == "tool_calls")
    }

    @Test func llama3() {
        let call = "{\"name\": \"get_time\", \"parameters\": {\"zone\": \"UTC\", \"n\": [1, 2.5e3, true]}}"
        for pieces in [Self.characters(" \n" + call), [call]] {
            let (events, stream) = Self.run(.llama3, pieces)
            #expect(stream.calls == [StreamedToolCall(id: "call_id_0", name: "get_time", arguments: #"{"zone": "UTC", "n": [1, 2.5e3, true]}"#)])
            #expect(Replay(events).calls == stream.calls)
            #expect(stream.content.isEmpty)
        }
        for text in ["Hello {there}", "{\"answer\": 42}", " {\"name\": \"f\"}", "{\"name\": \"f\", \"parameters\": [1]}"] {
            let (events, stream) = Self.run(.llama3, Self.characters(text))
            #expect(stream.calls.isEmpty, "\(text)")
            #expect(stream.content == text)
            #expect(Replay(events).content == text)
        }
    }

    /// Differential: random outputs of each text family, cut at random points; the stream adds up to what
    /// `ToolCallFormat.parse` reads from the whole output (content compared without the whitespace the
    /// non-streamed parse trims around calls).
    @Test(arguments: [ToolCallFormat.hermes, .llama3])
    func differential(_ format: ToolCallFormat) throws {
        var rng = SplitMix64(seed: format == .hermes ? 7 : 11)
        var withCalls = 0
        for n in 0..<400 {
            let text = ToolOutputSampler.output(format, rng: &rng)
            let expected = format.parse(text: text, tokens: [], tokenizer: StubTokenizer())
            let cuts = [Self.characters(text), [text], ToolOutputSampler.pieces(text, rng: &rng)]
            for pieces in cuts {
                let (events, stream) = Self.run(format, pieces)
                let replay = Replay(events)
                #expect(replay.calls == stream.calls, "\(n): \(text)")
                #expect(replay.content == stream.content, "\(n): \(text)")
                #expect(stream.calls.map(\.name) == expected.toolCalls.map(\.name), "\(n): \(text)")
                let arguments = stream.calls.map { try? JSONValue(parsing: $0.arguments) }
                #expect(arguments == expected.toolCalls.map { Optional($0.arguments) }, "\(n): \(text)")
                #expect(stream.content.trimmingCharacters(in: .whitespacesAndNewlines)
                        == expected.content.trimmingCharacters(in: .whitespacesAndNewlines), "\(n): \(text)")
            }
            if !expected.toolCalls.isEmpty { withCalls += 1 }
        }
        #expect(withCalls > 100)
    }
}
