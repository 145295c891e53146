import BoraEngine
import BoraModels
import Foundation
import Testing

/// Collects one batched generation's text and result; filled on the decoding thread, read after `wait`.
private final class Outcome: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var pieces: [String] = []
    private(set) var result: Result<SteeredGenerationResult, EngineError>?
    private(set) var reports = 0

    func piece(_ text: String) { lock.lock(); pieces.append(text); lock.unlock() }
    func finish(_ r: Result<SteeredGenerationResult, EngineError>) {
        lock.lock()
        result = r
        reports += 1
        lock.unlock()
        done.signal()
    }
    var text: String { lock.lock(); defer { lock.unlock() }; return pieces.joined() }
    var pieceCount: Int { lock.lock(); defer { lock.unlock() }; return pieces.count }
    func wait() -> Bool { done.wait(timeout: .now() + 120) == .success }
}

@Suite(.serialized) struct BatchGeneratorTests {
    static let prompts = ["The capital of France is", "1, 2, 3, 4,", "Water boils at", "The opposite of hot is", "Monday, Tuesday,"]

    func greedy() -> SamplingParameters {
        var p = SamplingParameters()
        p.temperature = 0
        return p
    }

    /// More requests than sequences, submitted at once: every one finishes, reported once, with the text a
    /// lone greedy generation gives (batched logits equal separate ones within 1e-4: BatchDecodeTests).
    /// F32 caches: after "The capital of France is Paris.\n\nThe" SmolLM2's two best tokens are 0.005 apart,
    /// and F16 rounding turns the batched and lone paths' 1e-6 differences into ~1e-3 ones that flip it.
    @Test func concurrentRequestsMatchSeparateGeneration() throws {
        let loaded = try LoadedModel(path: try TestPaths.smolLM2())
        let alone = Generator(loaded: loaded, session: DecoderSession(model: loaded.model, contextLength: 64, threads: 2, cacheType: .f32))
        let expected = try Self.prompts.map { try alone.generate(prompt: try loaded.tokenize($0), maxTokens: 6, sampling: greedy()).text }

        let engine = BatchGenerator(loaded: loaded, contextLength: 64, sequences: 3, threads: 2, cacheType: .f32)
        let outcomes = Self.prompts.map { _ in Outcome() }
        for (i, prompt) in Self.prompts.enumerated() {
            let o = outcomes[i]
            try engine.submit(prompt: try loaded.tokenize(prompt), maxTokens: 6, sampling: greedy()) { text, _, _ in
                o.piece(text)
                return .proceed
            } onDone: { o.finish($0) }
        }
        for (i, o) in outcomes.enumerated() {
            #expect(o.wait(), "request \(i) never finished")
            let r = try #require(try o.result?.get())
            #expect(!r.cancelled)
            #expect(r.result.text == o.text)
            #expect(r.result.text == expected[i], "prompt \(i): batched \(r.result.text.debugDescription) vs alone \(expected[i].debugDescription)")
        }
        #expect(outcomes.allSatisfy { $0.reports == 1 })
        #expect(engine.load.running == 0 && engine.load.queued == 0)
    }

    /// A follow-up prompt that starts with an earlier request's prompt and answer (a chat's next turn)
    /// evaluates only what is new: the cache still holds the rest. Its text is the one a fresh prefill gives;
    /// an unrelated prompt after it reuses nothing.
    @Test func nextTurnReusesTheCachedPrefix() throws {
        let loaded = try LoadedModel(path: try TestPaths.smolLM2())
        let alone = Generator(loaded: loaded, session: DecoderSession(model: loaded.model, contextLength: 128, threads: 2))
        let engine = BatchGenerator(loaded: loaded, contextLength: 128, sequences: 1, threads: 2)
        func run(_ prompt: [Int], _ maxTokens: Int) throws -> GenerationResult {
            let o = Outcome()
            try engine.submit(prompt: prompt, maxTokens: maxTokens, sampling: greedy()) { text, _, _ in
                o.piece(text)
                return .proceed
            } onDone: { o.finish($0) }
            #expect(o.wait())
            return try #require(try o.result?.get()).result
        }
        let first = try loaded.tokenize("The capital of France is")
        let answer = try run(first, 4)
        #expect(answer.cachedPromptTokens == nil)
        #expect(answer.tokens.count == 4)
        // The cache holds the prompt and the answer's first 3 tokens (the 4th was never fed).
        let next = first + answer.tokens + (try loaded.tokenize(" The capital of Spain is"))
        let followUp = try run(next, 6)
        #expect(followUp.cachedPromptTokens == first.count + 3)
        #expect(followUp.text == (try alone.generate(prompt: next, maxTokens: 6, sampling: greedy()).text))
        let other = try loaded.tokenize("Water boils at")
        let unrelated = try run(other, 4)
        let shared = zip(next, other).prefix { $0 == $1 }.count  // a BOS token, if the tokenizer adds one
        #expect((unrelated.cachedPromptTokens ?? 0) == shared)
        #expect(unrelated.text == (try alone.generate(prompt: other, maxTokens: 4, sampling: greedy()).text))
    }

    /// Host-RAM prompt cache (`cacheRAM`): with one sequence slot, a conversation that takes turns with
    /// another still finds its prefix parked (the other one starts from a copy of the prefix they share);
    /// without it, the other conversation took the one cache. The parked caches stay under the budget (one
    /// per slot is always kept).
    @Test func parkedCachesKeepConversationsThatTakeTurns() throws {
        let loaded = try LoadedModel(path: try TestPaths.smolLM2())
        let first = try loaded.tokenize("The capital of France is"), other = try loaded.tokenize("Water boils at")
        let shared = zip(first, other).prefix { $0 == $1 }.count
        for ram in [0, 64 << 20] {
            let engine = BatchGenerator(loaded: loaded, contextLength: 128, sequences: 1, threads: 2, cacheRAM: ram)
            func run(_ prompt: [Int]) throws -> GenerationResult {
                let o = Outcome()
                try engine.submit(prompt: prompt, maxTokens: 4, sampling: greedy()) { _, _, _ in .proceed } onDone: { o.finish($0) }
                #expect(o.wait())
                return try #require(try o.result?.get()).result
            }
            let a = try run(first)
            let b = try run(other)  // from a copy of the prefix it shares with a's cache, which stays parked
            let alone = Generator(loaded: loaded, session: DecoderSession(model: loaded.model, contextLength: 128, threads: 2))
            #expect(b.text == (try alone.generate(prompt: other, maxTokens: 4, sampling: greedy()).text))
            let again = try run(first + a.tokens + (try loaded.tokenize(" The capital of Spain is")))
            #expect((again.cachedPromptTokens ?? 0) == (ram == 0 ? shared : first.count + 3), "cacheRAM \(ram)")
            #expect(engine.parked.entries == (ram == 0 ? 1 : 2))
        }
        let perPosition = KVCache.bytes(kvDim: loaded.config.kvDim, windows: Array(repeating: 0, count: loaded.config.blockCount),
                                        positions: 1)
        let budget = 20 * perPosition
        let engine = BatchGenerator(loaded: loaded, contextLength: 128, sequences: 1, threads: 2, cacheRAM: budget)
        for prompt in Self.prompts {
            let o = Outcome()
            try engine.submit(prompt: try loaded.tokenize(prompt), maxTokens: 4, sampling: greedy()) { _, _, _ in .proceed } onDone: { o.finish($0) }
            #expect(o.wait())
            let parked = engine.parked
            #expect(parked.bytes <= budget || parked.entries <= 1, "\(parked) over \(budget)")
        }
    }

    /// A request that answers `.cancel` leaves after its current token and frees its sequence: the next
    /// request in line runs.
    @Test func cancelFreesTheSequence() throws {
        let loaded = try LoadedModel(path: try TestPaths.smolLM2())
        let engine = BatchGenerator(loaded: loaded, contextLength: 64, sequences: 1, threads: 1)
        let first = Outcome(), second = Outcome()
        try engine.submit(prompt: try loaded.tokenize("Once upon a time"), maxTokens: 50, sampling: greedy()) { text, _, _ in
            first.piece(text)
            return first.pieceCount >= 2 ? .cancel : .proceed
        } onDone: { first.finish($0) }
        try engine.submit(prompt: try loaded.tokenize("Hello"), maxTokens: 2, sampling: greedy()) { text, _, _ in
            second.piece(text)
            return .proceed
        } onDone: { second.finish($0) }
        #expect(first.wait() && second.wait())
        let cancelled = try #require(try first.result?.get())
        #expect(cancelled.cancelled && cancelled.result.tokens.count == 2)
        #expect(try second.result?.get().result.tokens.count == 2)
    }

    @Test func badRequestsAreRefusedAtSubmit() throws {
        let loaded = try LoadedModel(path: try TestPaths.smolLM2())
        let engine = BatchGenerator(loaded: loaded, contextLength: 16, sequences: 1, threads: 1)
        let prompt = try loaded.tokenize("Hello there")
        #expect(throws: EngineError.self) {
            try engine.submit(prompt: prompt, maxTokens: 100, sampling: greedy()) { _, _, _ in .proceed } onDone: { _ in }
        }
        #expect(throws: EngineError.self) {
            try engine.submit(prompt: [], maxTokens: 1, sampling: greedy()) { _, _, _ in .proceed } onDone: { _ in }
        }
        var bad = greedy()
        bad.temperature = -1
        #expect(throws: EngineError.self) {
            try engine.submit(prompt: prompt, maxTokens: 1, sampling: bad) { _, _, _ in .proceed } onDone: { _ in }
        }
    }
}
