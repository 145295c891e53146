import BoraEngine
import BoraServer
import BoraTokenizers
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct EmbeddingsTests {
    func vectors(_ r: TestResponse) throws -> [JSONValue] {
        try #require(try r.json()["data"]?.array)
    }

    func floats(_ v: JSONValue?) -> [Double] {
        (v?.array ?? []).map { if case let .double(d) = $0 { d } else if case let .int(i) = $0 { Double(i) } else { .nan } }
    }

    @Test func floatAndBase64() async throws {
        let server = try ServerFixture.server()
        let width = try ServerFixture.loaded.get().config.embeddingLength
        let tokenizer = try #require(try ServerFixture.loaded.get().tokenizer)
        try await Application(router: server.makeRouter()).test(.router) { client in
            let r = try await client.post("/v1/embeddings", #"{"input": ["The cat sat on the mat.", "Stocks fell sharply today."], "model": "SmolLM2-135M-Instruct.Q4_1"}"#)
            #expect(r.status == .ok, "\(r.text)")
            let body = try r.json()
            #expect(body["object"]?.string == "list")
            #expect(body["usage"]?["prompt_tokens"] != nil)
            let data = try vectors(r)
            #expect(data.count == 2)
            #expect(data.map { $0["index"] } == [.int(0), .int(1)])
            let a = floats(data[0]["embedding"]), b = floats(data[1]["embedding"])
            #expect(a.count == width && b.count == width)
            #expect(abs(a.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4, "unit length")
            #expect(a != b)

            // base64: the same floats as little-endian float32.
            let r64 = try await client.post("/v1/embeddings", #"{"input": "The cat sat on the mat.", "encoding_format": "base64"}"#)
            let encoded = try #require(try vectors(r64).first?["embedding"]?.string)
            let bytes = try #require(Data(base64Encoded: encoded))
            #expect(bytes.count == width * 4)
            let decoded = (0..<width).map { i in
                Double(Float(bitPattern: bytes[(i * 4)..<(i * 4 + 4)].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }))
            }
            #expect(zip(decoded, a).allSatisfy { abs($0 - $1) < 1e-6 })

            // Token ids give the same vector as the text they spell.
            let ids = try tokenizer.encode("The cat sat on the mat.", addBos: tokenizer.addsBosByDefault, parseSpecial: true)
            let rIds = try await client.post("/v1/embeddings", "{\"input\": \(ids)}")
            #expect(zip(floats(try vectors(rIds).first?["embedding"]), a).allSatisfy { abs($0 - $1) < 1e-6 })
        }
    }

    @Test(arguments: [
        (#"{}"#, 400, "input"),
        (#"{"input": ""}"#, 400, "input"),
        (#"{"input": []}"#, 400, "input"),
        (#"{"input": 5}"#, 400, "input"),
        (#"{"input": [[999999]]}"#, 400, "input"),
        (#"{"input": "hi", "encoding_format": "int8"}"#, 400, "encoding_format"),
        (#"{"input": "hi", "dimensions": 3}"#, 422, "dimensions"),
        (#"{"input": "hi", "model": "text-embedding-3-small"}"#, 404, "model"),
    ])
    func badRequests(body: String, status: Int, param: String) async throws {
        let server = try ServerFixture.server()
        try await Application(router: server.makeRouter()).test(.router) { client in
            let r = try await client.post("/v1/embeddings", body)
            #expect(r.status.code == status, "\(r.text)")
            #expect(try r.json()["error"]?["param"]?.string == param)
        }
    }

    @Test func overContextInputIsRefused() async throws {
        let server = try ServerFixture.server(context: 32)
        try await Application(router: server.makeRouter()).test(.router) { client in
            let long = Array(repeating: "word", count: 100).joined(separator: " ")
            let r = try await client.post("/v1/embeddings", "{\"input\": \"\(long)\"}")
            #expect(r.status == .badRequest)
            #expect(try r.json()["error"]?["code"]?.string == "context_length_exceeded")
        }
    }
}
