import BoraTokenizers

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The log-probability of a generated token under the model's distribution (log-softmax of the raw
/// logits, before penalties and temperature), with the most likely alternatives, as OpenAI's `logprobs`.
public struct TokenLogprob: Codable, Sendable, Equatable {
    public struct Alternative: Codable, Sendable, Equatable {
        public var token: Int
        public var bytes: [UInt8]
        public var logprob: Float
    }

    public var token: Int
    public var bytes: [UInt8]
    public var logprob: Float
    /// The `top` most likely tokens at this position, most likely first.
    public var top: [Alternative]

    /// Computes `chosen`'s log-probability and the `top` alternatives from one row of logits.
    static func compute(_ logits: UnsafeBufferPointer<Float>, chosen: Int, top: Int, tokenizer: (any Tokenizer)?) -> TokenLogprob {
        var maxLogit = -Float.infinity
        for l in logits where l > maxLogit { maxLogit = l }
        var sum = 0.0
        for l in logits { sum += Double(expf(l - maxLogit)) }
        let logZ = Float(log(sum)) + maxLogit
        func bytes(_ t: Int) -> [UInt8] { (try? tokenizer?.pieceBytes(t)) ?? [] }
        let best = top > 0 ? Sampler.topK(logits.count, k: min(top, logits.count)) { logits[$0] } : []
        return TokenLogprob(
            token: chosen, bytes: bytes(chosen), logprob: logits[chosen] - logZ,
            top: best.map { Alternative(token: $0.id, bytes: bytes($0.id), logprob: $0.logit - logZ) })
    }
}
