import BoraEngine
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
    case text(String)
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
}

extension SlotPool {
    /// Runs `job` on `slot`'s thread and streams its events. Dropping the stream (a client that disconnected,
    /// a cancelled task) cancels the generation before its next token; the slot returns to the pool when
    /// the generation ends either way.
    nonisolated func run(_ job: GenerationJob, on slot: Slot, logger: Logger) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: GenerationEvent.self, bufferingPolicy: .unbounded)
        let cancel = CancelFlag()
        continuation.onTermination = { _ in cancel.set() }
        slot.queue.async {
            var matcher = StopMatcher(job.stop)
            do {
                let constraint = try job.constraint.map { try TokenConstraint(grammar: $0.grammar, trie: $0.trie) }
                let steered = try slot.generator.generate(prompt: job.prompt, maxTokens: job.maxTokens, sampling: job.sampling,
                                                          constraint: constraint) { piece, _ in
                    if cancel.isSet { return .cancel }
                    let out = matcher.feed(piece)
                    if !out.isEmpty { continuation.yield(.text(out)) }
                    return matcher.stopped ? .stop : .proceed
                }
                let rest = matcher.flush()
                if !rest.isEmpty { continuation.yield(.text(rest)) }
                let r = steered.result
                logger.info("generation finished", metadata: [
                    "request_id": "\(job.requestId)", "slot": "\(slot.index)", "prompt_tokens": "\(r.promptTokens.count)",
                    "completion_tokens": "\(r.tokens.count)", "finish_reason": "\(steered.cancelled ? "cancelled" : r.finishReason.rawValue)",
                    "prompt_ms": "\(Int(r.timings.promptMilliseconds))", "generation_ms": "\(Int(r.timings.generationMilliseconds))",
                    "tokens_per_second": "\((r.timings.tokensPerSecond * 10).rounded() / 10)",
                ])
                continuation.yield(.done(r, cancelled: steered.cancelled))
                continuation.finish()
            } catch {
                logger.error("generation failed", metadata: ["request_id": "\(job.requestId)", "error": "\(error)"])
                continuation.finish(throwing: APIError(.internalServerError, "generation failed: \(error)", type: "server_error"))
            }
            Task { await self.release(slot) }
        }
        return stream
    }
}
