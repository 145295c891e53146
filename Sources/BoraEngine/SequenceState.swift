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
    /// Keeps the output a string of a grammar (structured output, forced tool calls), if set; with
    /// `thinking`, only the answer after the thought.
    let constraint: TokenConstraint?
    /// The thought's markers and budget, if the model thinks.
    let thinking: ThinkingControl?
    private(set) var phase: ThoughtPhase
    /// Tokens emitted first whatever the logits say (as far as a constraint allows them): tests drive the
    /// thinking and tool-call paths of tiny random models with them.
    let forced: [Int]
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
         constraint: TokenConstraint? = nil, thinking: ThinkingControl? = nil, forced: [Int] = []) throws(EngineError) {
        try sampling.validate()
        guard maxTokens >= 0 else { throw .invalidParameter("max tokens must be 0 or more, got \(maxTokens)") }
        guard !prompt.isEmpty else { throw .invalidParameter("the prompt is empty: give some text (or a model that adds BOS)") }
        guard prompt.count + maxTokens <= capacity else {
            throw .model(.contextFull(needed: prompt.count + maxTokens, capacity: capacity))
        }
        let vocabulary = 0..<loaded.config.vocabularySize
        if let bad = forced.first(where: { !vocabulary.contains($0) }) {
            throw .invalidParameter("forced token \(bad) is not a token id of this model (0..<\(vocabulary.upperBound))")
        }
        if let thinking, !vocabulary.contains(thinking.open) || !vocabulary.contains(thinking.close) || thinking.open == thinking.close {
            throw .invalidParameter("the thought markers \(thinking.open) and \(thinking.close) must be two token ids of this model")
        }
        if let budget = thinking?.budget, budget < 0 { throw .invalidParameter("the thinking budget must be 0 or more, got \(budget)") }
        self.loaded = loaded
        self.prompt = prompt
        self.maxTokens = maxTokens
        self.constraint = constraint
        self.thinking = thinking
        self.forced = forced
        phase = thinking.map { $0.startsInside ? .thinking(0) : .undecided } ?? .answer(0)
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
        let token = try choose(logits, banned: banned)
        if token < 0 {
            // A complete output in a vocabulary without an end token ends here.
            finish = .stop
            return nil
        }
        let tokenizer = loaded.tokenizer
        if let tokenizer, tokenizer.isEndOfGeneration(token) {
            finish = .stop
            return nil
        }
        generated.append(token)
        history.append(token)
        try step(token)
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

    /// The next token: the thought's close at its budget, a forced token, a free sample inside a thought (or
    /// with no constraint), else the constraint's choice; before any output a constrained model may still
    /// open a thought. -1: a constrained answer is complete and the vocabulary has no end token.
    private mutating func choose(_ logits: UnsafeBufferPointer<Float>, banned: [Int]) throws(EngineError) -> Int {
        let remaining = maxTokens - generated.count
        if case let .thinking(n) = phase, let thinking, let budget = thinking.budget, n >= budget { return thinking.close }
        let free: Bool
        switch phase {
        case .thinking: free = true
        case .undecided, .answer: free = constraint == nil
        }
        do {
            if generated.count < forced.count {
                let f = forced[generated.count]
                if free || (phase == .undecided && f == thinking?.open) { return f }
                if let constraint, try constraint.allows(f, remaining: remaining) { return f }
            }
            guard !free, let constraint else { return sampler.sample(logits, history: history, generated: generated.count, banned: banned) }
            if phase == .undecided, let open = thinking?.open {
                // think? (answer): the model's own choice between a thought and the constrained answer.
                let t = sampler.sample(logits, history: history, generated: generated.count, banned: banned)
                if t == open { return t }
            }
            if constraint.isFinal, constraint.trie.endOfGeneration.isEmpty { return -1 }
            return try constraint.choose(logits, sampler: &sampler, history: history, generated: generated.count,
                                         banned: banned, remaining: remaining)
        } catch { throw .grammar(error) }
    }

    /// Moves the thought phase on for `token`; a token of the constrained answer goes to the constraint.
    private mutating func step(_ token: Int) throws(EngineError) {
        guard let thinking else {
            do { try constraint?.accept(token) } catch { throw .grammar(error) }
            return
        }
        switch phase {
        case let .thinking(n):
            phase = token == thinking.close ? .answer(n) : .thinking(n + 1)
        case .undecided where token == thinking.open:
            phase = .thinking(0)
        case let .answer(n) where token == thinking.open && constraint == nil:
            phase = .thinking(n)
        case .undecided, .answer:
            phase = .answer(phase.thoughtTokens)
            do { try constraint?.accept(token) } catch { throw .grammar(error) }
        }
    }

    /// Tokens generated inside thoughts so far (their markers not counted).
    var thoughtTokens: Int { phase.thoughtTokens }

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
            reasoningTokens: thinking == nil ? nil : phase.thoughtTokens,
            timings: GenerationTimings(
                promptMilliseconds: promptMs, generationMilliseconds: genMs,
                promptTokensPerSecond: promptMs > 0 ? Double(prompt.count) / promptMs * 1000 : 0,
                tokensPerSecond: genMs > 0 ? Double(generated.count) / genMs * 1000 : 0))
        return SteeredGenerationResult(result: result, cancelled: cancelled)
    }
}
