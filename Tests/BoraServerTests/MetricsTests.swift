import BoraServer
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct MetricsTests {
    /// Requests by route and status, tokens, latency histograms and slot gauges, in Prometheus' text format.
    @Test func countsRequestsTokensAndLatency() async throws {
        let server = try ServerFixture.server(apiKey: "k")
        let auth: HTTPFields = [.contentType: "application/json", .authorization: "Bearer k"]
        try await Application(router: server.makeRouter()).test(.router) { client in
            let ok = try await client.post("/v1/completions", #"{"prompt": "The capital of France is", "temperature": 0, "max_tokens": 3}"#, headers: auth)
            #expect(ok.status == .ok)
            _ = try await client.post("/v1/completions", #"{"prompt": 7}"#, headers: auth)
            _ = try await client.execute(uri: "/v1/models/nope", method: .get, headers: auth)
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .unauthorized)

            let r = try await client.execute(uri: "/metrics", method: .get, headers: auth)
            #expect(r.status == .ok)
            #expect(r.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = r.text
            for line in [
                #"bora_requests_total{route="/v1/completions",status="200"} 1"#,
                #"bora_requests_total{route="/v1/completions",status="400"} 1"#,
                #"bora_requests_total{route="/v1/models/{id}",status="404"} 1"#,
                #"bora_requests_total{route="/metrics",status="401"} 1"#,
                "bora_generated_tokens_total 3",
                "bora_time_to_first_token_seconds_count 1",
                "bora_time_per_output_token_seconds_count 2",
                "bora_queue_depth 0",
                "bora_active_slots 0",
                "bora_prompt_tokens_cached_total 0",
                "bora_prompt_cache_entries 1",
            ] {
                #expect(text.contains(line), "missing \(line) in:\n\(text)")
            }
            #expect(text.contains("bora_prompt_tokens_total "))
            #expect(text.contains("bora_prompt_tokens_evaluated_total "))
            #expect(text.contains("bora_prompt_cache_bytes "))
        }
    }
}
