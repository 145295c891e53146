import BoraEngine
import BoraServer
import BoraTokenizers
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// Thinking end to end, on tiny random-weight Mistral checkpoints carrying v13 and v15 Tekken tokenizers
/// with [THINK] / [/THINK] (scripts/make_mistral_tool_model.py, the synthetic files of the instruct goldens).
/// A random model does not think by itself, so the server is driven with forced tokens
/// (`ServerConfiguration.forcedTokens`): a thought, then an answer, a tool call, or nothing (the constraint's
/// choice). Every route shape is checked whole and streamed: OpenAI's `reasoning_content`, Mistral's
/// thinking chunks, `none`, the budget, the token limit inside a thought, constraints after the thought.
@Suite("Thinking on Mistral-format models", .serialized)
struct ThinkingModelTests {
    static let kinds = ["tekken-v13", "tekken-v15"]
    static let models: [String: Result<LoadedModel, any Error>] = Dictionary(uniqueKeysWithValues: kinds.map { ($0, MistralToolModelTests.make($0)) })
    static let thought = "Let me think: 2 and 2."
    static let answer = "The answer is 4."
    /// What Mistral's Python SDK sends.
    static let mistralHeaders: HTTPFields = [.contentType: "application/json", .userAgent: "mistral-client-python/3.7.0"]

    struct Script {
        let think: Int, unthink: Int, eos: Int, calls: Int, args: Int
        let thought: [Int], answer: [Int]
        init(_ tokenizer: any Tokenizer) throws {
            think = try #require(tokenizer.specialTokenId("[THINK]"))
            unthink = try #require(tokenizer.specialTokenId("[/THINK]"))
            calls = try #require(tokenizer.specialTokenId("[TOOL_CALLS]"))
            args = try #require(tokenizer.specialTokenId("[ARGS]"))
            eos = try #require(tokenizer.eosId)
            thought = try tokenizer.encode(ThinkingModelTests.thought, addBos: false, parseSpecial: false)
            answer = try tokenizer.encode(ThinkingModelTests.answer, addBos: false, parseSpecial: false)
        }
        /// [THINK] thought [/THINK] answer </s>
        var thinkThenAnswer: [Int] { [think] + thought + [unthink] + answer + [eos] }
    }

    static func setup(_ kind: String, forced: (Script) throws -> [Int], budget: Int? = nil,
                      format: ReasoningFormat = .auto) throws -> (BoraServer, Script, any Tokenizer) {
        let loaded = try #require(models[kind]).get()
        let tokenizer = try #require(loaded.tokenizer)
        let script = try Script(tokenizer)
        var c = ServerConfiguration()
        c.port = 0
        c.contextLength = 1024
        c.threads = 1
        c.reasoningBudget = budget
        c.reasoningFormat = format
        c.forcedTokens = try forced(script)
        var logger = Logger(label: "bora.test")
        logger.logLevel = .warning
        return (try BoraServer(loaded: loaded, configuration: c, logger: logger), script, tokenizer)
    }

    static func body(stream: Bool, _ extra: String = "") -> String {
        #"{"messages": [{"role": "user", "content": "What is 2+2?"}], "temperature": 0, "max_tokens": 60, "stream": \#(stream)\#(extra)}"#
    }

    /// The JSON chunks of a streamed answer.
    static func chunks(_ r: TestResponse) -> [JSONValue] {
        r.text.split(separator: "\n").filter { $0.hasPrefix("data: {") }.compactMap { try? JSONValue(parsing: String($0.dropFirst(6))) }
    }

    static func deltas(_ r: TestResponse) -> [JSONValue] { chunks(r).compactMap { $0["choices"]?.array?.first?["delta"] } }

    /// The text of Mistral content: a string, or the text of its text chunks (`type` "text") or thinking chunks.
    static func text(_ content: JSONValue?, thinking: Bool) -> String {
        if let s = content?.string { return thinking ? "" : s }
        return (content?.array ?? []).map { chunk -> String in
            if thinking, chunk["type"]?.string == "thinking" {
                return (chunk["thinking"]?.array ?? []).compactMap { $0["text"]?.string }.joined()
            }
            return !thinking && chunk["type"]?.string == "text" ? chunk["text"]?.string ?? "" : ""
        }.joined()
    }

    @Test(arguments: kinds)
    func modelHasThoughtMarkers(_ kind: String) throws {
        let loaded = try #require(Self.models[kind]).get()
        let tokenizer = try #require(loaded.tokenizer)
        let markers = try #require(ThoughtMarkers.detect(tokenizer))
        #expect(markers.open == "[THINK]" && markers.close == "[/THINK]")
    }

    @Test(arguments: kinds)
    func openAIReasoningContentWholeAndStreamed(_ kind: String) async throws {
        let (server, script, _) = try Self.setup(kind) { $0.thinkThenAnswer }
        try await Application(router: server.makeRouter()).test(.router) { client in
            let r = try await client.post("/v1/chat/completions", Self.body(stream: false))
            #expect(r.status == .ok, "\(r.text)")
            let json = try r.json()
            let message = json["choices"]?.array?.first?["message"]
            #expect(message?["reasoning_content"]?.string == Self.thought, "\(r.text)")
            #expect(message?["content"]?.string == Self.answer, "\(r.text)")
            #expect(json["choices"]?.array?.first?["finish_reason"]?.string == "stop")
            #expect(json["usage"]?["completion_tokens_details"]?["reasoning_tokens"] == .int(script.thought.count))

            let s = try await client.post("/v1/chat/completions", Self.body(stream: true))
            let deltas = Self.deltas(s)
            #expect(deltas.compactMap { $0["reasoning_content"]?.string }.joined() == Self.thought, "\(s.text)")
            #expect(deltas.compactMap { $0["content"]?.string }.joined() == Self.answer, "\(s.text)")
            // The thought comes first, then the answer, never mixed in one delta.
            let firstAnswer = try #require(deltas.firstIndex { !($0["content"]?.string ?? "").isEmpty })
            #expect(deltas[firstAnswer...].allSatisfy { $0["reasoning_content"] == nil })
            #expect(deltas.allSatisfy { $0["reasoning_content"] == nil || $0["content"] == nil })
        }
    }

    /// Mistral's shape: chosen by Mistral's SDK user agent, by `prompt_mode`, or by reasoning_format.
    @Test(arguments: kinds)
    func mistralThinkingChunksWholeAndStreamed(_ kind: String) async throws {
        let (server, _, _) = try Self.setup(kind) { $0.thinkThenAnswer }
        let headers = Self.mistralHeaders
        try await Application(router: server.makeRouter()).test(.router) { client in
            for (extra, h) in [("", headers), (#", "reasoning_format": "mistral""#, ServerFixture.jsonHeaders),
                               (#", "prompt_mode": "reasoning""#, ServerFixture.jsonHeaders)] {
                let r = try await client.post("/v1/chat/completions", Self.body(stream: false, extra), headers: h)
                #expect(r.status == .ok, "\(r.text)")
                let message = try r.json()["choices"]?.array?.first?["message"]
                let content = try #require(message?["content"]?.array, "\(r.text)")
                #expect(content.count == 2)
                #expect(content.first?["type"]?.string == "thinking")
                #expect(Self.text(message?["content"], thinking: true) == Self.thought)
                #expect(Self.text(message?["content"], thinking: false) == Self.answer)
                #expect(message?["reasoning_content"] == nil)
            }
            let s = try await client.post("/v1/chat/completions", Self.body(stream: true), headers: headers)
            let contents = Self.deltas(s).compactMap { $0["content"] }
            #expect(contents.map { Self.text($0, thinking: true) }.joined() == Self.thought, "\(s.text)")
            #expect(contents.map { Self.text($0, thinking: false) }.joined() == Self.answer, "\(s.text)")
            // After the thought, the answer streams as text chunks, as Mistral's API sends it.
            #expect(contents.dropFirst().allSatisfy { $0.array != nil }, "\(s.text)")
        }
    }

    @Test(arguments: kinds)
    func reasoningFormatNoneLeavesTheThoughtInTheContent(_ kind: String) async throws {
        let (server, _, _) = try Self.setup(kind, forced: { $0.thinkThenAnswer }, format: .none)
        try await Application(router: server.makeRouter()).test(.router) { client in
            let r = try await client.post("/v1/chat/completions", Self.body(stream: false))
            let message = try r.json()["choices"]?.array?.first?["message"]
            #expect(message?["content"]?.string == "[THINK]\(Self.thought)[/THINK]\(Self.answer)", "\(r.text)")
            #expect(message?["reasoning_content"] == nil)
            // A request's own reasoning_format wins over the server's.
            let o = try await client.post("/v1/chat/completions", Self.body(stream: false, #", "reasoning_format": "openai""#))
            #expect(try o.json()["choices"]?.array?.first?["message"]?["reasoning_content"]?.string == Self.thought)
        }
    }

    /// The budget closes the thought ([/THINK] forced) and the answer follows; the token limit inside a
    /// thought ends with "length" and the thought so far, the content empty.
    @Test(arguments: kinds)
    func budgetAndLimit(_ kind: String) async throws {
        let (server, script, tokenizer) = try Self.setup(kind) { $0.thinkThenAnswer }
        let firstThree = try tokenizer.decode(Array(script.thought.prefix(3))).trimmingCharacters(in: .whitespaces)
        try await Application(router: server.makeRouter()).test(.router) { client in
            let r = try await client.post("/v1/chat/completions", Self.body(stream: false, #", "reasoning_budget": 3"#))
            let json = try r.json()
            let message = json["choices"]?.array?.first?["message"]
            #expect(message?["reasoning_content"]?.string == firstThree, "\(r.text)")
            #expect(json["usage"]?["completion_tokens_details"]?["reasoning_tokens"] == .int(3))
            #expect(message?["content"]?.string?.hasSuffix(Self.answer) == true, "\(r.text)")
            #expect(json["choices"]?.array?.first?["finish_reason"]?.string == "stop")

            let cut = try await client.post("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "Hi"}], "temperature": 0, "max_tokens": 4}"#)
            let choice = try cut.json()["choices"]?.array?.first
            #expect(choice?["finish_reason"]?.string == "length", "\(cut.text)")
            #expect(choice?["message"]?["reasoning_content"]?.string == firstThree)
            #expect(choice?["message"]?["content"]?.string == "")

            let zero = try await client.post("/v1/chat/completions", Self.body(stream: false, #", "reasoning_budget": 0"#))
            #expect(try zero.json()["choices"]?.array?.first?["message"]?["reasoning_content"] == nil, "\(zero.text)")
        }
    }

    /// A forced call and JSON output constrain only what follows the thought.
    @Test(arguments: kinds)
    func constraintsApplyAfterTheThought(_ kind: String) async throws {
        let (server, _, _) = try Self.setup(kind) { $0.thinkThenAnswer }
        let tools = #", "tools": [\#(MistralToolModelTests.weather)], "tool_choice": "any""#
        try await Application(router: server.makeRouter()).test(.router) { client in
            let r = try await client.post("/v1/chat/completions", Self.body(stream: false, tools))
            let choice = try r.json()["choices"]?.array?.first
            #expect(choice?["message"]?["reasoning_content"]?.string == Self.thought, "\(r.text)")
            #expect(choice?["finish_reason"]?.string == "tool_calls", "\(r.text)")
            let call = try #require(choice?["message"]?["tool_calls"]?.array?.first)
            #expect(call["function"]?["name"]?.string == "get_weather")
            try MistralToolModelTests.checkArguments(call["function"]?["arguments"]?.string)

            let s = try await client.post("/v1/chat/completions", Self.body(stream: true, tools))
            let deltas = Self.deltas(s)
            #expect(deltas.compactMap { $0["reasoning_content"]?.string }.joined() == Self.thought, "\(s.text)")
            let calls = deltas.compactMap { $0["tool_calls"]?.array }.flatMap { $0 }
            try MistralToolModelTests.checkArguments(calls.compactMap { $0["function"]?["arguments"]?.string }.joined())
            #expect(deltas.allSatisfy { ($0["content"]?.string ?? "").isEmpty }, "\(s.text)")

            let j = try await client.post("/v1/chat/completions", Self.body(stream: false, #", "response_format": {"type": "json_object"}"#))
            let message = try j.json()["choices"]?.array?.first?["message"]
            #expect(message?["reasoning_content"]?.string == Self.thought, "\(j.text)")
            #expect(try JSONValue(parsing: try #require(message?["content"]?.string)).object != nil, "\(j.text)")
        }
    }

    /// A call the model writes itself after thinking (tool_choice auto) is read from the answer's tokens:
    /// whole, streamed as deltas, and never as [TOOL_CALLS] text or thought in the content.
    @Test(arguments: kinds)
    func autoToolCallAfterTheThought(_ kind: String) async throws {
        let arguments = #"{"city": "Rome", "unit": "c"}"#
        let (server, _, _) = try Self.setup(kind) { s in
            let loaded = try #require(Self.models[kind]).get()
            let tokenizer = try #require(loaded.tokenizer)
            let name = try tokenizer.encode("get_weather", addBos: false, parseSpecial: false)
            let args = try tokenizer.encode(arguments, addBos: false, parseSpecial: false)
            return [s.think] + s.thought + [s.unthink, s.calls] + name + [s.args] + args + [s.eos]
        }
        let tools = #", "tools": [\#(MistralToolModelTests.weather)]"#
        try await Application(router: server.makeRouter()).test(.router) { client in
            let r = try await client.post("/v1/chat/completions", Self.body(stream: false, tools))
            let choice = try r.json()["choices"]?.array?.first
            #expect(choice?["finish_reason"]?.string == "tool_calls", "\(r.text)")
            #expect(choice?["message"]?["reasoning_content"]?.string == Self.thought)
            #expect(choice?["message"]?["content"] == .null)
            let call = try #require(choice?["message"]?["tool_calls"]?.array?.first)
            #expect(call["function"]?["name"]?.string == "get_weather")
            #expect(call["function"]?["arguments"]?.string == arguments)
            #expect(call["id"]?.string?.count == 9)

            let s = try await client.post("/v1/chat/completions", Self.body(stream: true, tools), headers: Self.mistralHeaders)
            let deltas = Self.deltas(s)
            #expect(deltas.compactMap { $0["content"] }.map { Self.text($0, thinking: true) }.joined() == Self.thought, "\(s.text)")
            #expect(deltas.compactMap { $0["content"] }.map { Self.text($0, thinking: false) }.joined() == "", "\(s.text)")
            let calls = deltas.compactMap { $0["tool_calls"]?.array }.flatMap { $0 }
            #expect(calls.first?["function"]?["name"]?.string == "get_weather")
            #expect(calls.compactMap { $0["function"]?["arguments"]?.string }.joined() == arguments)
            #expect(!s.text.contains("TOOL_CALLS"))
            #expect(Self.chunks(s).last?["choices"]?.array?.first?["finish_reason"]?.string == "tool_calls")
        }
    }

    @Test func badReasoningFieldsAreRefused() async throws {
        let (server, _, _) = try Self.setup("tekken-v13") { $0.thinkThenAnswer }
        try await Application(router: server.makeRouter()).test(.router) { client in
            let f = try await client.post("/v1/chat/completions", Self.body(stream: false, #", "reasoning_format": "xml""#))
            #expect(f.status == .badRequest)
            #expect(f.text.contains("reasoning_format must be one of auto, none, openai, mistral"), "\(f.text)")
            let b = try await client.post("/v1/chat/completions", Self.body(stream: false, #", "reasoning_budget": -1"#))
            #expect(b.status == .badRequest)
            #expect(b.text.contains("reasoning_budget"), "\(b.text)")
        }
    }
}
