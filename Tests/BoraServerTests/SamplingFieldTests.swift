import BoraEngine
import BoraServer
import BoraTokenizers
import Hummingbird
import HummingbirdTesting
import Testing

/// Request fields that change what is generated are honoured, with visible effects.
@Suite struct SamplingFieldTests {
    func text(_ r: TestResponse) throws -> String {
        try #require(try r.json()["choices"]?.array?.first?["text"]?.string)
    }

    /// Banning the greedy first token with logit_bias -100 changes the answer.
    @Test func logitBiasBansAToken() async throws {
        let server = try ServerFixture.server()
        let tokenizer = try #require(try ServerFixture.loaded.get().tokenizer)
        try await Application(router: server.makeRouter()).test(.router) { client in
            let prompt = #""prompt": "The capital of France is", "temperature": 0, "max_tokens": 1"#
            let plain = try text(try await client.post("/v1/completions", "{\(prompt)}"))
            let banned = try #require(try tokenizer.encode(plain, addBos: false, parseSpecial: false).first)
            let r = try await client.post("/v1/completions", "{\(prompt), \"logit_bias\": {\"\(banned)\": -100}}")
            #expect(r.status == .ok, "\(r.text)")
            #expect(try text(r) != plain)
        }
    }

    /// safe_prompt puts Mistral's guardrail system prompt first: the prompt grows by its tokens.
    @Test func safePromptAddsTheGuardrail() async throws {
        let server = try ServerFixture.server()
        try await Application(router: server.makeRouter()).test(.router) { client in
            func promptTokens(_ extra: String) async throws -> Int {
                let r = try await client.post("/v1/chat/completions", #"{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}], "max_tokens": 1, "temperature": 0"# + extra + "}")
                #expect(r.status == .ok, "\(r.text)")
                return try #require(try r.json()["usage"]?["prompt_tokens"].flatMap { if case let .int(n) = $0 { n } else { nil } })
            }
            let plain = try await promptTokens("")
            let safe = try await promptTokens(#", "safe_prompt": true"#)
            #expect(safe > plain + 20, "\(plain) -> \(safe)")
        }
    }

    /// A strong frequency penalty keeps greedy decoding from repeating itself.
    @Test func frequencyPenaltyChangesRepetition() async throws {
        let server = try ServerFixture.server()
        try await Application(router: server.makeRouter()).test(.router) { client in
            let body = #""prompt": "one one one one one one", "temperature": 0, "max_tokens": 8"#
            let plain = try text(try await client.post("/v1/completions", "{\(body)}"))
            let penalized = try text(try await client.post("/v1/completions", "{\(body), \"frequency_penalty\": 2, \"presence_penalty\": 2}"))
            #expect(plain != penalized)
        }
    }
}
