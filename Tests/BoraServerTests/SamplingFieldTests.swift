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

    /// min_tokens keeps end-of-generation tokens out until that many tokens are generated.
    @Test func minTokensDelaysTheEnd() async throws {
        let server = try ServerFixture.server()
        try await Application(router: server.makeRouter()).test(.router) { client in
            func completion(_ extra: String) async throws -> (Int, String?) {
                let r = try await client.post("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "Reply with one word: yes or no?"}], "temperature": 0, "max_tokens": 40"# + extra + "}")
                #expect(r.status == .ok, "\(r.text)")
                let body = try r.json()
                let n = body["usage"]?["completion_tokens"].flatMap { if case let .int(n) = $0 { n } else { nil } } ?? -1
                return (n, body["choices"]?.array?.first?["finish_reason"]?.string)
            }
            let (plain, finish) = try await completion("")
            #expect(finish == "stop" && plain < 12, "\(plain) \(finish ?? "-")")
            let (forced, _) = try await completion(#", "min_tokens": 12"#)
            #expect(forced >= 12)
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

/// OpenAI's log-probabilities: chat's `logprobs.content` and the legacy completions' parallel arrays,
/// streamed and whole alike.
@Suite struct LogprobTests {
    func number(_ v: JSONValue?) -> Double? {
        switch v { case let .double(d)?: d; case let .int(i)?: Double(i); default: nil }
    }

    @Test func chatLogprobs() async throws {
        let server = try ServerFixture.server()
        try await Application(router: server.makeRouter()).test(.router) { client in
            let r = try await client.post("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "What is 2+2?"}], "temperature": 0, "max_tokens": 4, "logprobs": true, "top_logprobs": 3}"#)
            #expect(r.status == .ok, "\(r.text)")
            let choice = try #require(try r.json()["choices"]?.array?.first)
            let content = try #require(choice["logprobs"]?["content"]?.array)
            #expect(content.count == 4)
            var joined = ""
            for item in content {
                let lp = try #require(number(item["logprob"]))
                #expect(lp <= 0)
                joined += item["token"]?.string ?? ""
                let top = try #require(item["top_logprobs"]?.array)
                #expect(top.count == 3)
                // Greedy: the chosen token is the most likely one.
                #expect(abs((number(top.first?["logprob"]) ?? 1) - lp) < 1e-5)
                #expect(item["bytes"]?.array != nil)
            }
            #expect(joined == choice["message"]?["content"]?.string)
        }
    }

    @Test func completionLogprobsStreamed() async throws {
        let server = try ServerFixture.server()
        try await Application(router: server.makeRouter()).test(.router) { client in
            let r = try await client.post("/v1/completions", #"{"prompt": "The capital of France is", "temperature": 0, "max_tokens": 3, "logprobs": 2, "stream": true}"#)
            #expect(r.status == .ok)
            var tokens: [String] = []
            for line in r.text.split(separator: "\n") where line.hasPrefix("data: {") {
                let chunk = try JSONValue(parsing: String(line.dropFirst(6)))
                guard let lp = chunk["choices"]?.array?.first?["logprobs"], lp != .null else { continue }
                tokens += (lp["tokens"]?.array ?? []).compactMap(\.string)
                #expect(lp["token_logprobs"]?.array?.count == lp["tokens"]?.array?.count)
                #expect((lp["top_logprobs"]?.array ?? []).allSatisfy { $0.object?.count ?? 0 <= 2 })
            }
            #expect(tokens.count == 3)
        }
    }
}

/// `n` choices: each its own sequence in the batch, at index i, with the usage summed.
@Suite struct ChoicesTests {
    func int(_ v: JSONValue?) -> Int? { if case let .int(n)? = v { n } else { nil } }

    @Test func severalChoicesWhole() async throws {
        let server = try ServerFixture.server(parallel: 2)
        try await Application(router: server.makeRouter()).test(.router) { client in
            let r = try await client.post("/v1/completions", #"{"prompt": "Once upon a time", "max_tokens": 6, "temperature": 1, "seed": 5, "n": 3}"#)
            #expect(r.status == .ok, "\(r.text)")
            let body = try r.json()
            let choices = try #require(body["choices"]?.array)
            #expect(choices.map { int($0["index"]) } == [0, 1, 2])
            let completion = choices.count * 6
            #expect(int(body["usage"]?["completion_tokens"]) ?? 0 <= completion)
            #expect(choices.allSatisfy { $0["text"]?.string != nil })
            // Seeds seed+i: the same request gives the same three texts.
            let again = try await client.post("/v1/completions", #"{"prompt": "Once upon a time", "max_tokens": 6, "temperature": 1, "seed": 5, "n": 3}"#)
            #expect(try again.json()["choices"] == body["choices"])
        }
    }

    @Test func severalChoicesStreamed() async throws {
        let server = try ServerFixture.server(parallel: 2)
        try await Application(router: server.makeRouter()).test(.router) { client in
            let r = try await client.post("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 5, "temperature": 0.9, "n": 2, "stream": true}"#)
            #expect(r.status == .ok)
            var indexes = Set<Int>(), finishes = 0, usages = 0
            for line in r.text.split(separator: "\n") where line.hasPrefix("data: {") {
                let chunk = try JSONValue(parsing: String(line.dropFirst(6)))
                for c in chunk["choices"]?.array ?? [] {
                    if let i = int(c["index"]) { indexes.insert(i) }
                    if c["finish_reason"]?.string != nil { finishes += 1 }
                }
                if chunk["usage"] != nil, chunk["usage"] != .null { usages += 1 }
            }
            #expect(indexes == [0, 1])
            #expect(finishes == 2)
            #expect(usages == 1)
            #expect(r.text.hasSuffix("data: [DONE]\n\n"))
        }
    }

    @Test func choicesWithToolsAreRefused() async throws {
        let server = try ServerFixture.server()
        try await Application(router: server.makeRouter()).test(.router) { client in
            let r = try await client.post("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "Hi"}], "n": 2, "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]}"#)
            #expect(r.status.code == 422)
            #expect(try r.json()["error"]?["param"]?.string == "n")
        }
    }
}
