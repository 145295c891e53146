import BoraModels
import Foundation
import Testing

/// The F16 KV cache against the F32 one on a tiny model, results that do not depend on how the prompt is
/// chunked (a chunk's own keys are rounded to F16 as the cache's are), sizes, and caches of another type
/// refused by a session.
@Suite struct KVCacheTypeTests {
    static let tokens = (0..<40).map { ($0 * 37 + 11) % 64 }

    func logits(_ model: DecoderModel, _ type: KVCacheType, chunk: Int, threads: Int = 1) throws -> [[Float]] {
        let session = DecoderSession(model: model, contextLength: 64, threads: threads, maxBatch: chunk, cacheType: type)
        var out: [[Float]] = []
        try session.evaluate(Self.tokens, logitsFor: .all) { _, row in out.append(Array(row)) }
        return out
    }

    static func maxDifference(_ a: [[Float]], _ b: [[Float]]) -> Float {
        zip(a, b).map { zip($0, $1).map { abs($0 - $1) }.max() ?? 0 }.max() ?? .infinity
    }

    /// F16 keys and values move the logits by about F16's precision (3.5e-3 here), no more.
    @Test(arguments: [nil, 7] as [Int?])
    func f16LogitsAreCloseToF32(_ window: Int?) throws {
        let model = try DecoderModel(path: try tinyLlamaFile(window: window))
        let diff = Self.maxDifference(try logits(model, .f16, chunk: 40), try logits(model, .f32, chunk: 40))
        #expect(diff > 0 && diff < 1e-2, "window \(window.map(String.init) ?? "none"): max |logit difference| \(diff)")
    }

    /// The prompt in one chunk against chunks of 1, 3, 7 and 16, at 1 and 2 threads, with and without a
    /// window shorter than the prompt: measured ~2e-6 (as with F32) but 2.8e-5 in two cases with the
    /// window, where one key's float value, an ulp apart between chunkings (the matrix products sum in
    /// another order), rounds to the neighbouring F16 value. Keys of the chunk left in F32 would differ by
    /// F16's precision (~1e-3).
    @Test(arguments: [nil, 7] as [Int?], [1, 2])
    func f16ResultsDoNotDependOnChunking(_ window: Int?, _ threads: Int) throws {
        let model = try DecoderModel(path: try tinyLlamaFile(window: window))
        let one = try logits(model, .f16, chunk: 40, threads: threads)
        for chunk in [1, 3, 7, 16] {
            let diff = Self.maxDifference(one, try logits(model, .f16, chunk: chunk, threads: threads))
            #expect(diff < 1e-4, "window \(window.map(String.init) ?? "none"), chunk \(chunk): max |logit difference| \(diff)")
        }
    }

    @Test func bytesFollowTheType() throws {
        let model = try DecoderModel(path: try tinyLlamaFile())
        let f16 = DecoderSession(model: model, contextLength: 64, threads: 1)
        let f32 = DecoderSession(model: model, contextLength: 64, threads: 1, cacheType: .f32)
        #expect(f16.cache.type == .f16 && f32.cache.type == .f32)
        #expect(f16.makeCache().type == .f16 && f32.makeCache().type == .f32)
        #expect(f16.cache.bytes(forPositions: 10) * 2 == f32.cache.bytes(forPositions: 10))
        #expect(f32.cache.bytes(forPositions: 10) == 2 * 2 * 10 * model.config.kvDim * 4)  // K and V, 2 layers
    }

    @Test func cacheOfAnotherTypeIsRefused() throws {
        let model = try DecoderModel(path: try tinyLlamaFile())
        let session = DecoderSession(model: model, contextLength: 64, threads: 1)
        let other = DecoderSession(model: model, contextLength: 64, threads: 1, cacheType: .f32).makeCache()
        let e = try #require(throws: ModelError.self) { try session.decode([1], caches: [other]) { _, _ in } }
        #expect("\(e)".contains("cache type"))
        #expect(throws: ModelError.self) { try session.using(other) { try session.evaluate([1]) } }
    }
}
