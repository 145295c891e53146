import BoraEngine
import BoraServer
import BoraTokenizers
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// Records log messages and their metadata, for checking what the server logs.
final class RecordingLogs: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
    var all: String { lock.lock(); defer { lock.unlock() }; return lines.joined(separator: "\n") }

    struct Handler: LogHandler {
        let sink: RecordingLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
            sink.append("\(message) \(metadata.merging(extra ?? [:]) { $1 })")
        }
    }

    var logger: Logger { Logger(label: "test") { _ in Handler(sink: self) } }
}

@Suite("Load, disconnects and logs", .serialized)
struct ServerLoadTests {
    /// Beyond the slots and the queue, requests get 429 in the API's shape at once, and the server goes on
    /// serving.
    @Test func floodBeyondTheQueueGets429() async throws {
        let server = try ServerFixture.server(parallel: 1, queue: 1)
        try await Application(router: server.makeRouter()).test(.router) { client in
            let body = #"{"prompt": "Once upon a time", "temperature": 0, "max_tokens": 24}"#
            let statuses = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        let r = try await client.post("/v1/completions", body)
                        return (Int(r.status.code), r.text)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let refused = statuses.filter { $0.0 == 429 }
            #expect(statuses.contains { $0.0 == 200 })
            #expect(!refused.isEmpty, "\(statuses.map(\.0))")
            #expect(statuses.allSatisfy { $0.0 == 200 || $0.0 == 429 })
            for (_, text) in refused {
                let error = try JSONValue(parsing: text)["error"]
                #expect(error?["type"]?.string == "rate_limit_error")
                #expect(error?["message"]?.string?.contains("retry") == true)
            }
            let after = try await client.post("/v1/completions", #"{"prompt": "Hi", "max_tokens": 2}"#)
            #expect(after.status == .ok)
        }
    }

    /// A client that leaves mid-stream stops its generation early (the metrics count fewer tokens than it
    /// asked for: the generation was cut, not finished) and frees its slot. The server notices at its next
    /// write; the generation is long (8,000 tokens, over a minute on a loaded machine) so that the test holds
    /// even while other tests' blocking waits hold the concurrency pool's threads for a while.
    @Test func disconnectCancelsTheGeneration() async throws {
        let server = try ServerFixture.server(parallel: 1, queue: 2, context: 8192)
        try await Application(router: server.makeRouter(), configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) { client in
            let port = try #require(client.port)
            let body = #"{"prompt": "Once upon a time", "temperature": 0.8, "seed": 1, "max_tokens": 8000, "min_tokens": 8000, "stream": true}"#
            let raw = try RawConnection(port: port)
            raw.send("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            _ = await raw.read(until: "\"text\":")
            raw.close()
            let next = try await client.post("/v1/completions", #"{"prompt": "Hi", "temperature": 0, "max_tokens": 2}"#)
            #expect(next.status == .ok)
            let metrics = try await client.execute(uri: "/metrics", method: .get).text
            let line = metrics.split(separator: "\n").first { $0.hasPrefix("bora_generated_tokens_total ") }
            let generated = line.flatMap { Double($0.split(separator: " ").last ?? "") } ?? .infinity
            #expect(generated < 8000, "the abandoned generation ran to its end: \(generated) tokens")
        }
    }

    /// Logs carry ids, sizes and timings but no prompt text, unless --log-prompts.
    @Test(arguments: [false, true])
    func promptsAreLoggedOnlyWhenAsked(logPrompts: Bool) async throws {
        var c = ServerConfiguration()
        c.contextLength = 256
        c.threads = 1
        c.logPrompts = logPrompts
        c.cacheType = logPrompts ? .f32 : .f16  // both cache types serve
        let logs = RecordingLogs()
        let server = try BoraServer(loaded: try ServerFixture.loaded.get(), configuration: c, logger: logs.logger)
        try await Application(router: server.makeRouter(), logger: logs.logger).test(.router) { client in
            let r = try await client.post("/v1/completions", #"{"prompt": "My secret is zebra-4417.", "temperature": 0, "max_tokens": 2}"#)
            #expect(r.status == .ok)
        }
        #expect(logs.all.contains("request_id"))
        #expect(logs.all.contains("zebra-4417") == logPrompts, "\(logs.all)")
    }

    /// Bad configurations are refused with the option named, before anything loads.
    @Test(arguments: [("parallel", 0), ("threads", 100_000), ("threads", 0), ("port", 70_000), ("context", 4)])
    func badConfigurations(option: String, value: Int) throws {
        var c = ServerConfiguration()
        switch option {
        case "parallel": c.parallel = value
        case "threads": c.threads = value
        case "port": c.port = value
        default: c.contextLength = value
        }
        let e = try #require(throws: APIError.self) { try c.validate() }
        #expect(e.message.contains("--\(option)"), "\(e.message)")
    }
}
