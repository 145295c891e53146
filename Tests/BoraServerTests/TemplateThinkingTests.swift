import BoraEngine
import BoraFormats
import BoraServer
import BoraTokenizers
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// Thinking through chat templates: SmolLM2 (the real model) with two of its unused added tokens renamed
/// `<think>` and `</think>` and a thinking model's template (Qwen 3's, DeepSeek R1's), written once to the
/// temporary directory. Forced tokens make it think; the server splits the thought the same way as
/// Mistral's, including a prompt that already opened the thought (DeepSeek R1's `<think>\n`).
@Suite("Thinking through chat templates", .serialized)
struct TemplateThinkingTests {
    static let thought = "Let me think: 2 and 2."
    static let answer = "The answer is 4."
    /// SmolLM2's `<gh_stars>` and `<issue_start>`, renamed.
    static let think = 7, unthink = 8, imEnd = 2

    static func model(_ template: String) throws -> LoadedModel {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bora-smollm2-think-\(template)-v1.gguf").path
        if !FileManager.default.fileExists(atPath: path) {
            let source = try GGUFFile(path: try TestPaths.smolLM2())
            let jinja = try String(contentsOfFile: TestPaths.fixture("jinja/templates/\(template).jinja"), encoding: .utf8)
            var metadata: [(String, GGUFValue)] = []
            for key in source.metadataKeys {
                guard var value = source.metadata[key] else { continue }
                if key == "tokenizer.ggml.tokens", var tokens = value.array {
                    tokens[think] = .string("<think>")
                    tokens[unthink] = .string("</think>")
                    value = .array(tokens)
                } else if key == "tokenizer.ggml.token_type", var types = value.array {
                    types[think] = .int32(4)  // user-defined: its text is part of the output
                    types[unthink] = .int32(4)
                    value = .array(types)
                } else if key == "tokenizer.chat_template" {
                    value = .string(jinja)
                }
                metadata.append((key, value))
            }
            let writer = try GGUFFileWriter(path: path, metadata: metadata, tensors: source.tensors.map {
                GGUFFileWriter.TensorInfo(name: $0.name, shape: $0.shape, type: $0.type)
            }, alignment: source.alignment)
            for t in source.tensors { try writer.writeTensor(UnsafeRawBufferPointer(start: source.data(for: t), count: t.byteCount)) }
            try writer.commit()
        }
        return try LoadedModel(path: path)
    }

    static func server(_ template: String, forced: ([Int], [Int]) -> [Int]) throws -> BoraServer {
        let loaded = try model(template)
        let tokenizer = try #require(loaded.tokenizer)
        let thoughtIds = try tokenizer.encode(thought, addBos: false, parseSpecial: false)
        let answerIds = try tokenizer.encode("\n\n" + answer, addBos: false, parseSpecial: false)
        var c = ServerConfiguration()
        c.port = 0
        c.contextLength = 512
        c.threads = 1
        c.forcedTokens = forced(thoughtIds, answerIds)
        var logger = Logger(label: "bora.test")
        logger.logLevel = .warning
        return try BoraServer(loaded: loaded, configuration: c, logger: logger)
    }

    static func body(stream: Bool, _ extra: String = "", maxTokens: Int = 40) -> String {
        #"{"messages": [{"role": "user", "content": "What is 2+2?"}], "temperature": 0, "max_tokens": \#(maxTokens), "stream": \#(stream)\#(extra)}"#
    }

    @Test func markersAreFound() throws {
        let tokenizer = try #require(try Self.model("qwen3-0.6b").tokenizer)
        #expect(ThoughtMarkers.detect(tokenizer) == ThoughtMarkers(open: "<think>", close: "</think>", openToken: Self.think, closeToken: Self.unthink))
    }

    /// Qwen 3: the model opens the thought itself; `<think>` and `</think>` (whose text is output) are
    /// dropped, and so is the layout around them.
    @Test func qwen3ThoughtIsSplit() async throws {
        let server = try Self.server("qwen3-0.6b") { t, a in [Self.think] + t + [Self.unthink] + a + [Self.imEnd] }
        try await Application(router: server.makeRouter()).test(.router) { client in
            let r = try await client.post("/v1/chat/completions", Self.body(stream: false))
            let message = try r.json()["choices"]?.array?.first?["message"]
            #expect(message?["reasoning_content"]?.string == Self.thought, "\(r.text)")
            #expect(message?["content"]?.string == Self.answer, "\(r.text)")

            let s = try await client.post("/v1/chat/completions", Self.body(stream: true))
            let deltas = ThinkingModelTests.deltas(s)
            #expect(deltas.compactMap { $0["reasoning_content"]?.string }.joined() == Self.thought, "\(s.text)")
            #expect(deltas.compactMap { $0["content"]?.string }.joined() == Self.answer, "\(s.text)")
            #expect(!s.text.contains("think>"))
        }
    }

    /// Qwen 3 calling a tool after thinking: the call is read from the answer's text (Hermes format) and
    /// streams as deltas; neither the thought nor `<tool_call>` reaches the content.
    @Test func qwen3ToolCallAfterTheThought() async throws {
        let loaded = try Self.model("qwen3-0.6b")
        let tokenizer = try #require(loaded.tokenizer)
        let call = try tokenizer.encode("\n\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\", \"unit\": \"c\"}}\n</tool_call>",
                                        addBos: false, parseSpecial: false)
        let server = try Self.server("qwen3-0.6b") { t, _ in [Self.think] + t + [Self.unthink] + call + [Self.imEnd] }
        let tools = #", "tools": [\#(MistralToolModelTests.weather)]"#
        try await Application(router: server.makeRouter()).test(.router) { client in
            let r = try await client.post("/v1/chat/completions", Self.body(stream: false, tools, maxTokens: 120))
            let choice = try r.json()["choices"]?.array?.first
            #expect(choice?["finish_reason"]?.string == "tool_calls", "\(r.text)")
            #expect(choice?["message"]?["reasoning_content"]?.string == Self.thought)
            #expect(choice?["message"]?["content"] == .null, "\(r.text)")
            let first = try #require(choice?["message"]?["tool_calls"]?.array?.first)
            #expect(first["function"]?["name"]?.string == "get_weather")
            try MistralToolModelTests.checkArguments(first["function"]?["arguments"]?.string)

            let s = try await client.post("/v1/chat/completions", Self.body(stream: true, tools, maxTokens: 120))
            let deltas = ThinkingModelTests.deltas(s)
            #expect(deltas.compactMap { $0["reasoning_content"]?.string }.joined() == Self.thought, "\(s.text)")
            #expect(deltas.allSatisfy { ($0["content"]?.string ?? "").isEmpty }, "\(s.text)")
            let calls = deltas.compactMap { $0["tool_calls"]?.array }.flatMap { $0 }
            try MistralToolModelTests.checkArguments(calls.compactMap { $0["function"]?["arguments"]?.string }.joined())
        }
    }

    /// DeepSeek R1's template can end the prompt inside the thought (`<think>\n`): the output is thought
    /// until `</think>`. Left closed (its default here), the output is all answer.
    @Test func deepSeekPromptOpensTheThought() async throws {
        let server = try Self.server("deepseek-r1-distill-qwen-32b") { t, a in t + [Self.unthink] + a + [Self.imEnd] }
        try await Application(router: server.makeRouter()).test(.router) { client in
            let r = try await client.post("/v1/chat/completions", Self.body(stream: false, #", "chat_template_kwargs": {"enable_thinking": true}"#))
            let message = try r.json()["choices"]?.array?.first?["message"]
            #expect(message?["reasoning_content"]?.string == Self.thought, "\(r.text)")
            #expect(message?["content"]?.string == Self.answer, "\(r.text)")
            #expect(try r.json()["usage"]?["completion_tokens_details"]?["reasoning_tokens"] != nil)
        }
        let plain = try Self.server("deepseek-r1-distill-qwen-32b") { _, a in a + [Self.imEnd] }
        try await Application(router: plain.makeRouter()).test(.router) { client in
            let r = try await client.post("/v1/chat/completions", Self.body(stream: false))
            let message = try r.json()["choices"]?.array?.first?["message"]
            #expect(message?["reasoning_content"] == nil, "\(r.text)")
            #expect(message?["content"]?.string == "\n\n" + Self.answer, "\(r.text)")
        }
    }
}

/// `bora run`'s conversation on a thinking model: the thought goes to its own callback and stays out of
/// the history; /think switches it through the template.
@Suite("Chat session thinking", .serialized)
struct ChatSessionThinkingTests {
    @Test func thoughtIsKeptApartFromTheAnswer() throws {
        let loaded = try TemplateThinkingTests.model("deepseek-r1-distill-qwen-32b")
        let chat = ChatSession(loaded: loaded, contextLength: 256, threads: 1, sampling: .greedy, maxTokens: 6)
        try chat.setThinking(true)  // the prompt ends inside the thought: "<think>\n"
        var thought = "", answer = ""
        try chat.respond(to: "Hi", onThought: { thought += $0 }, onText: { answer += $0 })
        #expect(!thought.isEmpty)
        #expect(answer.isEmpty)
        #expect(chat.messages.last?.content == "")

        try chat.setThinking(false)  // "<think>\n</think>": all answer
        thought = ""
        try chat.respond(to: "Hi", onThought: { thought += $0 }, onText: { answer += $0 })
        #expect(thought.isEmpty)
        #expect(!answer.isEmpty)
    }

    @Test func modelsWithoutThoughtsOrSwitchSayWhy() throws {
        let plain = ChatSession(loaded: try ServerFixture.loaded.get(), contextLength: 128, threads: 1, sampling: .greedy, maxTokens: 4)
        #expect(throws: EngineError.self) { try plain.setThinking(true) }
        let v13 = try #require(ThinkingModelTests.models["tekken-v13"]).get()
        let mistral = ChatSession(loaded: v13, contextLength: 128, threads: 1, sampling: .greedy, maxTokens: 4)
        #expect(throws: EngineError.self) { try mistral.setThinking(true) }
        #expect(mistral.thinking == nil)
    }
}
