import BoraEngine
import Foundation
import Testing

/// The memory check before run/generate/serve/bench load a model.
@Suite struct RunMemoryTests {
    @Test func estimateAddsWeightsCacheAndScratch() throws {
        let loaded = try LoadedModel(path: TestPaths.fixture("mistral/mistral-tiny/model.gguf"))
        let c = loaded.config
        let one = MemoryEstimate(model: loaded, positions: 100)
        let two = MemoryEstimate(model: loaded, positions: 100, sessions: 2)
        #expect(one.weights == loaded.model.weightBytes)
        // K and V in F16 (2 bytes) for each layer, for at most its window; F32 (4 bytes) on request.
        #expect(one.kvCache == 2 * c.slidingWindows.reduce(0) { $0 + ($1 > 0 ? min($1, 100) : 100) } * c.kvDim * 2)
        #expect(MemoryEstimate(model: loaded, positions: 100, cacheType: .f32).kvCache == 2 * one.kvCache)
        #expect(two.kvCache == 2 * one.kvCache && two.scratch == 2 * one.scratch && two.weights == one.weights)
        #expect(one.total == one.weights + one.kvCache + one.scratch)
    }

    @Test func refusesWithNumbersAndAdvice() throws {
        let loaded = try LoadedModel(path: TestPaths.fixture("mistral/mistral-tiny/model.gguf"))
        let e = MemoryEstimate(model: loaded, positions: 4096)
        try e.check(model: "tiny", available: e.total)
        try e.check(model: "tiny", available: nil)  // unknown: no refusal
        let small = try #require(throws: EngineError.self) { try e.check(model: "tiny", available: e.total - 1) }
        #expect(small.description.contains("does not fit in memory") && small.description.contains("GiB"))
        #expect(small.description.contains("--context 1024"), "\(small)")
        // Weights larger than half the memory: a smaller quantization.
        let big = try #require(throws: EngineError.self) { try e.check(model: "tiny", available: e.weights) }
        #expect(big.description.contains("smaller quantization"))
    }
}
