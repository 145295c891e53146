import BoraEngine
import BoraServer
import BoraTokenizers
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// Mistral's own tool-call formats end to end, on tiny random-weight Mistral checkpoints carrying
/// mistral-common's tokenizers (made by scripts/make_mistral_tool_model.py): SentencePiece v3
/// (`[TOOL_CALLS][{...}]`) and Tekken with the v11 control tokens (`[TOOL_CALLS]name[ARGS]{...}`). The prompt
/// of a conversation with tools, a call and its result is mistral-common's, and a forced call
/// (`tool_choice` "any") comes back as a valid `tool_calls` entry whole and streamed, the output read from
/// the special tokens.
@Suite("Mistral tool calls on a Mistral-format model", .serialized)
struct MistralToolModelTests {
    static let kinds = ["sp-v3", "tekken-v11"]
    static let models: [String: Result<LoadedModel, any Error>] = Dictionary(uniqueKeysWithValues: kinds.map { ($0, make($0)) })

    /// The checkpoint, made once per machine in the temporary directory.
    static func make(_ kind: String) -> Result<LoadedModel, any Error> {
        Result {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bora-mistral-tool-tiny-\(kind)-v1").path
            if !FileManager.default.fileExists(atPath: dir + "/consolidated.safetensors") {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                p.arguments = ["python3", TestPaths.repo.appendingPathComponent("scripts/make_mistral_tool_model.py").path,
                               "--tokenizer", kind, "--out", dir]
                try p.run()
                p.waitUntilExit()
                guard p.terminationStatus == 0 else { throw TestSupportError.missingModel }
            }
            return try LoadedModel(path: dir)
        }
    }

    static func model(_ kind: String) throws -> LoadedModel { try #require(models[kind]).get() }

    static func server(_ kind: String) throws -> BoraServer {
        var c = ServerConfiguration()
        c.host = "127.0.0.1"
        c.port = 0
        c.parallel = 1
        c.contextLength = 512
        c.threads = 1
        var logger = Logger(label: "bora.test")
        logger.logLevel = .warning
        return try BoraServer(loaded: try model(kind), configuration: c, logger: logger)
    }

    static let weather = #"{"type": "function", "function": {"name": "get_weather", "description": "Weather in a city", "parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 8}, "unit": {"enum": ["c", "f"]}}, "required": ["city", "unit"], "additionalProperties": false}}}"#

    static func request(stream: Bool) -> String {
        #"{"messages": [{"role": "user", "content": "Weather in Rome?"}], "temperature": 0, "max_tokens": 200, "stream": \#(stream), "tools": [\#(weather)], "tool_choice": "any"}"#
    }

    static func checkArguments(_ text: String?) throws {
        let args = try JSONValue(parsing: try #require(text))
        let schema = try #require(try JSONValue(parsing: weather)["function"]?["parameters"])
        #expect(JSONSchemaValidator.violation(of: args, against: schema) == nil, "\(args)")
    }

    @Test(arguments: zip(kinds, [MistralInstructVersion.v3, .v11]))
    func detectsMistralFormat(_ kind: String, _ expected: MistralInstructVersion) throws {
        let loaded = try Self.model(kind)
        guard case .mistral(let version)? = loaded.tokenizerBundle?.chatFormat else {
            Issue.record("the checkpoint's tokenizer is not read as a Mistral tokenizer")
            return
        }
        #expect(version == expected)
        #expect(loaded.tokenizer?.specialTokenId("[TOOL_CALLS]") != nil)
    }

    /// mistral-common's rendering of the same request (Tests/Fixtures/mistral/tool-prompt-goldens.json).
    @Test(arguments: kinds)
    func promptMatchesMistralCommon(_ kind: String) throws {
        let text = try String(contentsOfFile: TestPaths.fixture("mistral/tool-prompt-goldens.json"), encoding: .utf8)
        let golden = try JSONValue(parsing: text)
        let expected = golden["tokens"]?[kind]?.array?.compactMap { v -> Int? in if case let .int(i) = v { return i }; return nil } ?? []
        #expect(expected.count > 100)
        let tokens = try Self.server(kind).chatPromptTokens(try #require(golden["request"]))
        #expect(tokens == expected)
    }

    /// A forced call comes back valid, whole and streamed. On Tekken (v11) this once failed: greedy decoding
    /// spelled the grammar's stand-ins for [TOOL_CALLS] / [ARGS] (private-use code points) with byte tokens, so
    /// no special token came out; only the special tokens themselves can produce those now (TokenTrie).
    @Test(arguments: kinds)
    func forcedCallWholeAndStreamed(_ kind: String) async throws {
        try await Self.forcedCall(kind)
    }

    static func forcedCall(_ kind: String) async throws {
        let server = try Self.server(kind)
        try await Application(router: server.makeRouter()).test(.router) { client in
            let r = try await client.post("/v1/chat/completions", Self.request(stream: false))
            #expect(r.status == .ok, "\(r.text)")
            let choice = try r.json()["choices"]?.array?.first
            #expect(choice?["finish_reason"]?.string == "tool_calls", "\(r.text)")
            let call = try #require(choice?["message"]?["tool_calls"]?.array?.first, "\(r.text)")
            #expect(call["function"]?["name"]?.string == "get_weather")
            #expect(call["id"]?.string?.count == 9)
            let whole = call["function"]?["arguments"]?.string
            try Self.checkArguments(whole)

            let s = try await client.post("/v1/chat/completions", Self.request(stream: true))
            #expect(s.status == .ok)
            let chunks = s.text.split(separator: "\n").filter { $0.hasPrefix("data: {") }
                .compactMap { try? JSONValue(parsing: String($0.dropFirst(6))) }
            let deltas = chunks.compactMap { $0["choices"]?.array?.first?["delta"]?["tool_calls"]?.array }.flatMap { $0 }
            let header = try #require(deltas.first)
            #expect(header["index"] == .int(0))
            #expect(header["type"]?.string == "function")
            #expect(header["function"]?["name"]?.string == "get_weather")
            #expect(header["id"]?.string?.count == 9)
            #expect(deltas.dropFirst().allSatisfy { $0["index"] == .int(0) && $0["id"] == nil })
            let streamed = deltas.compactMap { $0["function"]?["arguments"]?.string }.joined()
            try Self.checkArguments(streamed)
            #expect(streamed == whole, "greedy decoding gives the same call both ways")
            #expect(deltas.count > 2, "the arguments stream in fragments")
            // No content deltas: a forced call is all call.
            #expect(chunks.allSatisfy { ($0["choices"]?.array?.first?["delta"]?["content"]?.string ?? "").isEmpty })
            #expect(chunks.last?["choices"]?.array?.first?["finish_reason"]?.string == "tool_calls")
            #expect(s.text.hasSuffix("data: [DONE]\n\n"))
        }
    }
}
