import BoraServer
import BoraTokenizers
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Routes, in process")
struct RouteTests {
    @Test func healthAndModels() async throws {
        let server = try ServerFixture.server()
        try await Application(router: server.makeRouter()).test(.router) { client in
            let health = try await client.execute(uri: "/health", method: .get)
            #expect(health.status == .ok)
            let models = try await client.execute(uri: "/v1/models", method: .get)
            #expect(models.status == .ok)
            let list = try models.json()
            #expect(list["object"]?.string == "list")
            let card = try #require(list["data"]?.array?.first)
            #expect(card["id"]?.string == "SmolLM2-135M-Instruct.Q4_1")
            #expect(card["max_context_length"] == .int(256))
            #expect(card["capabilities"]?["completion_chat"] == .bool(true))
            #expect(card["capabilities"]?["completion_fim"] == .bool(false))
            let one = try await client.execute(uri: "/v1/models/SmolLM2-135M-Instruct.Q4_1", method: .get)
            #expect(one.status == .ok)
            let missing = try await client.execute(uri: "/v1/models/mistral-large-latest", method: .get)
            #expect(missing.status == .notFound)
            #expect(try missing.json()["error"]?["code"]?.string == "model_not_found")
        }
    }

    /// A chat's next turn repeats the conversation so far: the server evaluates only what is new, and says
    /// so in `usage.prompt_tokens_details.cached_tokens` as OpenAI's API does.
    @Test func nextTurnReportsCachedPromptTokens() async throws {
        let server = try ServerFixture.server()
        try await Application(router: server.makeRouter()).test(.router) { client in
            func int(_ v: JSONValue?) -> Int? { if case let .int(n)? = v { n } else { nil } }
            let first = try await client.post("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "Name a color."}], "temperature": 0, "max_tokens": 4}"#)
            #expect(first.status == .ok, "\(first.text)")
            let body = try first.json()
            #expect(body["usage"]?["prompt_tokens_details"] == nil)
            let answer = try #require(body["choices"]?.array?.first?["message"]?["content"]?.string)
            let prompt = try #require(int(body["usage"]?["prompt_tokens"]))
            let turn = JSONValue.object([
                ("messages", .array([
                    .object([("role", .string("user")), ("content", .string("Name a color."))]),
                    .object([("role", .string("assistant")), ("content", .string(answer))]),
                    .object([("role", .string("user")), ("content", .string("Another one."))]),
                ])),
                ("temperature", .int(0)), ("max_tokens", .int(4)),
            ])
            let second = try await client.post("/v1/chat/completions", turn.dumps())
            #expect(second.status == .ok, "\(second.text)")
            let cached = try #require(int(try second.json()["usage"]?["prompt_tokens_details"]?["cached_tokens"]))
            #expect(cached >= prompt)
        }
    }

    @Test func chatCompletion() async throws {
        let server = try ServerFixture.server()
        try await Application(router: server.makeRouter()).test(.router) { client in
            let r = try await client.post("/v1/chat/completions", #"""
                {"model": "SmolLM2-135M-Instruct.Q4_1", "messages": [{"role": "system", "content": "Be brief."},
                 {"role": "user", "content": [{"type": "text", "text": "Say hi"}]}], "temperature": 0, "max_tokens": 5,
                 "seed": 1, "presence_penalty": 0, "response_format": {"type": "text"}, "user": "u1", "unknown_field": 3}
                """#)
            #expect(r.status == .ok, "\(r.text)")
            let body = try r.json()
            #expect(body["object"]?.string == "chat.completion")
            let choice = try #require(body["choices"]?.array?.first)
            #expect(choice["message"]?["role"]?.string == "assistant")
            let content = choice["message"]?["content"]?.string ?? ""
            #expect(content.count > 0)
            #expect(["stop", "length"].contains(choice["finish_reason"]?.string ?? ""))
            #expect(body["usage"]?["completion_tokens"].flatMap { if case let .int(n) = $0 { n } else { nil } } ?? 99 <= 5)

            // Greedy is deterministic, and a stop sequence cuts the text before it.
            let again = try await client.post("/v1/chat/completions", #"{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say hi"}], "temperature": 0, "max_tokens": 5}"#)
            let text = try again.json()["choices"]?.array?.first?["message"]?["content"]?.string ?? ""
            #expect(text == choice["message"]?["content"]?.string)
            let words = text.split(separator: " ")
            if words.count >= 2 {
                let stopped = try await client.post("/v1/chat/completions", #"{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say hi"}], "temperature": 0, "max_tokens": 5, "stop": [" \#(words[1])"]}"#)
                let s = try stopped.json()["choices"]?.array?.first
                #expect(s?["message"]?["content"]?.string == String(words[0]))
                #expect(s?["finish_reason"]?.string == "stop")
            }
        }
    }

    @Test func chatStream() async throws {
        let server = try ServerFixture.server()
        try await Application(router: server.makeRouter()).test(.router) { client in
            let r = try await client.post("/v1/chat/completions", #"""
                {"messages": [{"role": "user", "content": "Say hi"}], "temperature": 0, "max_tokens": 4,
                 "stream": true, "stream_options": {"include_usage": true}}
                """#)
            #expect(r.status == .ok)
            #expect(r.headers[.contentType] == "text/event-stream")
            let events = r.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(events.allSatisfy { $0.hasPrefix("data: ") })
            #expect(events.last == "data: [DONE]")
            let chunks = try events.dropLast().map { try JSONValue(parsing: String($0.dropFirst(6))) }
            #expect(chunks.allSatisfy { $0["object"]?.string == "chat.completion.chunk" })
            #expect(chunks.first?["choices"]?.array?.first?["delta"]?["role"]?.string == "assistant")
            let finals = chunks.compactMap { $0["choices"]?.array?.first?["finish_reason"]?.string }
            #expect(finals.count == 1)
            #expect(chunks.last?["choices"]?.array?.isEmpty == true)
            #expect(chunks.last?["usage"]?["total_tokens"] != nil)

            // The streamed text equals the whole response.
            let streamed = chunks.compactMap { $0["choices"]?.array?.first?["delta"]?["content"]?.string }.joined()
            let whole = try await client.post("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "Say hi"}], "temperature": 0, "max_tokens": 4}"#)
            #expect(try whole.json()["choices"]?.array?.first?["message"]?["content"]?.string == streamed)
        }
    }

    @Test func textCompletion() async throws {
        let server = try ServerFixture.server()
        try await Application(router: server.makeRouter()).test(.router) { client in
            let r = try await client.post("/v1/completions", #"{"prompt": "The capital of France is", "temperature": 0, "max_tokens": 3}"#)
            #expect(r.status == .ok, "\(r.text)")
            let body = try r.json()
            #expect(body["object"]?.string == "text_completion")
            #expect(body["choices"]?.array?.first?["text"]?.string?.isEmpty == false)
            #expect(body["usage"]?["completion_tokens"] == .int(3))
        }
    }

    /// Each bad request gets the APIs' error shape, a status and the field at fault.
    @Test(arguments: [
        ("/v1/chat/completions", "{not json", 400, nil as String?),
        ("/v1/chat/completions", "[1, 2]", 400, nil),
        ("/v1/chat/completions", #"{"messages": "hi"}"#, 400, "messages"),
        ("/v1/chat/completions", #"{"messages": []}"#, 400, "messages"),
        ("/v1/chat/completions", #"{}"#, 400, "messages"),
        ("/v1/chat/completions", #"{"messages": [{"role": "wizard", "content": "hi"}]}"#, 400, "messages[0].role"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user"}]}"#, 400, "messages[0].content"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi"}], "temperature": "hot"}"#, 400, "temperature"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi"}], "temperature": 5}"#, 400, "temperature"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi"}], "max_tokens": 0}"#, 400, "max_tokens"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi"}], "stream": "yes"}"#, 400, "stream"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi"}], "stop": [1]}"#, 400, "stop"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi"}], "max_tokens": 1000}"#, 400, "max_tokens"),
        ("/v1/chat/completions", #"{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}"#, 404, "model"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi"}], "n": 0}"#, 400, "n"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi"}], "n": 17}"#, 400, "n"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi"}], "presence_penalty": 2.5}"#, 400, "presence_penalty"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi"}], "frequency_penalty": "x"}"#, 400, "frequency_penalty"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi"}], "logit_bias": {"abc": 1}}"#, 400, "logit_bias"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi"}], "logit_bias": {"999999": 1}}"#, 400, "logit_bias"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi"}], "logit_bias": {"5": 300}}"#, 400, "logit_bias"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi"}], "logprobs": "yes"}"#, 400, "logprobs"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi"}], "logprobs": true, "top_logprobs": 21}"#, 400, "top_logprobs"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi"}], "top_logprobs": 3}"#, 400, "top_logprobs"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi"}], "min_tokens": -1}"#, 400, "min_tokens"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi"}], "response_format": {"type": "json_schema", "json_schema": {}}}"#, 400, "response_format.json_schema.schema"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi"}], "tool_choice": "any"}"#, 400, "tool_choice"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": "x"}]}]}"#, 422, "messages[0].content[0].type"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi"}], "reasoning_effort": "high"}"#, 400, "reasoning_effort"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi"}], "reasoning_effort": "ultra"}"#, 400, "reasoning_effort"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": [{"type": "thinking", "thinking": "x"}]}]}"#, 422, "messages[0].content[0].type"),
        ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi"}], "chat_template_kwargs": 5}"#, 400, "chat_template_kwargs"),
        ("/v1/completions", #"{"prompt": 7}"#, 400, "prompt"),
        ("/v1/completions", #"{"prompt": ["a", "b"]}"#, 422, "prompt"),
        ("/v1/fim/completions", #"{"prompt": "def f(", "suffix": ")"}"#, 400, nil),
    ])
    func badRequests(route: String, body: String, status: Int, param: String?) async throws {
        let server = try ServerFixture.server()
        try await Application(router: server.makeRouter()).test(.router) { client in
            let r = try await client.post(route, body)
            #expect(r.status.code == status, "\(r.text)")
            let error = try #require(try r.json()["error"])
            let message = error["message"]?.string ?? ""
            #expect(message.count > 0)
            #expect(error["type"]?.string != nil)
            #expect(error["param"]?.string == param)
        }
    }

    @Test func overContextMessageHasTheNumbers() async throws {
        let server = try ServerFixture.server()
        try await Application(router: server.makeRouter()).test(.router) { client in
            let r = try await client.post("/v1/completions", #"{"prompt": "The capital of France is", "max_tokens": 300}"#)
            #expect(r.status == .badRequest)
            let message = try r.json()["error"]?["message"]?.string ?? ""
            #expect(message.contains("max_tokens is 300"))
            #expect(message.contains("context window of 256 tokens"))
            #expect(try r.json()["error"]?["code"]?.string == "context_length_exceeded")
        }
    }

    @Test func apiKeyAndBodyLimit() async throws {
        let server = try ServerFixture.server(apiKey: "sekret", maxBody: 2048)
        try await Application(router: server.makeRouter()).test(.router) { client in
            #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
            let none = try await client.execute(uri: "/v1/models", method: .get)
            #expect(none.status == .unauthorized)
            #expect(try none.json()["error"]?["type"]?.string == "authentication_error")
            let wrong = try await client.execute(uri: "/v1/models", method: .get, headers: [.authorization: "Bearer nope"])
            #expect(wrong.status == .unauthorized)
            let right = try await client.execute(uri: "/v1/models", method: .get, headers: [.authorization: "Bearer sekret"])
            #expect(right.status == .ok)
            let big = "{\"prompt\": \"" + String(repeating: "a", count: 4096) + "\"}"
            let tooLarge = try await client.post("/v1/completions", big, headers: [.authorization: "Bearer sekret"])
            #expect(tooLarge.status == .contentTooLarge)
            #expect(try tooLarge.json()["error"]?["code"]?.string == "request_too_large")
        }
    }
}
