import BoraModels
import Testing

/// One decode step over several sequences (continuous batching) gives each sequence the logits it gets
/// decoded alone: dense, sliding window shorter than the sequences, and 4 experts top-2.
@Suite struct BatchDecodeTests {
    static let sequences: [[Int]] = [
        [1, 5, 9, 33, 2, 60, 17, 17, 40, 3, 8, 63],
        [4, 4, 21, 7],
        [50, 12, 0, 9, 9, 31, 2, 44, 18],
    ]

    struct Case: CustomStringConvertible, Sendable {
        var window: Int?
        var experts: Int
        var threads: Int
        var description: String { "window \(window.map(String.init) ?? "none"), experts \(experts), threads \(threads)" }
    }

    /// Each sequence alone, token by token: logits after every token.
    func alone(_ model: DecoderModel, _ tokens: [Int]) throws -> [[Float]] {
        let session = DecoderSession(model: model, contextLength: 32, threads: 1)
        return try tokens.map { try session.next([$0]) }
    }

    @Test(arguments: [Case(window: nil, experts: 0, threads: 1), Case(window: 3, experts: 0, threads: 2),
                      Case(window: nil, experts: 4, threads: 3)])
    func batchedStepsEqualSeparateDecoding(_ c: Case) throws {
        let model = try DecoderModel(path: try tinyLlamaFile(window: c.window, experts: c.experts))
        let expected = try Self.sequences.map { try alone(model, $0) }

        // Staggered like a server: the first sequence's first 3 tokens are prefilled through `using`, the
        // others join on later steps; each step feeds every live sequence its next token.
        let engine = DecoderSession(model: model, contextLength: 32, threads: c.threads, maxBatch: 4)
        let caches = Self.sequences.map { _ in engine.makeCache() }
        var got: [[[Float]]] = Self.sequences.map { _ in [] }
        try engine.using(caches[0]) {
            try engine.evaluate(Array(Self.sequences[0][..<3]), logitsFor: .all) { _, row in got[0].append(Array(row)) }
        }
        var next = [3, 0, 0]
        let joins = [0, 2, 5]
        for step in 0..<20 {
            let live = Self.sequences.indices.filter { step >= joins[$0] && next[$0] < Self.sequences[$0].count }
            if live.isEmpty { break }
            try engine.decode(live.map { Self.sequences[$0][next[$0]] }, caches: live.map { caches[$0] }) { row, logits in
                got[live[row]].append(Array(logits))
            }
            for i in live { next[i] += 1 }
        }
        for (i, seq) in expected.enumerated() {
            #expect(got[i].count == seq.count)
            let diff = zip(got[i], seq).map { zip($0, $1).map { abs($0 - $1) }.max() ?? 0 }.max() ?? 0
            #expect(diff < 1e-4, "sequence \(i): max |logit difference| \(diff)")
        }
    }

    /// Prompts evaluated in pieces inside the steps, next to other sequences' single tokens (a joining
    /// request), give the same logits as decoding alone: pieces of several tokens in one cache, logits only
    /// where asked, cut at odd points.
    @Test(arguments: [Case(window: nil, experts: 0, threads: 1), Case(window: nil, experts: 0, threads: 2),
                      Case(window: nil, experts: 4, threads: 3)])
    func promptPiecesInsideStepsEqualSeparateDecoding(_ c: Case) throws {
        let model = try DecoderModel(path: try tinyLlamaFile(window: c.window, experts: c.experts))
        let expected = try Self.sequences.map { try alone(model, $0) }
        let engine = DecoderSession(model: model, contextLength: 32, threads: c.threads, maxBatch: 12)
        let caches = Self.sequences.map { _ in engine.makeCache() }
        // Sequence 0 decodes token by token; sequence 1 arrives as pieces of 3 and 1 tokens, sequence 2 as
        // 5 then 4 (logits after each piece's last token, or none for the first piece of 2).
        let plans: [[Int]] = [Array(repeating: 1, count: 12), [3, 1], [5, 4]]
        var got: [[Int: [Float]]] = Self.sequences.map { _ in [:] }
        var next = [0, 0, 0], piece = [0, 0, 0]
        while Self.sequences.indices.contains(where: { piece[$0] < plans[$0].count }) {
            let live = Self.sequences.indices.filter { piece[$0] < plans[$0].count }
            let inputs = live.map { Array(Self.sequences[$0][next[$0]..<(next[$0] + plans[$0][piece[$0]])]) }
            let want = live.map { !($0 == 2 && piece[$0] == 0) }
            try engine.step(inputs, caches: live.map { caches[$0] }, wantLogits: want, concurrently: c.threads > 1) { k, logits in
                let i = live[k]
                got[i][next[i] + plans[i][piece[i]] - 1] = Array(logits)
            }
            for i in live {
                next[i] += plans[i][piece[i]]
                piece[i] += 1
            }
        }
        #expect(Array(got[2].keys) == [8], "logits only where asked")
        for (i, seq) in expected.enumerated() {
            #expect(caches[i].count == Self.sequences[i].count)
            for (position, row) in got[i] {
                let diff = zip(row, seq[position]).map { abs($0 - $1) }.max() ?? 0
                #expect(diff < 1e-4, "sequence \(i) position \(position): max |logit difference| \(diff)")
            }
        }
    }

    @Test func badStepsAreErrors() throws {
        let model = try DecoderModel(path: try tinyLlamaFile())
        let engine = DecoderSession(model: model, contextLength: 4, threads: 1, maxBatch: 2)
        let a = engine.makeCache(), b = engine.makeCache(), c = engine.makeCache()
        #expect(throws: ModelError.self) { try engine.decode([], caches: []) { _, _ in } }
        #expect(throws: ModelError.self) { try engine.decode([1, 2], caches: [a]) { _, _ in } }
        #expect(throws: ModelError.self) { try engine.decode([1, 2, 3], caches: [a, b, c]) { _, _ in } }
        #expect(throws: ModelError.self) { try engine.decode([1, 2], caches: [a, a]) { _, _ in } }
        #expect(throws: ModelError.self) { try engine.decode([99], caches: [a]) { _, _ in } }
        #expect(throws: ModelError.self) { try engine.step([[1, 2, 3]], caches: [a]) { _, _ in } }  // over the batch
        #expect(throws: ModelError.self) { try engine.step([[1], []], caches: [a, b]) { _, _ in } }
        #expect(throws: ModelError.self) { try engine.step([[1]], caches: [a], wantLogits: [true, false]) { _, _ in } }
        let windowed = try DecoderModel(path: try tinyLlamaFile(window: 3))
        let slider = DecoderSession(model: windowed, contextLength: 8, threads: 1, maxBatch: 8)
        let rolling = slider.makeCache()
        #expect(throws: ModelError.self) { try slider.step([[1, 2, 3, 4]], caches: [rolling]) { _, _ in } }  // wraps the window
        let longer = DecoderSession(model: model, contextLength: 16, threads: 1).makeCache()
        #expect(throws: ModelError.self) { try engine.decode([1], caches: [longer]) { _, _ in } }
        #expect(throws: ModelError.self) { try engine.using(longer) {} }
        for t in 0..<4 { try engine.decode([t], caches: [a]) { _, _ in } }
        #expect(a.count == 4)
        #expect(throws: ModelError.self) { try engine.decode([1], caches: [a]) { _, _ in } }
    }
}
