import BoraEngine
import BoraTokenizers

/// Reads tool calls written as text, one byte at a time, for `ToolCallEmitter`:
/// - Hermes / Qwen 2.5 / ChatML: `<tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>` per call;
/// - Llama 3: one `{"name": ..., "parameters": {...}}` that is the whole output (the name first).
/// Text that may be the start of a marker (a prefix of `<tool_call>`, whitespace before it, the output's
/// leading `{` for Llama 3) is held back until the next bytes decide it. A call whose name is complete and
/// whose arguments begin with `{` is a call: from then on its arguments stream as written. Text that turns
/// out not to be a call before that point goes out as content, as `ToolCallFormat.parse` leaves it.
struct TextToolCallReader: Sendable {
    enum Mode { case start, content, object, close }

    /// `<tool_call>` and `</tool_call>`; empty for Llama 3, whose call is the leading object.
    let open: [UInt8], close: [UInt8]
    /// The keys whose value is the arguments object ("arguments"; Llama 3 also "parameters").
    let argumentKeys: Set<String>
    /// The name must be the object's first key (Llama 3, so that a JSON answer is told from a call at once).
    let nameFirst: Bool

    private var mode: Mode
    /// Held content: a run of whitespace (kept across calls, as the non-streamed parse joins the text around
    /// them), then a prefix of `open`.
    private var spaces: [UInt8] = [], partial: [UInt8] = []
    /// Content bytes decided but not yet sent (sent at the end of each `feed`).
    private var out: [UInt8] = []
    /// The text of the call being read, sent as content if it turns out not to be a call.
    private var raw: [UInt8] = []
    private var scanner = ToolCallJSONScanner()
    private var objectStarted = false, sawKey = false, hasName = false
    private var argumentsKey: String?
    private var arguments: [UInt8] = []
    private var decoder = UTF8Accumulator()
    private var closeMatched = 0
    private(set) var sawCall = false

    init(_ format: ToolCallFormat) {
        if format == .llama3 {
            open = []; close = []; argumentKeys = ["parameters", "arguments"]; nameFirst = true; mode = .start
        } else {
            open = Array("<tool_call>".utf8); close = Array("</tool_call>".utf8); argumentKeys = ["arguments"]
            nameFirst = false; mode = .content
        }
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }

    mutating func feed(_ text: String, into emitter: inout ToolCallEmitter) {
        for b in text.utf8 { push(b, into: &emitter) }
        flushOut(into: &emitter)
    }

    mutating func finish(into emitter: inout ToolCallEmitter) {
        switch mode {
        case .start, .content:
            // Trailing whitespace is not content once there were calls (a held marker prefix is).
            out += (sawCall && partial.isEmpty ? [] : spaces) + partial
            spaces = []; partial = []
        case .object:
            // The output ended inside a call: a call once its header went out, else content.
            emitter.addArguments(decoder.flush())
            if emitter.abandonCall() { out += spaces + raw; spaces = [] } else { emitter.endCall(); sawCall = true }
        case .close:
            break
        }
        flushOut(into: &emitter)
    }

    private mutating func flushOut(into emitter: inout ToolCallEmitter) {
        guard !out.isEmpty else { return }
        var text = String(decoding: out, as: UTF8.self)
        out = []
        // Whitespace next to calls is not content (ToolCallFormat.parse trims the content of an answer with calls).
        if sawCall && emitter.content.isEmpty { text = String(text.drop { $0.isWhitespace }) }
        emitter.emitContent(text)
    }

    private mutating func push(_ b: UInt8, into emitter: inout ToolCallEmitter) {
        switch mode {
        case .start:
            if Self.isSpace(b) { spaces.append(b); return }
            mode = .content
            if b == UInt8(ascii: "{") { beginCall(into: &emitter); objectByte(b, into: &emitter); return }
            out += spaces; spaces = []
            out.append(b)
        case .content: contentByte(b, into: &emitter)
        case .object: objectByte(b, into: &emitter)
        case .close:
            if closeMatched == 0 && Self.isSpace(b) { return }
            if closeMatched < close.count, close[closeMatched] == b {
                closeMatched += 1
                if closeMatched == close.count { mode = .content }
                return
            }
            // Not the closing tag: the rest is content.
            out += close.prefix(closeMatched)
            mode = .content
            contentByte(b, into: &emitter)
        }
    }

    private mutating func contentByte(_ b: UInt8, into emitter: inout ToolCallEmitter) {
        if !open.isEmpty, !partial.isEmpty || b == open[0] {
            let candidate = partial + [b]
            if open.starts(with: candidate) {
                partial = candidate
                if partial.count == open.count { beginCall(into: &emitter) }
                return
            }
            out += spaces + partial
            spaces = []; partial = []
            contentByte(b, into: &emitter)
            return
        }
        if Self.isSpace(b) { spaces.append(b); return }
        out += spaces
        spaces = []
        out.append(b)
    }

    private mutating func beginCall(into emitter: inout ToolCallEmitter) {
        flushOut(into: &emitter)
        // The whitespace before the marker stays held: content if more content follows the call.
        raw = partial
        partial = []
        mode = .object
        scanner = ToolCallJSONScanner()
        var ignored: [ToolCallJSONScanner.Event] = []
        scanner.push(UInt8(ascii: "["), into: &ignored)
        objectStarted = false; sawKey = false; hasName = false
        argumentsKey = nil; arguments = []; decoder = UTF8Accumulator()
        emitter.beginCall()
    }

    private mutating func objectByte(_ b: UInt8, into emitter: inout ToolCallEmitter) {
        raw.append(b)
        if !objectStarted {
            if Self.isSpace(b) { return }
            guard b == UInt8(ascii: "{") else { return fail(into: &emitter) }
            objectStarted = true
        }
        var events: [ToolCallJSONScanner.Event] = []
        scanner.push(b, into: &events)
        for event in events { handle(event, into: &emitter) }
        if mode == .object, scanner.failure != nil { fail(into: &emitter) }
    }

    private mutating func handle(_ event: ToolCallJSONScanner.Event, into emitter: inout ToolCallEmitter) {
        guard mode == .object else { return }
        switch event {
        case .callStarted, .listDone: break
        case let .valueByte(key, byte):
            if nameFirst, !sawKey, key != "name" { return fail(into: &emitter) }
            sawKey = true
            guard argumentKeys.contains(key), argumentsKey == nil || argumentsKey == key else { return }
            if argumentsKey == nil {
                guard byte == UInt8(ascii: "{") else { return fail(into: &emitter) }
                argumentsKey = key
            }
            arguments.append(byte)
            emitter.addArguments(decoder.take([byte]))
        case let .valueDone(key, bytes):
            if key == "name" {
                guard !hasName, let name = (try? JSONValue(parsing: String(decoding: bytes, as: UTF8.self)))?.string else {
                    return fail(into: &emitter)
                }
                hasName = true
                emitter.setName(name)
            } else if key == argumentsKey {
                emitter.addArguments(decoder.flush())
            }
        case .callDone:
            let valid = hasName && (try? JSONValue(parsing: String(decoding: arguments, as: UTF8.self)))?.object != nil
            guard valid else { return fail(into: &emitter) }
            emitter.endCall()
            sawCall = true
            raw = []
            closeMatched = 0
            mode = close.isEmpty ? .content : .close
        }
    }

    /// The call being read is not a call: its text is content when nothing of it went out yet.
    private mutating func fail(into emitter: inout ToolCallEmitter) {
        if emitter.abandonCall() {
            out += spaces + raw
            spaces = []
        } else {
            emitter.endCall()
            sawCall = true
        }
        raw = []
        mode = .content
    }
}
