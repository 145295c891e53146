import BoraFormats
import BoraModels
import Foundation
import Testing

@Suite struct DecoderTests {
    static let tokens = [1, 5, 9, 33, 2, 60, 17, 17, 40, 3, 8, 63, 0, 22, 11, 45, 7, 30, 29, 12]

    func allLogits(_ session: DecoderSession, _ tokens: [Int]) throws -> [[Float]] {
        session.reset()
        var out: [[Float]] = []
        try session.evaluate(tokens, logitsFor: .all) { _, row in out.append(Array(row)) }
        return out
    }

    func maxDiff(_ a: [[Float]], _ b: [[Float]]) -> Float {
        zip(a, b).map { zip($0, $1).map { abs($0 - $1) }.max() ?? 0 }.max() ?? 0
    }

    @Test(arguments: [false, true])
    func matchesNaiveReference(tied: Bool) throws {
        let model = try DecoderModel(path: try tinyLlamaFile(tied: tied))
        let session = DecoderSession(model: model, contextLength: 64, threads: 2, cacheType: .f32)  // the reference's keys are not rounded
        let fast = try allLogits(session, Self.tokens)
        let ref = naiveLogits(model, Self.tokens)
        let diff = zip(fast, ref).map { zip($0, $1).map { abs(Double($0) - $1) }.max() ?? 0 }.max() ?? 0
        #expect(diff < 1e-4, "max |logit difference| \(diff)")
    }

    /// Cached decoding (one token at a time) gives the same logits as evaluating the whole sequence again,
    /// for every chunking of the prompt and thread count, with either cache type. F16: 5e-4, as one key
    /// whose float value differs by an ulp between chunkings (the matrix products sum in another order)
    /// can round to the neighbouring F16 value (1.8e-4 seen); F32: 1e-4.
    @Test(arguments: [(1, 1), (3, 2), (32, 2), (7, 3)], KVCacheType.allCases)
    func cachedDecodingEqualsFullEvaluation(_ shape: (batch: Int, threads: Int), _ type: KVCacheType) throws {
        let model = try DecoderModel(path: try tinyLlamaFile())
        let tolerance: Float = type == .f16 ? 5e-4 : 1e-4
        let full = try allLogits(DecoderSession(model: model, contextLength: 64, threads: 1, maxBatch: 32, cacheType: type), Self.tokens)
        let session = DecoderSession(model: model, contextLength: 64, threads: shape.threads, maxBatch: shape.batch, cacheType: type)
        var stepped: [[Float]] = []
        for t in Self.tokens { stepped.append(try session.next([t])) }
        #expect(maxDiff(full, stepped) < tolerance)
        // A prompt prefix evaluated at once, then single steps.
        session.reset()
        var mixed: [[Float]] = []
        try session.evaluate(Array(Self.tokens[..<11]), logitsFor: .all) { _, row in mixed.append(Array(row)) }
        for t in Self.tokens[11...] { mixed.append(try session.next([t])) }
        #expect(maxDiff(full, mixed) < tolerance)
    }

    @Test func contextOverflowIsAnError() throws {
        let model = try DecoderModel(path: try tinyLlamaFile())
        let session = DecoderSession(model: model, contextLength: 8, threads: 1)
        let e = try #require(throws: ModelError.self) { try session.evaluate(Array(Self.tokens[..<9])) }
        #expect(e == .contextFull(needed: 9, capacity: 8))
        #expect(session.position == 0)
        #expect(throws: ModelError.self) { try session.evaluate([64]) }
        #expect(throws: ModelError.self) { try session.evaluate([-1]) }
        #expect(throws: ModelError.self) { try session.evaluate([]) }
    }

    @Test func missingTensorsAndBadShapesAreErrors() throws {
        // Heads that do not divide: 4 heads, 3 kv heads.
        let badHeads = try tinyLlamaFile(kvHeads: 2) { w in w.set("llama.attention.head_count_kv", .uint32(3)) }
        #expect(throws: FormatError.self) { try DecoderModel(path: badHeads) }
        // A block count larger than the tensors present.
        let missing = try tinyLlamaFile { w in w.set("llama.block_count", .uint32(3)) }
        let e = try #require(throws: FormatError.self) { try DecoderModel(path: missing) }
        #expect(e.description.contains("blk.2."))
        // A missing required key.
        let noKey = try tinyLlamaFile { w in w.metadata.removeAll { $0.0 == "llama.embedding_length" } }
        let k = try #require(throws: FormatError.self) { try DecoderModel(path: noKey) }
        #expect(k.description.contains("llama.embedding_length"))
        // A width that disagrees with the tensors.
        let wrongWidth = try tinyLlamaFile { w in w.set("llama.feed_forward_length", .uint32(48)) }
        #expect(throws: FormatError.self) { try DecoderModel(path: wrongWidth) }
    }
}
