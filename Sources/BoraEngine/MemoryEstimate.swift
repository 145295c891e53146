import BoraModels
import Foundation

/// The memory a model needs to run: its weights (memory-mapped, all read every token), the KV cache (F16
/// unless `cacheType` says otherwise) of each session for `positions` positions, and each session's
/// activation scratch for a batch of `batch` tokens (logits of each row included). Used before loading by
/// run, generate, serve and bench.
public struct MemoryEstimate: Sendable, Equatable {
    public var weights: Int
    public var kvCache: Int
    public var scratch: Int
    public var positions: Int
    public var total: Int { weights + kvCache + scratch }

    /// `batch` defaults to DecoderSession's default maxBatch.
    public init(config c: DecoderConfig, weightBytes: Int, positions: Int, batch: Int = 32, sessions: Int = 1,
                cacheType: KVCacheType = .f16) {
        weights = weightBytes
        self.positions = positions
        kvCache = sessions * KVCache.bytes(kvDim: c.kvDim, windows: c.slidingWindows, positions: positions, type: cacheType,
                                                  valuesAreKeys: c.latentAttention != nil)
        let ffn = max(c.feedForwardLength, c.expertCount > 0 ? c.expertFeedForwardLength : 0)
        let perToken = 4 * (4 * c.embeddingLength + 3 * ffn + c.queryDim + 2 * c.kvDim + c.vocabularySize)
        scratch = sessions * (max(1, batch) * perToken + 4 * c.headCount * positions)
    }

    public init(model: LoadedModel, positions: Int, batch: Int = 32, sessions: Int = 1, cacheType: KVCacheType = .f16) {
        self.init(config: model.config, weightBytes: model.model.weightBytes, positions: positions, batch: batch, sessions: sessions,
                  cacheType: cacheType)
    }

    /// MemAvailable from /proc/meminfo in bytes (nil where there is none).
    public static func availableMemory() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let parts = line.split(separator: " ")
            if parts.count >= 2, let kb = Int(parts[1]) { return kb * 1024 }
        }
        return nil
    }

    /// Throws, with the numbers and what to change, when the estimate exceeds `available` bytes.
    public func check(model: String, available: Int? = MemoryEstimate.availableMemory()) throws(EngineError) {
        guard let available, total > available else { return }
        func gib(_ n: Int) -> String { String(format: "%.2f GiB", Double(n) / 1_073_741_824) }
        var advice: [String] = []
        if weights > available / 2 { advice.append("a smaller quantization of the model (Q4_K_M or Q4_0 instead of Q8_0 or F16)") }
        if kvCache + scratch > available / 4 || weights <= available / 2 {
            advice.append("a shorter context (--context \(max(256, positions / 4)))")
        }
        advice.append("closing other programs")
        throw .invalidParameter("'\(model)' does not fit in memory: it needs about \(gib(total)) of memory (weights \(gib(weights)) + KV cache \(gib(kvCache)) for \(positions) positions + scratch \(gib(scratch))) but only \(gib(available)) is available. Try " + advice.joined(separator: ", or ") + ".")
    }
}
