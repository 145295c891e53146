import BoraEngine
import BoraTokenizers

/// The incremental reader of a chat answer when tools were offered: fed the output as it is generated
/// (the text the client would see and the tokens behind it), it says what to stream (`ToolStreamEvent`s),
/// and at the end holds the content and calls of the whole answer, which the non-streamed answer sends.
/// Mistral models are read from their tokens, the other families from their text (`ToolCallFormat`).
package struct ToolCallStream: Sendable {
    private var emitter: ToolCallEmitter
    private var text: TextToolCallReader?
    private var mistral: MistralToolCallReader?

    package init(format: ToolCallFormat, parallel: Bool, tokenizer: any Tokenizer,
                 makeId: @escaping @Sendable () -> String = ToolCallStream.callId) {
        if case let .mistral(version) = format {
            emitter = ToolCallEmitter(parallel: parallel, makeId: makeId)
            mistral = MistralToolCallReader(version: version, tokenizer: tokenizer)
        } else {
            emitter = ToolCallEmitter(parallel: parallel, makeId: makeId)
            text = TextToolCallReader(format)
        }
    }

    /// Feeds one piece of output: its text and the tokens generated with it.
    package mutating func feed(text piece: String, tokens: [Int]) -> [ToolStreamEvent] {
        if var reader = text {
            text = nil
            reader.feed(piece, into: &emitter)
            text = reader
        } else if var reader = mistral {
            mistral = nil
            reader.feed(tokens, into: &emitter)
            mistral = reader
        }
        return emitter.take()
    }

    /// The output ended: what was held back, and the end of the last call.
    package mutating func finish() -> [ToolStreamEvent] {
        if var reader = text {
            text = nil
            reader.finish(into: &emitter)
        } else if var reader = mistral {
            mistral = nil
            reader.finish(into: &emitter)
        }
        return emitter.take()
    }

    /// The content so far (all of it after `finish`).
    package var content: String { emitter.content }
    /// The calls so far, arguments as generated.
    package var calls: [StreamedToolCall] { emitter.calls }

    /// The finish reason of the answer: "tool_calls" when it called tools and the last call's arguments are
    /// complete JSON (whatever ended the output after it, such as the token limit inside text that never
    /// became a call); the engine's reason otherwise ("length" when the limit cut a call's arguments).
    package func finishReason(_ engine: String) -> String {
        guard let last = calls.last, engine == "stop" || (try? JSONValue(parsing: last.arguments))?.object != nil else {
            return engine
        }
        return "tool_calls"
    }

    /// 9 alphanumerics, as Mistral's call ids (OpenAI's are longer; clients treat them as opaque).
    package static func callId() -> String {
        let chars = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return String((0..<9).map { _ in chars[Int.random(in: 0..<chars.count)] })
    }
}
