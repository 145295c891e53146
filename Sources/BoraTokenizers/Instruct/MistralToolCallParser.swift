/// Model output back to content and tool calls, one token at a time, for each version's format (the
/// formats mistral-common's `experimental/tools.py` `_decode_tool_calls` reads):
/// - v2-v7: `content[TOOL_CALLS][{"name": ..., "arguments": {...}, "id": ...}, ...]`
/// - v11:   `content[TOOL_CALLS]name[CALL_ID]id[ARGS]{...}[TOOL_CALLS]...` (`[CALL_ID]id` optional)
/// - v13:   `content[TOOL_CALLS]name[ARGS]{...}[TOOL_CALLS]...`
/// Text before the first `[TOOL_CALLS]` is content; EOS ends the output. Malformed calls never stop the
/// stream: the deltas stop and `finish()` throws `InstructError.malformedToolCall`.
public struct MistralToolCallParser: Sendable {
    public let version: MistralInstructVersion
    let tokenizer: any Tokenizer
    let toolCallsId: Int?, argsId: Int?, callIdId: Int?, eosId: Int?
    /// SentencePiece output starts with "▁": the first space of the content is not part of it.
    let stripsLeadingSpace: Bool

    enum State { case content, jsonList, name, callId, arguments }
    struct PartialCall {
        var name: [UInt8] = []
        var id: [UInt8]?
        var arguments: [UInt8] = []
        var sawArgs = false
    }

    var state = State.content
    var ended = false
    var content = ""
    var contentDecoder = UTF8Accumulator()
    var argumentsDecoder = UTF8Accumulator()
    var scanner = ToolCallJSONScanner()
    var partial: PartialCall?
    var calls: [ParsedToolCall] = []
    /// Calls started so far (the index of the next one).
    var started = 0
    var failure: InstructError?

    public init(version: MistralInstructVersion, tokenizer: any Tokenizer, stripsLeadingSpace: Bool? = nil) {
        self.version = version
        self.tokenizer = tokenizer
        toolCallsId = version >= .v2 ? tokenizer.specialTokenId("[TOOL_CALLS]") : nil
        argsId = tokenizer.specialTokenId("[ARGS]")
        callIdId = tokenizer.specialTokenId("[CALL_ID]")
        eosId = tokenizer.eosId
        self.stripsLeadingSpace = stripsLeadingSpace ?? (tokenizer is any SentencePieceVocabulary)
    }

    /// The whole output at once (tokens after the prompt, EOS optional).
    public static func parse(_ tokens: [Int], version: MistralInstructVersion,
                             tokenizer: any Tokenizer) throws(InstructError) -> ParsedAssistantOutput {
        var parser = MistralToolCallParser(version: version, tokenizer: tokenizer)
        for id in tokens { _ = try parser.feed(id) }
        return try parser.finish()
    }

    /// Feeds one generated token, its bytes from `tokenizer.pieceBytes`.
    public mutating func feed(_ id: Int) throws(InstructError) -> [ToolCallDelta] {
        let bytes: [UInt8]
        do { bytes = try tokenizer.pieceBytes(id) } catch { throw .tokenizer("\(error)") }
        return feed(id, bytes: bytes)
    }

    /// Feeds one generated token with its text (the piece as the engine streams it).
    public mutating func feed(_ id: Int, text: String) -> [ToolCallDelta] {
        feed(id, bytes: Array(text.utf8))
    }

    public mutating func feed(_ id: Int, bytes: [UInt8]) -> [ToolCallDelta] {
        guard !ended else { return [] }
        var deltas: [ToolCallDelta] = []
        if id == eosId {
            ended = true
            endCall(into: &deltas)
            return deltas
        }
        if id == toolCallsId {
            startCalls(into: &deltas)
            return deltas
        }
        if version >= .v11, id == callIdId || id == argsId {
            controlInCall(isArgs: id == argsId, into: &deltas)
            return deltas
        }
        if id == argsId || id == callIdId { return deltas }  // not part of this version's format: dropped
        switch state {
        case .content:
            var text = contentDecoder.take(bytes)
            if stripsLeadingSpace && content.isEmpty && text.hasPrefix(" ") { text.removeFirst() }
            if !text.isEmpty { content += text; deltas.append(.content(text)) }
        case .jsonList:
            var events: [ToolCallJSONScanner.Event] = []
            for b in bytes { scanner.push(b, into: &events) }
            handle(events, into: &deltas)
            if let reason = scanner.failure, failure == nil { failure = .malformedToolCall(index: started - 1, reason: reason) }
        case .name: partial?.name += bytes
        case .callId: if var call = partial { call.id = (call.id ?? []) + bytes; partial = call }
        case .arguments:
            partial?.arguments += bytes
            let text = argumentsDecoder.take(bytes)
            if !text.isEmpty, failure == nil { deltas.append(.arguments(index: started - 1, text)) }
        }
        return deltas
    }

    /// The content and calls of the whole output; throws if a call is malformed or the output ended inside one.
    public mutating func finish() throws(InstructError) -> ParsedAssistantOutput {
        var deltas: [ToolCallDelta] = []
        if !ended { ended = true; endCall(into: &deltas) }
        if let failure { throw failure }
        return ParsedAssistantOutput(content: content, toolCalls: calls)
    }

    // MARK: states

    mutating func startCalls(into deltas: inout [ToolCallDelta]) {
        if state == .content {
            let rest = contentDecoder.flush()
            if !rest.isEmpty { content += rest; deltas.append(.content(rest)) }
        }
        if version <= .v7 {
            // mistral-common reads each [TOOL_CALLS] segment as its own list.
            if state == .jsonList { checkListEnded() }
            state = .jsonList
            scanner = ToolCallJSONScanner()
            return
        }
        endCall(into: &deltas)
        partial = PartialCall()
        state = .name
        deltas.append(.toolCallStarted(index: started))
        started += 1
    }

    mutating func controlInCall(isArgs: Bool, into deltas: inout [ToolCallDelta]) {
        guard var call = partial, state == .name || state == .callId else {
            if state != .content, failure == nil {
                failure = .malformedToolCall(index: started - 1, reason: "unexpected \(isArgs ? "[ARGS]" : "[CALL_ID]")")
            }
            return
        }
        if state == .name {
            deltas.append(.name(index: started - 1, String(decoding: call.name, as: UTF8.self)))
        } else if let id = call.id {
            deltas.append(.id(index: started - 1, String(decoding: id, as: UTF8.self)))
        }
        if isArgs {
            call.sawArgs = true
            state = .arguments
            argumentsDecoder = UTF8Accumulator()
        } else {
            call.id = call.id ?? []
            state = .callId
        }
        partial = call
    }

    mutating func endCall(into deltas: inout [ToolCallDelta]) {
        switch state {
        case .content:
            let rest = contentDecoder.flush()
            if !rest.isEmpty { content += rest; deltas.append(.content(rest)) }
        case .jsonList:
            checkListEnded()
        case .name, .callId, .arguments:
            guard let call = partial else { return }
            partial = nil
            let index = started - 1
            let rest = argumentsDecoder.flush()
            if !rest.isEmpty, failure == nil { deltas.append(.arguments(index: index, rest)) }
            guard failure == nil else { return }
            let name = String(decoding: call.name, as: UTF8.self)
            guard !name.isEmpty else { failure = .malformedToolCall(index: index, reason: "the call has no name"); return }
            guard call.sawArgs else { failure = .malformedToolCall(index: index, reason: "output ended before [ARGS]"); return }
            let text = String(decoding: call.arguments, as: UTF8.self)
            guard let arguments = PythonJSON.loads(text) else {
                failure = .malformedToolCall(index: index, reason: "the arguments are not valid JSON (truncated?): \(text)")
                return
            }
            guard arguments.object != nil else {
                failure = .malformedToolCall(index: index, reason: "the arguments are not a JSON object: \(text)")
                return
            }
            calls.append(ParsedToolCall(id: call.id.map { String(decoding: $0, as: UTF8.self) }, name: name,
                                        arguments: arguments))
        }
    }

    mutating func checkListEnded() {
        guard failure == nil, !scanner.listDone else { return }
        failure = .malformedToolCall(index: started > 0 ? started - 1 : nil,
                                     reason: scanner.depth == 0 ? "[TOOL_CALLS] is not followed by a JSON list"
                                         : "output ended inside the tool-call list (truncated JSON)")
    }

    mutating func handle(_ events: [ToolCallJSONScanner.Event], into deltas: inout [ToolCallDelta]) {
        var argumentBytes: [UInt8] = []
        func flushArguments(_ deltas: inout [ToolCallDelta], _ decoder: inout UTF8Accumulator) {
            guard !argumentBytes.isEmpty else { return }
            let text = decoder.take(argumentBytes)
            argumentBytes = []
            if !text.isEmpty { deltas.append(.arguments(index: started - 1, text)) }
        }
        for event in events where failure == nil {
            switch event {
            case .callStarted:
                deltas.append(.toolCallStarted(index: started))
                started += 1
                argumentsDecoder = UTF8Accumulator()
            case .valueByte(let key, let byte):
                if key == "arguments" { argumentBytes.append(byte) }
            case .valueDone(let key, let bytes):
                flushArguments(&deltas, &argumentsDecoder)
                if key == "name" || key == "id", let s = PythonJSON.loads(String(decoding: bytes, as: UTF8.self))?.string {
                    deltas.append(key == "name" ? .name(index: started - 1, s) : .id(index: started - 1, s))
                }
            case .callDone(let bytes):
                flushArguments(&deltas, &argumentsDecoder)
                finishJSONCall(bytes)
            case .listDone:
                break
            }
        }
        flushArguments(&deltas, &argumentsDecoder)
    }

    /// mistral-common `_decode_tool_calls_v2_up_to_v7`: a dict with a name and dict arguments.
    mutating func finishJSONCall(_ bytes: [UInt8]) {
        let index = started - 1
        let text = String(decoding: bytes, as: UTF8.self)
        guard let object = PythonJSON.loads(text), object.object != nil else {
            failure = .malformedToolCall(index: index, reason: "not valid JSON: \(text)")
            return
        }
        guard let name = object["name"]?.string else {
            failure = .malformedToolCall(index: index, reason: "the call has no name: \(text)")
            return
        }
        guard let arguments = object["arguments"], arguments.object != nil else {
            failure = .malformedToolCall(index: index, reason: "the arguments are not a JSON object: \(text)")
            return
        }
        calls.append(ParsedToolCall(id: object["id"]?.string, name: name, arguments: arguments))
    }
}

/// What the parser reports as tokens arrive; an OpenAI/Mistral stream maps these to `delta` chunks.
public enum ToolCallDelta: Sendable, Equatable {
    /// Text before the tool calls.
    case content(String)
    /// Call `index` (from 0) begins.
    case toolCallStarted(index: Int)
    case name(index: Int, String)
    case id(index: Int, String)
    /// A fragment of the arguments' JSON text, in order.
    case arguments(index: Int, String)
}

public struct ParsedToolCall: Sendable, Equatable {
    /// nil when the output carries no id (v2, v13; mistral-common then says "null").
    public var id: String?
    public var name: String
    /// A JSON object.
    public var arguments: JSONValue

    public init(id: String?, name: String, arguments: JSONValue) {
        self.id = id; self.name = name; self.arguments = arguments
    }
}

public struct ParsedAssistantOutput: Sendable, Equatable {
    public var content: String
    public var toolCalls: [ParsedToolCall]

    public init(content: String, toolCalls: [ParsedToolCall]) { self.content = content; self.toolCalls = toolCalls }
}
