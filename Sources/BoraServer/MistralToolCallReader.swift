import BoraTokenizers

/// Reads a Mistral model's tool calls token by token for `ToolCallEmitter`, with the engine's own
/// `MistralToolCallParser` (the `[TOOL_CALLS]` formats of every tokenizer version; the markers are special
/// tokens, so nothing is ever held back as a possible marker). A call is one once its name is read and its
/// arguments have begun (`ToolCallEmitter`); a malformed output none of whose calls got that far goes out as
/// content at the end (the text from `[TOOL_CALLS]` on), as `ToolCallFormat.parse` leaves it.
struct MistralToolCallReader: Sendable {
    private var parser: MistralToolCallParser
    private let tokenizer: any Tokenizer
    private let toolCallsId: Int?
    /// The text from the first `[TOOL_CALLS]` on, sent as content if no call comes of it.
    private var raw: [UInt8] = []
    private var inCalls = false
    /// The parser's index of the call being read.
    private var current: Int?

    init(version: MistralInstructVersion, tokenizer: any Tokenizer) {
        parser = MistralToolCallParser(version: version, tokenizer: tokenizer)
        self.tokenizer = tokenizer
        toolCallsId = tokenizer.specialTokenId("[TOOL_CALLS]")
    }

    mutating func feed(_ tokens: [Int], into emitter: inout ToolCallEmitter) {
        for id in tokens {
            let bytes = (try? tokenizer.pieceBytes(id)) ?? []
            if id == toolCallsId { inCalls = true }
            if inCalls { raw += bytes }
            apply(parser.feed(id, bytes: bytes), into: &emitter)
        }
    }

    mutating func finish(into emitter: inout ToolCallEmitter) {
        if let eos = tokenizer.eosId { apply(parser.feed(eos, bytes: []), into: &emitter) }
        do {
            _ = try parser.finish()
            emitter.endCall()
        } catch {
            // A malformed call: content when none of its calls went out, else the calls as streamed.
            if emitter.abandonCall(), emitter.calls.isEmpty {
                emitter.emitContent(String(decoding: raw, as: UTF8.self))
            } else {
                emitter.endCall()
            }
        }
    }

    private mutating func apply(_ deltas: [ToolCallDelta], into emitter: inout ToolCallEmitter) {
        for delta in deltas {
            switch delta {
            case let .content(text): emitter.emitContent(text)
            case let .toolCallStarted(i): current = i; emitter.beginCall()
            case let .name(i, name): if i == current { emitter.setName(name) }
            case let .id(i, id): if i == current { emitter.setId(id) }
            case let .arguments(i, text): if i == current { emitter.addArguments(text) }
            }
        }
    }
}
