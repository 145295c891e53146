import BoraEngine
import BoraModels
import BoraServer
import BoraTokenizers
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// The chat session keeps the cache between turns: a turn evaluates only what follows the prefix it shares
/// with the last one, and with an F32 cache the answer equals a cold start's token for token.
@Suite("Chat session cache reuse", .serialized)
struct ChatSessionReuseTests {
    @Test func warmTurnEqualsColdTurn() throws {
        let loaded = try ServerFixture.loaded.get()
        let warm = ChatSession(loaded: loaded, contextLength: 512, threads: 2, sampling: .greedy, maxTokens: 24, cacheType: .f32)
        let first = try warm.respond(to: "Name a color.") { _ in }
        #expect(first.cachedPromptTokens == nil)
        let second = try warm.respond(to: "And a fruit?") { _ in }
        let reused = try #require(second.cachedPromptTokens)
        #expect(reused >= first.promptTokens.count, "the whole first prompt is reused, got \(reused) of \(first.promptTokens.count)")

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bora-chat-reuse-\(getpid()).json").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let saved = ChatSession(loaded: loaded, contextLength: 512, threads: 2, sampling: .greedy, maxTokens: 24, cacheType: .f32)
        try saved.respond(to: "Name a color.") { _ in }
        try saved.save(to: file)
        try FileManager.default.removeItem(atPath: file + ".kv")  // the messages alone: a cold start
        let cold = ChatSession(loaded: loaded, contextLength: 512, threads: 2, sampling: .greedy, maxTokens: 24, cacheType: .f32)
        try cold.load(from: file)
        let again = try cold.respond(to: "And a fruit?") { _ in }
        #expect(again.cachedPromptTokens == nil)
        #expect(again.promptTokens == second.promptTokens)
        #expect(again.tokens == second.tokens, "warm \(second.text) / cold \(again.text)")
    }
}

extension ChatSessionReuseTests {
    static func f32Server() throws -> BoraServer {
        var c = ServerConfiguration()
        c.port = 0
        c.contextLength = 512
        c.threads = 2
        c.cacheType = .f32
        var logger = Logger(label: "bora.test")
        logger.logLevel = .warning
        return try BoraServer(loaded: try ServerFixture.loaded.get(), configuration: c, logger: logger)
    }

    /// The server's slot reuse: a second turn that resends the first is served from the cache
    /// (`cached_tokens`), and with an F32 cache its answer equals a fresh server's.
    @Test func serverWarmTurnEqualsFreshServer() async throws {
        let first = #"{"messages": [{"role": "user", "content": "Name a color."}], "temperature": 0, "max_tokens": 16}"#
        let second = #"{"messages": [{"role": "user", "content": "Name a color."}, {"role": "assistant", "content": "Blue."}, {"role": "user", "content": "And a fruit?"}], "temperature": 0, "max_tokens": 24}"#
        let warm = try await Application(router: try Self.f32Server().makeRouter()).test(.router) { client in
            _ = try await client.post("/v1/chat/completions", first)
            return try await client.post("/v1/chat/completions", second).json()
        }
        let cold = try await Application(router: try Self.f32Server().makeRouter()).test(.router) { client in
            try await client.post("/v1/chat/completions", second).json()
        }
        guard case let .int(reused)? = warm["usage"]?["prompt_tokens_details"]?["cached_tokens"] else {
            Issue.record("no cached_tokens: \(warm)")
            return
        }
        #expect(reused > 10, "\(warm)")
        #expect(cold["usage"]?["prompt_tokens_details"] == nil)
        let text = { (r: JSONValue?) in r?["choices"]?.array?.first?["message"]?["content"]?.string }
        #expect(text(warm) != nil && text(warm) == text(cold), "warm \(text(warm) ?? "") / cold \(text(cold) ?? "")")
    }
}

/// `bora run`'s /save and /load keep the KV state (`FILE.kv`): a loaded conversation continues from its
/// cache, answering as the session that saved it; a state from another model, another cache type or a
/// damaged file is refused with the reason.
@Suite("Chat session KV state", .serialized)
struct ChatSessionStateTests {
    @Test func savedStateContinuesAndBadStatesAreRefused() throws {
        let loaded = try ServerFixture.loaded.get()
        func session(_ type: KVCacheType = .f32) -> ChatSession {
            ChatSession(loaded: loaded, contextLength: 512, threads: 2, sampling: .greedy, maxTokens: 16, cacheType: type)
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bora-chat-state-\(getpid()).json").path
        defer { for f in [file, file + ".kv"] { try? FileManager.default.removeItem(atPath: f) } }
        let original = session()
        try original.respond(to: "Name a color.") { _ in }
        try original.save(to: file)
        #expect(FileManager.default.fileExists(atPath: file + ".kv"))
        let expected = try original.respond(to: "And a fruit?") { _ in }

        let restored = session()
        try restored.load(from: file)
        let answer = try restored.respond(to: "And a fruit?") { _ in }
        #expect((answer.cachedPromptTokens ?? 0) > 20, "the saved cache is used")
        #expect(answer.tokens == expected.tokens)

        #expect(throws: EngineError.self) { try session(.f16).load(from: file) }
        let other = try #require(ThinkingModelTests.models["tekken-v13"]).get()
        let otherSession = ChatSession(loaded: other, contextLength: 512, threads: 1, sampling: .greedy, maxTokens: 4, cacheType: .f32)
        do {
            try otherSession.load(from: file)
            Issue.record("a state from another model was accepted")
        } catch { #expect("\(error)".contains("another model"), "\(error)") }

        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file + ".kv")))
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: file + ".kv"))
        do {
            try session().load(from: file)
            Issue.record("a damaged state was accepted")
        } catch { #expect("\(error)".contains("checksum"), "\(error)") }
    }
}
