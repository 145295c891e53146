import BoraEngine
import BoraModels
import BoraServer
import BoraTokenizers
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// `bora serve --lora NAME=FILE`: a request picks an adapter by name (`"adapter"`), applied at run time;
/// requests without one get the base model, in the same batch.
@Suite struct AdapterTests {
    static let tiny = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/mistral/mistral-tiny")

    func server() throws -> BoraServer {
        var c = ServerConfiguration()
        c.contextLength = 64
        c.threads = 1
        c.parallel = 2
        c.adapters = ["style": ScaledAdapter(try LoRAAdapter(path: Self.tiny.appendingPathComponent("lora").path))]
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return try BoraServer(loaded: try LoadedModel(path: Self.tiny.appendingPathComponent("hf").path), configuration: c, logger: logger)
    }

    @Test func requestsChooseTheirAdapter() async throws {
        let server = try server()
        // The reference: the adapter merged at load, same greedy request.
        let merged = try LoadedModel(path: Self.tiny.appendingPathComponent("hf").path,
                                     adapters: [ScaledAdapter(try LoRAAdapter(path: Self.tiny.appendingPathComponent("lora").path))])
        var greedy = SamplingParameters.greedy
        greedy.logprobs = 0
        let expected = try Generator(loaded: merged, session: DecoderSession(model: merged.model, contextLength: 64, threads: 1))
            .generate(prompt: [5, 9, 3], maxTokens: 6, sampling: greedy).logprobs?.map { Double($0.logprob) } ?? []
        try await Application(router: server.makeRouter()).test(.router) { client in
            /// The log-probabilities of the greedy tokens.
            func logprobs(_ extra: String) async throws -> [Double] {
                let r = try await client.post("/v1/completions", #"{"prompt": [5, 9, 3], "max_tokens": 6, "temperature": 0, "logprobs": 0"# + extra + "}")
                #expect(r.status == .ok, "\(r.text)")
                let values = try r.json()["choices"]?.array?.first?["logprobs"]?["token_logprobs"]?.array ?? []
                return values.compactMap { if case let .double(d) = $0 { d } else if case let .int(i) = $0 { Double(i) } else { nil } }
            }
            // Concurrently: one batch, two adapters.
            async let base = logprobs("")
            async let styled = logprobs(#", "adapter": "style""#)
            let (b, s) = try await (base, styled)
            #expect(s.count == 6 && b.count == 6)
            #expect(zip(s, expected).allSatisfy { abs($0 - $1) < 1e-3 }, "\(s) vs merged \(expected)")
            #expect(b != s)
            let unknown = try await client.post("/v1/completions", #"{"prompt": [5], "max_tokens": 1, "adapter": "nope"}"#)
            #expect(unknown.status == .badRequest)
            #expect(try unknown.json()["error"]?["message"]?.string?.contains("style") == true)
        }
    }
}
