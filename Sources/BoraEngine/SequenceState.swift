import BoraTokenizers

/// One sequence's generation apart from running the model: sampling, the end-of-generation check, text
/// assembly, the token limit, and what the caller steers. Both the one-sequence `Generator` loop and the
/// batched `BatchGenerator` drive it: logits in, the next token to evaluate out.
struct SequenceState {
    let loaded: LoadedModel
    let prompt: [Int]
    /// Leading prompt tokens whose keys and values were already in the cache (reported in the result).
    var cachedPromptTokens = 0
    let maxTokens: Int
    /// Keeps the output a string of a grammar (structured output, forced tool calls), if set.
    let constraint: TokenConstraint?
    private var sampler: Sampler
    private var history: [Int]
    private(set) var generated: [Int] = []
    private(set) var text = ""
    private var assembler = UTF8Assembler()
    private(set) var finish = FinishReason.length
    private(set) var cancelled = false
    /// One per generated token when the sampling parameters ask for them.
    private(set) var logprobs: [TokenLogprob] = []
    /// Monotonic times: start, prompt evaluated, finished.
    var started = Clock.now(), prefilled = 0.0

    /// Checks the request against the context window (`capacity` positions).
    init(loaded: LoadedModel, prompt: [Int], maxTokens: Int, sampling: SamplingParameters, capacity: Int,
         constraint: TokenConstraint? = nil) throws(EngineError) {
        try sampling.validate()
        guard maxTokens >= 0 else { throw .invalidParameter("max tokens must be 0 or more, got \(maxTokens)") }
        guard !prompt.isEmpty else { throw .invalidParameter("the prompt is empty: give some text (or a model that adds BOS)") }
        guard prompt.count + maxTokens <= capacity else {
            throw .model(.contextFull(needed: prompt.count + maxTokens, capacity: capacity))
        }
        self.loaded = loaded
        self.prompt = prompt
        self.maxTokens = maxTokens
        self.constraint = constraint
        sampler = Sampler(sampling)
        history = prompt
    }

    /// Picks the next token from `logits` (after the prompt or the previous token) and hands the text it
    /// completes to `onPiece`. Returns the token to evaluate next, or nil when the sequence has ended: an
    /// end-of-generation token, the token limit, or the caller's stop or cancel.
    mutating func advance(_ logits: UnsafeBufferPointer<Float>,
                          onPiece: (_ text: String, _ token: Int, _ logprob: TokenLogprob?) -> GenerationControl) throws(EngineError) -> Int? {
        guard generated.count < maxTokens else { return nil }
        let banned = generated.count < sampler.parameters.minTokens ? loaded.endOfGenerationTokens : []
        let token: Int
        if let constraint {
            // A complete output in a vocabulary without an end token ends here.
            if constraint.isFinal, constraint.trie.endOfGeneration.isEmpty { finish = .stop; return nil }
            do {
                token = try constraint.choose(logits, sampler: &sampler, history: history, generated: generated.count,
                                              banned: banned, remaining: maxTokens - generated.count)
            } catch { throw .grammar(error) }
        } else {
            token = sampler.sample(logits, history: history, generated: generated.count, banned: banned)
        }
        let tokenizer = loaded.tokenizer
        if let tokenizer, tokenizer.isEndOfGeneration(token) {
            finish = .stop
            return nil
        }
        generated.append(token)
        history.append(token)
        do { try constraint?.accept(token) } catch { throw .grammar(error) }
        var bytes: [UInt8] = []
        if let tokenizer {
            do { bytes = try tokenizer.pieceBytes(token) } catch { throw .tokenizer(path: loaded.path, message: "\(error)") }
        }
        let piece = assembler.append(bytes)
        text += piece
        let logprob = sampler.parameters.logprobs.map { TokenLogprob.compute(logits, chosen: token, top: $0, tokenizer: tokenizer) }
        if let logprob { logprobs.append(logprob) }
        switch onPiece(piece, token, logprob) {
        case .proceed: break
        case .stop: finish = .stop; return nil
        case .cancel: cancelled = true; return nil
        }
        guard generated.count < maxTokens else {
            if constraint?.isFinal == true { finish = .stop }
            return nil
        }
        return token
    }

    /// Hands over the text still held back (a character cut by the limit), then the result.
    mutating func finish(onPiece: (_ text: String, _ token: Int, _ logprob: TokenLogprob?) -> GenerationControl) -> SteeredGenerationResult {
        let rest = assembler.flush()
        if !rest.isEmpty, !cancelled {
            text += rest
            _ = onPiece(rest, -1, nil)
        }
        let t2 = Clock.now()
        let promptMs = (prefilled - started) * 1000, genMs = (t2 - prefilled) * 1000
        let result = GenerationResult(
            promptTokens: prompt, tokens: generated, text: text, finishReason: finish,
            logprobs: sampler.parameters.logprobs == nil ? nil : logprobs,
            cachedPromptTokens: cachedPromptTokens > 0 ? cachedPromptTokens : nil,
            timings: GenerationTimings(
                promptMilliseconds: promptMs, generationMilliseconds: genMs,
                promptTokensPerSecond: promptMs > 0 ? Double(prompt.count) / promptMs * 1000 : 0,
                tokensPerSecond: genMs > 0 ? Double(generated.count) / genMs * 1000 : 0))
        return SteeredGenerationResult(result: result, cancelled: cancelled)
    }
}
