import BoraEngine
import BoraModels
import Foundation
import Logging

/// A set-once flag shared between the HTTP side (which sets it when its client leaves) and the decoding
/// thread (which reads it between tokens).
final class CancelFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}

/// What a slot's generation sends back: text as it forms (stop sequences already removed), then the result.
enum GenerationEvent: Sendable {
    /// Text, with the log-probabilities of the tokens since the previous event (when asked for) and those
    /// tokens (tool calls are read from the tokens of Mistral models, whose call markers are special tokens).
    case text(String, [TokenLogprob], tokens: [Int])
    /// Thought text, apart from the answer (`GenerationJob.splitter`).
    case reasoning(String)
    case done(GenerationResult, cancelled: Bool)
}

struct GenerationJob: Sendable {
    var prompt: [Int]
    var maxTokens: Int
    var sampling: SamplingParameters
    var stop: [String]
    var requestId: String
    /// Constrained decoding (response_format, forced tool calls).
    var constraint: ConstraintSpec?
    /// The request's run-time LoRA adapter (`adapter` field), if any.
    var adapter: ScaledAdapter?
    /// The thought's markers and budget for the engine (a thinking model's chat request).
    var thinking: ThinkingControl?
    /// Splits thought from answer in the output (nil: all of it is answer). Stop sequences apply to the
    /// answer only; tool calls and log-probabilities are those of the answer's tokens.
    var splitter: ThoughtSplitter?
    /// Tokens emitted first whatever the logits (`ServerConfiguration.forcedTokens`, tests).
    var forced: [Int] = []
}

/// Stop-sequence and timing state of one generation, touched by one thread at a time (the decoding thread
/// or a worker of its step: BatchGenerator orders the calls).
private final class StreamState: @unchecked Sendable {
    var matcher: StopMatcher
    let submitted = Clock.now()
    var lastToken: Double?
    /// Log-probabilities and tokens not yet sent (their text is held back by the stop matcher).
    var logprobs: [TokenLogprob] = []
    var tokens: [Int] = []
    var splitter: ThoughtSplitter?
    init(_ stops: [String], splitter: ThoughtSplitter?) {
        matcher = StopMatcher(stops)
        self.splitter = splitter
    }

    /// The parts of one token's text: thought as it is, answer through the stop matcher. Returns the events
    /// to send; the token and its log-probability are kept with the answer's next text when it is answer.
    func feed(_ piece: String, token: Int, logprob: TokenLogprob?) -> [GenerationEvent] {
        guard var split = splitter else { return answer(piece, token: token, logprob: logprob) }
        let parts = split.feed(piece, token: token)
        splitter = split
        var events: [GenerationEvent] = []
        var tokenKept = !split.lastWasAnswer
        for part in parts {
            switch part {
            case let .thought(t): events.append(.reasoning(t))
            case let .answer(t):
                events += answer(t, token: tokenKept ? -1 : token, logprob: tokenKept ? nil : logprob)
                tokenKept = true
            }
        }
        if !tokenKept { events += answer("", token: token, logprob: logprob) }
        return events
    }

    private func answer(_ text: String, token: Int, logprob: TokenLogprob?) -> [GenerationEvent] {
        if let logprob, !matcher.stopped { logprobs.append(logprob) }
        if token >= 0 { tokens.append(token) }
        let out = matcher.feed(text)
        guard !out.isEmpty else { return [] }
        defer { logprobs.removeAll(); tokens.removeAll() }
        return [.text(out, logprobs, tokens: tokens)]
    }
}

extension SlotPool {
    /// Runs `job` in `engine`'s batch for the request holding `slot`, and streams its events. Dropping the
    /// stream (a client that disconnected, a cancelled task) cancels the generation before its next token;
    /// `finished` is called once when the generation ends either way (the caller releases the slot).
    nonisolated func run(_ job: GenerationJob, on slot: Slot, engine: BatchGenerator, metrics: ServerMetrics, logger: Logger,
                         logText: Bool = false, finished: @escaping @Sendable () -> Void) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: GenerationEvent.self, bufferingPolicy: .unbounded)
        let cancel = CancelFlag()
        continuation.onTermination = { _ in cancel.set() }
        let stops = StreamState(job.stop, splitter: job.splitter)
        let failed: @Sendable (any Error) -> Void = { error in
            logger.error("generation failed", metadata: ["request_id": "\(job.requestId)", "error": "\(error)"])
            continuation.finish(throwing: APIError(.internalServerError, "generation failed: \(error)", type: "server_error"))
            finished()
        }
        do {
            let constraint = try job.constraint.map { (spec) throws(GrammarError) in try TokenConstraint(grammar: spec.grammar, trie: spec.trie) }
            try engine.submit(prompt: job.prompt, maxTokens: job.maxTokens, sampling: job.sampling, constraint: constraint,
                              adapter: job.adapter, thinking: job.thinking, forced: job.forced) { piece, token, logprob in
                if cancel.isSet { return .cancel }
                let now = Clock.now()
                if let last = stops.lastToken {
                    metrics.timePerOutputToken.record(now - last)
                } else {
                    metrics.timeToFirstToken.record(now - stops.submitted)
                }
                stops.lastToken = now
                for event in stops.feed(piece, token: token, logprob: logprob) { continuation.yield(event) }
                return stops.matcher.stopped ? .stop : .proceed
            } onDone: { outcome in
                let steered: SteeredGenerationResult
                switch outcome {
                case let .success(s): steered = s
                case let .failure(error): return failed(error)
                }
                let rest = stops.matcher.flush()
                if !rest.isEmpty || !stops.logprobs.isEmpty || !stops.tokens.isEmpty {
                    continuation.yield(.text(rest, stops.logprobs, tokens: stops.tokens))
                }
                let r = steered.result
                metrics.promptTokens.increment(by: Int64(r.promptTokens.count))
                metrics.promptTokensCached.increment(by: Int64(r.cachedPromptTokens ?? 0))
                metrics.promptTokensEvaluated.increment(by: Int64(r.promptTokens.count - (r.cachedPromptTokens ?? 0)))
                metrics.generatedTokens.increment(by: Int64(r.tokens.count))
                logger.info("generation finished", metadata: [
                    "request_id": "\(job.requestId)", "slot": "\(slot.index)", "prompt_tokens": "\(r.promptTokens.count)",
                    "completion_tokens": "\(r.tokens.count)", "finish_reason": "\(steered.cancelled ? "cancelled" : r.finishReason.rawValue)",
                    "prompt_ms": "\(Int(r.timings.promptMilliseconds))", "generation_ms": "\(Int(r.timings.generationMilliseconds))",
                    "tokens_per_second": "\((r.timings.tokensPerSecond * 10).rounded() / 10)",
                ])
                if logText { logger.info("completion text", metadata: ["request_id": "\(job.requestId)", "text": "\(r.text)"]) }
                continuation.yield(.done(r, cancelled: steered.cancelled))
                continuation.finish()
                finished()
            }
        } catch {
            failed(error)
        }
        return stream
    }
}

/// Calls `action` once, after `count` calls of `done()`: the slot of a request with n choices returns to
/// the pool when the last choice ends.
final class Countdown: @unchecked Sendable {
    private let lock = NSLock()
    private var left: Int
    private let action: @Sendable () -> Void

    init(_ count: Int, _ action: @escaping @Sendable () -> Void) {
        left = count
        self.action = action
    }

    func done() {
        lock.lock()
        left -= 1
        let fire = left == 0
        lock.unlock()
        if fire { action() }
    }
}
