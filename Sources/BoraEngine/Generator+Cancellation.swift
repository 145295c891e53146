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
    /// grammar are sampled (a logits mask), and end-of-generation only once the output is complete.
    public func generate(prompt: [Int], maxTokens: Int, sampling: SamplingParameters,
                         constraint: TokenConstraint? = nil,
                         onPiece: (_ text: String, _ token: Int) -> GenerationControl) throws(EngineError) -> SteeredGenerationResult {
        try sampling.validate()
        guard maxTokens >= 0 else { throw .invalidParameter("max tokens must be 0 or more, got \(maxTokens)") }
        guard !prompt.isEmpty else { throw .invalidParameter("the prompt is empty: give some text (or a model that adds BOS)") }
        let needed = prompt.count + maxTokens
        guard needed <= session.cache.contextLength else {
            throw .model(.contextFull(needed: needed, capacity: session.cache.contextLength))
        }
        let tokenizer = loaded.tokenizer
        var sampler = Sampler(sampling)
        var history = prompt
        var generated: [Int] = []
        var text = ""
        var assembler = UTF8Assembler()
        var finish = FinishReason.length
        var cancelled = false

        session.reset()
        let t0 = Clock.now()
        var logits: [Float]
        do { logits = try session.next(prompt) } catch let e as ModelError { throw .model(e) } catch { throw .invalidParameter("\(error)") }
        let t1 = Clock.now()

        loop: while generated.count < maxTokens {
            let token: Int
            if let constraint {
                if constraint.isFinal, constraint.trie.endOfGeneration.isEmpty { finish = .stop; break }
                do { token = try constraint.choose(&logits, sampler: &sampler, history: history, remaining: maxTokens - generated.count) } catch { throw .grammar(error) }
            } else {
                token = logits.withUnsafeBufferPointer { sampler.sample($0, history: history) }
            }
            if let tokenizer, tokenizer.isEndOfGeneration(token) {
                finish = .stop
                break
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
            switch onPiece(piece, token) {
            case .proceed: break
            case .stop: finish = .stop; break loop
            case .cancel: cancelled = true; break loop
            }
            if generated.count == maxTokens {
                if constraint?.isFinal == true { finish = .stop }
                break
            }
            do { logits = try session.next([token]) } catch let e as ModelError { throw .model(e) } catch { throw .invalidParameter("\(error)") }
        }
        let rest = assembler.flush()
        if !rest.isEmpty, !cancelled {
            text += rest
            _ = onPiece(rest, -1)
        }
        let t2 = Clock.now()
        let promptMs = (t1 - t0) * 1000, genMs = (t2 - t1) * 1000
        let result = GenerationResult(
            promptTokens: prompt, tokens: generated, text: text, finishReason: finish,
            timings: GenerationTimings(
                promptMilliseconds: promptMs, generationMilliseconds: genMs,
                promptTokensPerSecond: promptMs > 0 ? Double(prompt.count) / promptMs * 1000 : 0,
                tokensPerSecond: genMs > 0 ? Double(generated.count) / genMs * 1000 : 0))
        return SteeredGenerationResult(result: result, cancelled: cancelled)
    }
}
