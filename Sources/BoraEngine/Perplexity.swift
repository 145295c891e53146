import BoraModels

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Teacher-forced scores of a token sequence: for each position p >= 1, the negative log-likelihood of
/// token p given tokens 0..<p, and the argmax of the logits at every position.
public struct SequenceScore: Codable, Sendable, Equatable {
    public var argmax: [Int] = []
    /// Natural-log NLL, one per scored position.
    public var nll: [Double] = []

    public var perplexity: Double { nll.isEmpty ? .nan : exp(nll.reduce(0, +) / Double(nll.count)) }
}

extension DecoderSession {
    /// Evaluates `tokens` from an empty cache and scores every position but the first.
    /// `keepLogits`: the last N positions' full logits are passed to `logitsSink` (position, row).
    public func score(_ tokens: [Int], keepLast: Int = 0,
                      logitsSink: (Int, UnsafeBufferPointer<Float>) -> Void = { _, _ in }) throws -> SequenceScore {
        reset()
        var result = SequenceScore()
        result.argmax.reserveCapacity(tokens.count)
        try evaluate(tokens, logitsFor: .all) { i, row in
            var best = 0
            var m = -Float.infinity
            for (j, v) in row.enumerated() where v > m { m = v; best = j }
            result.argmax.append(best)
            if i + 1 < tokens.count {
                var sum = 0.0
                for v in row { sum += exp(Double(v - m)) }
                let lse = Double(m) + log(sum)
                result.nll.append(lse - Double(row[tokens[i + 1]]))
            }
            if i >= tokens.count - keepLast { logitsSink(i, row) }
        }
        return result
    }
}
