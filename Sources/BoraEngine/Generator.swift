import BoraKernels
import BoraModels
import BoraTokenizers

/// Why generation ended (OpenAI's names).
public enum FinishReason: String, Codable, Sendable {
    case stop, length
}

public struct GenerationTimings: Codable, Sendable, Equatable {
    public var promptMilliseconds: Double
    public var generationMilliseconds: Double
    public var promptTokensPerSecond: Double
    public var tokensPerSecond: Double

    enum CodingKeys: String, CodingKey {
        case promptMilliseconds = "prompt_ms"
        case generationMilliseconds = "generation_ms"
        case promptTokensPerSecond = "prompt_tokens_per_second"
        case tokensPerSecond = "tokens_per_second"
    }
}

public struct GenerationResult: Codable, Sendable {
    public var promptTokens: [Int]
    public var tokens: [Int]
    public var text: String
    public var finishReason: FinishReason
    /// One per generated token when `SamplingParameters.logprobs` asked for them.
    public var logprobs: [TokenLogprob]?
    /// Leading prompt tokens served from a cache instead of evaluated (the server's prefix reuse); nil: none.
    public var cachedPromptTokens: Int? = nil
    /// Tokens generated inside thoughts (with a `ThinkingControl`; nil without), their markers not counted.
    public var reasoningTokens: Int? = nil
    public var timings: GenerationTimings

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens", tokens, text
        case finishReason = "finish_reason", logprobs, timings
        case cachedPromptTokens = "cached_prompt_tokens", reasoningTokens = "reasoning_tokens"
    }
}

/// Prompt in, tokens out: prefill, then sample and evaluate one token at a time until an end-of-generation
/// token or the token limit. Text is handed to `onText` as soon as it forms whole characters.
public struct Generator {
    public let loaded: LoadedModel
    public let session: DecoderSession

    public init(loaded: LoadedModel, session: DecoderSession) {
        self.loaded = loaded
        self.session = session
    }

    /// Generates and hands each piece of text to `onText` as soon as it forms whole characters.
    /// - Parameter shouldStop: polled after each token; returning true ends generation with finish reason
    ///   `stop` (Ctrl-C in `bora run`).
    public func generate(prompt: [Int], maxTokens: Int, sampling: SamplingParameters,
                         shouldStop: () -> Bool = { false },
                         onText: (String) -> Void = { _ in }) throws(EngineError) -> GenerationResult {
        try generate(prompt: prompt, maxTokens: maxTokens, sampling: sampling) { piece, _ in
            if !piece.isEmpty { onText(piece) }
            return shouldStop() ? .stop : .proceed
        }.result
    }
}

/// Monotonic seconds.
public enum Clock {
    public static func now() -> Double { monotonicSeconds() }
}
