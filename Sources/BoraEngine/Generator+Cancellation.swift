import BoraModels
import BoraTokenizers

/// What a caller of `Generator.generate(prompt:maxTokens:sampling:onPiece:)` wants after each text piece.
public enum GenerationControl: Sendable {
    /// Keep generating.
    case proceed
    /// End now with finish reason "stop" (a stop sequence was found in the text).
    case stop
    /// End now: the consumer is gone (a client that disconnected). The result's finish reason is "length"
    /// and `cancelled` is true.
    case cancel
}

/// A generation that may have been cut short by its caller.
public struct SteeredGenerationResult: Sendable {
    public var result: GenerationResult
    /// True when `onPiece` answered `.cancel`.
    public var cancelled: Bool
}

extension Generator {
    /// The generation loop: prefill, then sample and evaluate one token at a time until an end-of-generation
    /// token or the limit. `onPiece` steers: after every token (with the
    /// text it completed, possibly empty) the caller says whether to go on, stop (a stop sequence) or cancel
    /// (its client left). The check runs between tokens, so a cancelled generation frees its session after
    /// at most one more forward step. With a `constraint`, only tokens that keep the output a string of its
    /// grammar are sampled (a logits mask), and end-of-generation only once the output is complete; with
    /// `thinking`, a thought before the answer is free and its budget enforced (`ThinkingControl`).
    ///
    /// `cached`: the tokens whose keys and values the session's cache holds (from an earlier call: its prompt
    /// and generated tokens, the first `session.cache.count`). The prefix they share with `prompt` is kept and
    /// only the rest evaluated (`GenerationResult.cachedPromptTokens`), unless a rolling buffer has wrapped.
    public func generate(prompt: [Int], maxTokens: Int, sampling: SamplingParameters,
                         constraint: TokenConstraint? = nil, thinking: ThinkingControl? = nil, cached: [Int] = [],
                         onPiece: (_ text: String, _ token: Int) -> GenerationControl) throws(EngineError) -> SteeredGenerationResult {
        var state = try SequenceState(loaded: loaded, prompt: prompt, maxTokens: maxTokens, sampling: sampling,
                                      capacity: session.cache.contextLength, constraint: constraint, thinking: thinking)
        func steer(_ text: String, _ token: Int, _: TokenLogprob?) -> GenerationControl { onPiece(text, token) }
        var shared = Self.reusablePrefix(held: cached.prefix(session.cache.count), prompt: prompt)
        if shared == 0 || !session.cache.truncate(to: shared) {
            shared = 0
            session.reset()
        }
        state.cachedPromptTokens = shared
        var logits = try evaluate(Array(prompt[shared...]))
        state.prefilled = Clock.now()
        while let token = try logits.withUnsafeBufferPointer({ (row) throws(EngineError) in try state.advance(row, onPiece: steer) }) {
            logits = try evaluate([token])
        }
        return state.finish(onPiece: steer)
    }

    /// How many leading tokens of `prompt` a cache holding `held` can keep: their shared prefix, short of the
    /// whole prompt (its last token must be evaluated for the first logits).
    static func reusablePrefix(held: some Collection<Int>, prompt: [Int]) -> Int {
        var n = 0
        for (a, b) in zip(held, prompt.dropLast()) {
            guard a == b else { break }
            n += 1
        }
        return n
    }

    /// The logits after `tokens`, evaluated at the session's next positions.
    func evaluate(_ tokens: [Int]) throws(EngineError) -> [Float] {
        do { return try session.next(tokens) } catch let e as ModelError { throw .model(e) } catch { throw .invalidParameter("\(error)") }
    }
}
