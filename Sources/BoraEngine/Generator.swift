import BoraModels
import BoraTokenizers

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
    public var timings: GenerationTimings

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens", tokens, text
        case finishReason = "finish_reason", timings
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

    /// - Parameter shouldStop: polled before each new token; returning true ends generation with
    ///   finish reason `stop` (Ctrl-C in `bora run`, a client that went away).
    public func generate(prompt: [Int], maxTokens: Int, sampling: SamplingParameters,
                         shouldStop: () -> Bool = { false },
                         onText: (String) -> Void = { _ in }) throws(EngineError) -> GenerationResult {
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

        session.reset()
        let t0 = Clock.now()
        var logits: [Float]
        do { logits = try session.next(prompt) } catch let e as ModelError { throw .model(e) } catch { throw .invalidParameter("\(error)") }
        let t1 = Clock.now()

        while generated.count < maxTokens {
            if shouldStop() {
                finish = .stop
                break
            }
            let token = logits.withUnsafeBufferPointer { sampler.sample($0, history: history) }
            if let tokenizer, tokenizer.isEndOfGeneration(token) {
                finish = .stop
                break
            }
            generated.append(token)
            history.append(token)
            var bytes: [UInt8] = []
            if let tokenizer {
                do { bytes = try tokenizer.pieceBytes(token) } catch { throw .tokenizer(path: loaded.path, message: "\(error)") }
            }
            let piece = assembler.append(bytes)
            if !piece.isEmpty {
                text += piece
                onText(piece)
            }
            if generated.count == maxTokens { break }
            do { logits = try session.next([token]) } catch let e as ModelError { throw .model(e) } catch { throw .invalidParameter("\(error)") }
        }
        let rest = assembler.flush()
        if !rest.isEmpty {
            text += rest
            onText(rest)
        }
        let t2 = Clock.now()
        let promptMs = (t1 - t0) * 1000, genMs = (t2 - t1) * 1000
        return GenerationResult(
            promptTokens: prompt, tokens: generated, text: text, finishReason: finish,
            timings: GenerationTimings(
                promptMilliseconds: promptMs, generationMilliseconds: genMs,
                promptTokensPerSecond: promptMs > 0 ? Double(prompt.count) / promptMs * 1000 : 0,
                tokensPerSecond: genMs > 0 ? Double(generated.count) / genMs * 1000 : 0))
    }
}

/// Monotonic seconds.
public enum Clock {
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
