import BoraFormats
import BoraModels
import Foundation
import Testing

/// Sliding-window attention over a rolling cache and Mixtral-style experts, against the naive reference,
/// and cached decoding against full evaluation with windows shorter than the sequence.
@Suite struct WindowAndExpertTests {
    static let tokens = (0..<40).map { ($0 * 37 + 11) % 64 }

    func logits(_ session: DecoderSession, _ tokens: [Int]) throws -> [[Float]] {
        session.reset()
        var out: [[Float]] = []
        try session.evaluate(tokens, logitsFor: .all) { _, row in out.append(Array(row)) }
        return out
    }

    func stepped(_ session: DecoderSession, _ tokens: [Int]) throws -> [[Float]] {
        session.reset()
        return try tokens.map { try session.next([$0]) }
    }

    func maxDiff(_ a: [[Float]], _ b: [[Double]]) -> Double {
        zip(a, b).map { zip($0, $1).map { abs(Double($0) - $1) }.max() ?? 0 }.max() ?? 0
    }

    struct Case: Sendable, CustomStringConvertible {
        let window: Int?
        let experts: Int
        let stacked: Bool
        var description: String { "window \(window.map(String.init) ?? "none"), experts \(experts)\(stacked ? "" : " (per-expert tensors)")" }
    }

    static let cases = [Case(window: 7, experts: 0, stacked: true), Case(window: nil, experts: 4, stacked: true),
                        Case(window: 5, experts: 4, stacked: false), Case(window: 64, experts: 0, stacked: true)]

    @Test(arguments: cases)
    func matchesNaiveReference(_ c: Case) throws {
        let model = try DecoderModel(path: try tinyLlamaFile(window: c.window, experts: c.experts, stackedExperts: c.stacked))
        let ref = naiveLogits(model, Self.tokens)
        for (batch, threads) in [(32, 2), (3, 1), (1, 2)] {
            // The reference's keys are not rounded to F16.
            let session = DecoderSession(model: model, contextLength: 64, threads: threads, maxBatch: batch, cacheType: .f32)
            let full = try logits(session, Self.tokens)
            #expect(maxDiff(full, ref) < 1e-4, "batch \(batch): \(maxDiff(full, ref))")
            let step = try stepped(session, Self.tokens)
            #expect(maxDiff(step, ref) < 1e-4, "stepped: \(maxDiff(step, ref))")
        }
    }

    @Test func windowChangesTheResult() throws {
        let windowed = try DecoderModel(path: try tinyLlamaFile(window: 4))
        let full = try DecoderModel(path: try tinyLlamaFile())
        let a = try logits(DecoderSession(model: windowed, contextLength: 64, threads: 1), Self.tokens)
        let b = try logits(DecoderSession(model: full, contextLength: 64, threads: 1), Self.tokens)
        // Identical while the sequence fits in the window, different after.
        #expect(zip(a[..<4], b[..<4]).allSatisfy { zip($0, $1).allSatisfy { abs($0 - $1) < 1e-5 } })
        #expect(zip(a[10...], b[10...]).contains { zip($0, $1).contains { abs($0 - $1) > 1e-3 } })
    }

    @Test func rollingCacheMemoryStopsAtTheWindow() throws {
        let model = try DecoderModel(path: try tinyLlamaFile(window: 8))
        let session = DecoderSession(model: model, contextLength: 64, threads: 1)
        #expect(session.cache.slots == [8, 8])
        #expect(session.cache.bytes(forPositions: 1000) == session.cache.bytes(forPositions: 8))
        let overridden = try DecoderModel(gguf: GGUFFile(path: try tinyLlamaFile()), slidingWindow: 16)
        #expect(overridden.config.slidingWindows == [16, 16])
        #expect(DecoderSession(model: overridden, contextLength: 64, threads: 1).cache.slots == [16, 16])
    }

    @Test func badExpertConfigurations() throws {
        // More experts per token than experts.
        let tooMany = try tinyLlamaFile(experts: 2, perToken: 3)
        #expect(throws: FormatError.self) { try DecoderModel(path: tooMany) }
        // An expert count that disagrees with the stacked tensors.
        let mismatch = try tinyLlamaFile(experts: 4) { w in w.set("llama.expert_count", .uint32(3)) }
        #expect(throws: FormatError.self) { try DecoderModel(path: mismatch) }
    }
}
