import BoraEngine
import BoraFormats
import Foundation
import Testing

/// A fake Hugging Face hub on 127.0.0.1 serving repository `test/tiny-GGUF` with two GGUF files, in the
/// hub's layout (`/api/models/REPO/tree/main`, `/REPO/resolve/main/FILE`).
final class FakeHub: @unchecked Sendable {
    static let files: [String: [UInt8]] = [
        "tiny.Q8_0.gguf": bytes("mistral/mistral-tiny/model.gguf"),
        "tiny-moe.Q4_K_M.gguf": bytes("mixtral-tiny"),
        "README.md": Array("# tiny\n".utf8),
    ]
    static func bytes(_ fixture: String) -> [UInt8] {
        let path = fixture.hasSuffix(".gguf") ? fixture : "mistral/\(fixture)/model.gguf"
        return Array(FileManager.default.contents(atPath: TestPaths.fixture(path)) ?? Data())
    }
    static func sha(_ b: [UInt8]) -> String { var s = SHA256(); s.update(b); return s.finalizeHex() }

    /// Responses to cut short: the first `cuts` file transfers stop after `cutAfter` bytes.
    let cuts = LockedCount()
    var cutAfter = 100_000
    var statedSHA: [String: String] = [:]
    var token: String?
    var delay: TimeInterval = 0
    private(set) var server: PullTestServer?
    var endpoint: String { server?.base ?? "" }
    var fileRequests: [PullTestServer.Request] { (server?.requests ?? []).filter { $0.path.contains("/resolve/") && $0.method == "GET" } }

    init(cuts: Int = 0, configure: (FakeHub) -> Void = { _ in }) throws {
        self.cuts.value = cuts
        configure(self)
        server = try PullTestServer { [weak self] r in self?.respond(r) ?? .init(status: 503) }
    }

    deinit { server?.stop() }

    private func respond(_ r: PullTestServer.Request) -> PullTestServer.Response {
        if let token, r.headers["authorization"] != "Bearer " + token { return .init(status: 401) }
        if r.path.hasPrefix("/api/models/test/tiny-GGUF/tree/main") {
            let listing: [[String: Any]] = Self.files.keys.sorted().map { name in
                let b = Self.files[name] ?? []
                var e: [String: Any] = ["type": "file", "path": name, "size": b.count, "oid": "0123"]
                if name.hasSuffix(".gguf") { e["lfs"] = ["oid": statedSHA[name] ?? Self.sha(b), "size": b.count, "pointerSize": 134] }
                return e
            } + [["type": "directory", "path": "docs", "oid": "4567"]]
            return .init(status: 200, headers: ["Content-Type": "application/json"],
                         body: Array((try? JSONSerialization.data(withJSONObject: listing)) ?? Data()))
        }
        let prefix = "/test/tiny-GGUF/resolve/main/"
        guard r.path.hasPrefix(prefix), let b = Self.files[String(r.path.dropFirst(prefix.count))] else { return .init(status: 404) }
        if delay > 0 { Thread.sleep(forTimeInterval: delay) }
        var response = PullTestServer.file(b, for: r)
        if r.method == "GET" && cuts.take() { response.cutAfter = cutAfter }
        return response
    }
}

final class LockedCount: @unchecked Sendable {
    private let lock = NSLock()
    var value = 0
    /// True (and one fewer left) while any are left.
    func take() -> Bool { lock.lock(); defer { lock.unlock() }; if value > 0 { value -= 1; return true }; return false }
}

@Suite struct PullTests {
    static func home() -> String { FileManager.default.temporaryDirectory.appendingPathComponent("bora-pull-\(UUID().uuidString)").path }

    static func puller(_ hub: FakeHub, home: String = home(), token: String? = nil) -> ModelPuller {
        var env = ["HF_ENDPOINT": hub.endpoint]
        env["HF_TOKEN"] = token
        return ModelPuller(store: ModelStore(home: home), environment: env)
    }

    /// Nothing but finished models and lock files in the store after a pull, failed or not.
    static func expectNoLeftovers(_ store: ModelStore) throws {
        let downloads = store.root.appendingPathComponent("downloads").path
        let left = ((try? FileManager.default.contentsOfDirectory(atPath: downloads)) ?? []).filter { !$0.hasSuffix(".lock") }
        #expect(left.isEmpty, "left in downloads: \(left)")
        let hidden = ((try? FileManager.default.contentsOfDirectory(atPath: store.root.appendingPathComponent("models").path)) ?? []).filter { $0.hasPrefix(".") }
        #expect(hidden.isEmpty)
    }

    @Test func pullsByTagWithToken() async throws {
        let hub = try FakeHub { $0.token = "secret" }
        let puller = Self.puller(hub, token: "secret")
        let events = LockedEvents()
        let m = try await puller.pull(try PullSource("hf:test/tiny-GGUF:q8_0")) { events.append($0) }
        let b = FakeHub.files["tiny.Q8_0.gguf"] ?? []
        #expect(m.name == "tiny.q8_0" && m.sha256 == FakeHub.sha(b) && m.size == b.count && m.source == "hf:test/tiny-GGUF:q8_0")
        #expect(try puller.store.list().map(\.name) == ["tiny.q8_0"])
        #expect(FileManager.default.contents(atPath: try puller.store.path(of: "tiny.q8_0")) == Data(b))
        #expect(events.all.first == .resolved(file: "tiny.Q8_0.gguf", size: b.count))
        #expect(events.all.contains(.downloading(done: b.count, total: b.count)) && events.all.last == .importing)
        try Self.expectNoLeftovers(puller.store)
        // Again: already there, nothing fetched.
        let before = hub.fileRequests.count
        #expect(try await puller.pull(try PullSource("hf:test/tiny-GGUF:Q8_0")) == m)
        #expect(hub.fileRequests.count == before)
        // Without the token: told to set HF_TOKEN.
        let denied = await #expect(throws: EngineError.self) { try await Self.puller(hub).pull(try PullSource("hf:test/tiny-GGUF")) }
        #expect(denied?.description.contains("HF_TOKEN") == true)
    }

    @Test func choosingAFileListsTheChoices() async throws {
        let hub = try FakeHub()
        let puller = Self.puller(hub)
        for (selector, expected) in [("", "2 GGUF files"), (":Q4_K", "no GGUF file with the quantization tag 'Q4_K'"), (":gguf", "matches 2 files"), (":x.gguf", "no GGUF file 'x.gguf'")] {
            let e = await #expect(throws: EngineError.self) { try await puller.pull(try PullSource("hf:test/tiny-GGUF" + selector)) }
            let text = e?.description ?? ""
            #expect(text.contains(expected) && text.contains("hf:test/tiny-GGUF:Q8_0") && text.contains("hf:test/tiny-GGUF:Q4_K_M"), "\(text)")
        }
        let m = try await puller.pull(try PullSource("hf:test/tiny-GGUF:tiny-moe.Q4_K_M.gguf"), name: "moe")
        #expect(m.name == "moe" && m.sha256 == FakeHub.sha(FakeHub.files["tiny-moe.Q4_K_M.gguf"] ?? []))
        let missing = await #expect(throws: EngineError.self) { try await puller.pull(try PullSource("hf:test/nope-GGUF")) }
        #expect(missing?.description.contains("no such repository") == true)
        #expect(try puller.store.list().map(\.name) == ["moe"])
    }

    @Test func resumesAnInterruptedTransfer() async throws {
        let hub = try FakeHub(cuts: 1)
        var puller = Self.puller(hub)
        puller.attempts = 1
        let source = try PullSource("hf:test/tiny-GGUF:Q8_0")
        let e = await #expect(throws: EngineError.self) { try await puller.pull(source) }
        #expect(e?.description.contains("run the same pull again to resume") == true, "\(String(describing: e))")
        #expect(try puller.store.list().isEmpty)
        // The second run asks only for the rest.
        let m = try await puller.pull(source)
        #expect(m.sha256 == FakeHub.sha(FakeHub.files["tiny.Q8_0.gguf"] ?? []))
        let ranges = hub.fileRequests.compactMap { $0.range?.0 }
        #expect(ranges == [0, hub.cutAfter], "\(ranges)")
        try Self.expectNoLeftovers(puller.store)
    }

    @Test func retriesAndParallelRanges() async throws {
        let hub = try FakeHub(cuts: 2) { $0.cutAfter = 1000 }
        var puller = Self.puller(hub)
        puller.parallelThreshold = 1024
        puller.connections = 4
        let m = try await puller.pull(try PullSource("hf:test/tiny-GGUF:Q4_K_M"))
        let b = FakeHub.files["tiny-moe.Q4_K_M.gguf"] ?? []
        #expect(m.sha256 == FakeHub.sha(b))
        #expect(FileManager.default.contents(atPath: try puller.store.path(of: m.name)) == Data(b))
        // 4 ranges, two of them cut short and resumed.
        #expect(hub.fileRequests.count == 6)
        let step = (b.count + 3) / 4
        let starts: Set<Int> = Set(hub.fileRequests.compactMap { $0.range?.0 })
        #expect(starts.isSuperset(of: [0, step, 2 * step, 3 * step]), "\(starts)")
        try Self.expectNoLeftovers(puller.store)
    }

    @Test func wrongHashIsRefused() async throws {
        let hub = try FakeHub { $0.statedSHA["tiny.Q8_0.gguf"] = String(repeating: "ab", count: 32) }
        let puller = Self.puller(hub)
        let e = await #expect(throws: EngineError.self) { try await puller.pull(try PullSource("hf:test/tiny-GGUF:Q8_0")) }
        #expect(e?.description.contains("SHA-256") == true && e?.description.contains("nothing was added") == true)
        #expect(try puller.store.list().isEmpty)
        try Self.expectNoLeftovers(puller.store)
    }

    @Test func fullDiskIsRefusedBeforeDownloading() async throws {
        let hub = try FakeHub()
        var puller = Self.puller(hub)
        puller.freeSpace = { _ in 1000 }
        let e = await #expect(throws: EngineError.self) { try await puller.pull(try PullSource("hf:test/tiny-GGUF:Q8_0")) }
        #expect(e?.description.contains("not enough disk space") == true)
        #expect(hub.fileRequests.isEmpty)
        #expect(try puller.store.list().isEmpty)
    }

    @Test func concurrentPullsOfOneModel() async throws {
        let hub = try FakeHub { $0.delay = 0.3 }
        let home = Self.home()
        let a = Self.puller(hub, home: home), b = Self.puller(hub, home: home)
        let source = try PullSource("hf:test/tiny-GGUF:Q8_0")
        async let first = a.pull(source)
        async let second = b.pull(source)
        let (m1, m2) = try await (first, second)
        #expect(m1 == m2)
        #expect(try a.store.list().map(\.name) == ["tiny.q8_0"])
        #expect(hub.fileRequests.count == 1)
        try Self.expectNoLeftovers(a.store)
    }

    @Test func pullsPlainURLs() async throws {
        let b = FakeHub.files["tiny.Q8_0.gguf"] ?? []
        let sha = FakeHub.sha(b)
        let server = try PullTestServer { r in
            switch r.path {
            case "/sibling/tiny.gguf", "/none/tiny.gguf": return PullTestServer.file(b, for: r)
            case "/sibling/tiny.gguf.sha256": return .init(status: 200, body: Array("\(sha)  tiny.gguf\n".utf8))
            case "/etag/tiny.gguf": return PullTestServer.file(b, for: r, headers: ["ETag": "\"\(sha)\""])
            case "/noranges/tiny.gguf": return .init(status: 200, headers: ["Content-Length": String(b.count), "ETag": sha], body: r.method == "HEAD" ? [] : b)
            default: return .init(status: 404)
            }
        }
        defer { server.stop() }
        var puller = ModelPuller(store: ModelStore(home: Self.home()), environment: [:])
        puller.parallelThreshold = 1024  // ranges, even where the server ignores them (/noranges)
        #expect(try await puller.pull(try PullSource(server.base + "/sibling/tiny.gguf"), name: "a").sha256 == sha)
        #expect(try await puller.pull(try PullSource(server.base + "/etag/tiny.gguf"), name: "b").sha256 == sha)
        let none = await #expect(throws: EngineError.self) { try await puller.pull(try PullSource(server.base + "/none/tiny.gguf"), name: "c") }
        #expect(none?.description.contains("--sha256") == true)
        #expect(try await puller.pull(try PullSource(server.base + "/none/tiny.gguf"), name: "c", sha256: sha.uppercased()).sha256 == sha)
        #expect(try await puller.pull(try PullSource(server.base + "/noranges/tiny.gguf"), name: "d").sha256 == sha)
        let gone = await #expect(throws: EngineError.self) { try await puller.pull(try PullSource(server.base + "/gone/tiny.gguf")) }
        #expect(gone?.description.contains("404") == true)
        #expect(try puller.store.list().map(\.name) == ["a", "b", "c", "d"])
        try Self.expectNoLeftovers(puller.store)
    }

    @Test func manifestWithoutItsFile() throws {
        let store = ModelStore(home: Self.home())
        let m = try store.importModel(from: TestPaths.fixture("mistral/mistral-tiny/model.gguf"), name: "tiny")
        try FileManager.default.removeItem(atPath: try store.path(of: "tiny"))
        #expect(try store.list().map(\.name) == ["tiny"])
        #expect(store.isMissingFile(m))
        let e = try #require(throws: EngineError.self) { try store.resolve("tiny") }
        #expect(e.description.contains("bora rm tiny"))
        try store.remove("tiny")
        #expect(try store.list().isEmpty)
    }
}

final class LockedEvents: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [ModelPuller.Event] = []
    func append(_ e: ModelPuller.Event) { lock.lock(); events.append(e); lock.unlock() }
    var all: [ModelPuller.Event] { lock.lock(); defer { lock.unlock() }; return events }
}
