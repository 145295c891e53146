import BoraKernels
import BoraModels

/// How close decoding comes to the memory-bandwidth bound: each generated token reads every layer's
/// matrices and the output matrix once, so tokens/s <= bandwidth / those bytes.
public struct BandwidthBound: Codable, Sendable {
    public var threads: Int
    /// Measured streaming-read bandwidth, bytes per second.
    public var bytesPerSecond: Double
    /// Weight bytes read per generated token.
    public var weightBytesPerToken: Int
    /// The generation speed that bandwidth allows, tokens per second.
    public var tokensPerSecondLimit: Double

    enum CodingKeys: String, CodingKey {
        case threads = "n_threads", bytesPerSecond = "bandwidth_bytes_per_s"
        case weightBytesPerToken = "weight_bytes_per_token", tokensPerSecondLimit = "tg_limit_ts"
    }
}

extension Benchmark {
    /// Bytes of the matrices one decode step reads (the token embedding is a row lookup, not counted; for
    /// mixtures of experts only the `expertsPerToken` experts of each layer are read).
    public var weightBytesPerToken: Int {
        func size(_ m: WeightMatrix) -> Int { m.rows * m.rowBytes }
        let w = model.model.weights
        var total = size(w.output)
        for layer in w.layers {
            total += layer.matricesPerToken().reduce(0) { $0 + size($1) }
        }
        return total
    }

    /// Measures the streaming-read bandwidth at `threads` threads and the tg bound it sets for this model.
    public func bandwidthBound(threads: Int) throws(EngineError) -> BandwidthBound {
        try Self.checkThreads(threads)
        let bandwidth = MemoryBandwidth.measure(threads: threads)
        let bytes = weightBytesPerToken
        return BandwidthBound(threads: threads, bytesPerSecond: bandwidth, weightBytesPerToken: bytes,
                              tokensPerSecondLimit: bytes > 0 ? bandwidth / Double(bytes) : 0)
    }
}
