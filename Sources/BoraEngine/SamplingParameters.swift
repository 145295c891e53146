/// How the next token is chosen. Defaults are llama.cpp's (`common_params_sampling`).
public struct SamplingParameters: Codable, Sendable, Equatable {
    /// 0 (or less) is greedy.
    public var temperature: Float = 0.8
    /// 0 disables.
    public var topK: Int = 40
    /// 1 disables.
    public var topP: Float = 0.95
    /// 0 disables.
    public var minP: Float = 0.05
    /// 1 disables. Divides positive logits (multiplies negative ones) of tokens among the last `repeatLastN`.
    public var repeatPenalty: Float = 1.0
    public var repeatLastN: Int = 64
    /// nil picks a random seed.
    public var seed: UInt64?
    /// OpenAI's and Mistral's penalties over the tokens generated so far: a token's logit is lowered by
    /// `presencePenalty` once it has appeared and by `frequencyPenalty` times its count. 0 disables.
    public var presencePenalty: Float = 0
    public var frequencyPenalty: Float = 0
    /// End-of-generation tokens are not sampled before this many tokens are generated (Mistral's
    /// `min_tokens`). 0 disables.
    public var minTokens: Int = 0
    /// nil: no log-probabilities; n: each generated token's log-probability and its n most likely
    /// alternatives (0...20), in `GenerationResult.logprobs` and to the steering callback.
    public var logprobs: Int?
    /// Added to the logit of each token id (OpenAI's `logit_bias`; -100 bans a token in practice).
    public var logitBias: [Int: Float] = [:]

    public init() {}

    public static let greedy: SamplingParameters = {
        var p = SamplingParameters()
        p.temperature = 0
        return p
    }()

    /// Checks ranges; the message names the option.
    public func validate() throws(EngineError) {
        guard temperature.isFinite, temperature >= 0 else { throw .invalidParameter("temperature must be 0 or more (0 is greedy), got \(temperature)") }
        guard topK >= 0 else { throw .invalidParameter("top-k must be 0 (off) or more, got \(topK)") }
        guard topP > 0, topP <= 1 else { throw .invalidParameter("top-p must be in (0, 1], got \(topP)") }
        guard minP >= 0, minP <= 1 else { throw .invalidParameter("min-p must be in [0, 1], got \(minP)") }
        guard repeatPenalty.isFinite, repeatPenalty > 0 else { throw .invalidParameter("repeat penalty must be positive (1 is off), got \(repeatPenalty)") }
        guard repeatLastN >= 0 else { throw .invalidParameter("repeat-last-n must be 0 or more, got \(repeatLastN)") }
        guard presencePenalty.isFinite, frequencyPenalty.isFinite else { throw .invalidParameter("penalties must be finite numbers") }
        guard minTokens >= 0 else { throw .invalidParameter("min tokens must be 0 or more, got \(minTokens)") }
        if let logprobs { guard (0...20).contains(logprobs) else { throw .invalidParameter("top logprobs must be between 0 and 20, got \(logprobs)") } }
        guard logitBias.values.allSatisfy(\.isFinite) else { throw .invalidParameter("logit bias values must be finite numbers") }
    }
}
