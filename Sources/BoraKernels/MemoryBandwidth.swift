/// The machine's streaming-read memory bandwidth, the bound on decoding speed when every token reads all
/// the weights once (tokens/s <= bandwidth / weight bytes per token).
public enum MemoryBandwidth {
    /// Bytes per second that `threads` threads read from a `bytes`-byte buffer (far larger than the caches),
    /// each summing its own contiguous part with 64-byte SIMD loads and four accumulators; the best of
    /// `repetitions` passes after one warm-up pass (which also faults the pages in).
    public static func measure(bytes: Int = 1 << 30, threads: Int, repetitions: Int = 5) -> Double {
        let count = max(1 << 16, bytes / 64) // SIMD16<Float> vectors
        let buffer = UnsafeMutablePointer<SIMD16<Float>>.allocate(capacity: count)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: SIMD16(repeating: 1), count: count)
        let pool = ThreadPool(threads: max(1, threads))
        let n = pool.threadCount
        var sink = SIMD16<Float>()
        var best = 0.0
        for pass in 0...max(1, repetitions) {
            var partial = [SIMD16<Float>](repeating: .zero, count: n)
            let start = monotonicSeconds()
            partial.withUnsafeMutableBufferPointer { out in
                guard let results = out.baseAddress else { return }
                pool.run { t in
                    let lo = count * t / n, hi = count * (t + 1) / n
                    var a = SIMD16<Float>(), b = SIMD16<Float>(), c = SIMD16<Float>(), d = SIMD16<Float>()
                    var i = lo
                    while i + 4 <= hi {
                        a += buffer[i]; b += buffer[i + 1]; c += buffer[i + 2]; d += buffer[i + 3]
                        i += 4
                    }
                    while i < hi { a += buffer[i]; i += 1 }
                    results[t] = a + b + c + d
                }
            }
            let seconds = monotonicSeconds() - start
            sink = partial.reduce(sink, +)
            if pass > 0, seconds > 0 { best = max(best, Double(count * 64) / seconds) }
        }
        // Keeps the sums alive, so the loads cannot be dropped.
        if sink.sum() == -1 { best += 0 }
        return best
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Monotonic seconds (CLOCK_MONOTONIC), for timing.
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
