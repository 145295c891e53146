/// Reads the v2-v7 tool-call list (`[{"name": ..., "arguments": {...}, "id": ...}, ...]`) one byte at a time,
/// reporting where each call starts and ends and the bytes of each top-level value as they arrive, so that
/// argument fragments can be streamed before the call is complete. Whole calls are then checked with the
/// JSON parser; the scanner only follows the structure (strings, escapes, nesting).
package struct ToolCallJSONScanner: Sendable {
    package enum Event: Sendable, Equatable {
        case callStarted
        /// A byte of the value of `key` in the current call object.
        case valueByte(key: String, byte: UInt8)
        case valueDone(key: String, bytes: [UInt8])
        /// The complete text of one call object.
        case callDone([UInt8])
        case listDone
    }

    enum Phase { case expectKey, inKey, expectColon, expectValue, inValue, afterValue }

    /// 0 before '[', 1 in the list, 2 in a call object.
    package private(set) var depth = 0
    private var phase = Phase.expectKey
    private var inString = false, escaped = false
    private var keyBytes: [UInt8] = []
    private var key = ""
    private var value: [UInt8] = []
    private var valueDepth = 0
    private var object: [UInt8] = []
    package private(set) var listDone = false
    package private(set) var failure: String?

    package init() {}

    /// Inside the list with no call open: the list may end here or continue.
    var isBetweenCalls: Bool { depth == 1 }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }

    package mutating func push(_ b: UInt8, into events: inout [Event]) {
        guard failure == nil else { return }
        if listDone {
            if !Self.isSpace(b) { failure = "text after the end of the tool-call list" }
            return
        }
        switch depth {
        case 0:
            if Self.isSpace(b) { return }
            if b == UInt8(ascii: "[") { depth = 1; return }
            failure = "expected '[' to start the tool-call list"
        case 1:
            if Self.isSpace(b) || b == UInt8(ascii: ",") { return }
            if b == UInt8(ascii: "{") {
                depth = 2; object = [b]; phase = .expectKey
                events.append(.callStarted)
                return
            }
            if b == UInt8(ascii: "]") { listDone = true; events.append(.listDone); return }
            failure = "expected a tool call object in the list"
        default:
            object.append(b)
            inObject(b, into: &events)
        }
    }

    private mutating func inObject(_ b: UInt8, into events: inout [Event]) {
        switch phase {
        case .expectKey:
            if Self.isSpace(b) { return }
            if b == UInt8(ascii: "\"") { phase = .inKey; keyBytes = []; return }
            if b == UInt8(ascii: "}") { closeObject(into: &events); return }
            failure = "expected a key in a tool call object"
        case .inKey:
            if escaped { escaped = false; keyBytes.append(b) }
            else if b == UInt8(ascii: "\\") { escaped = true; keyBytes.append(b) }
            else if b == UInt8(ascii: "\"") {
                key = PythonJSON.loads("\"" + String(decoding: keyBytes, as: UTF8.self) + "\"")?.string ?? ""
                phase = .expectColon
            } else { keyBytes.append(b) }
        case .expectColon:
            if Self.isSpace(b) { return }
            if b == UInt8(ascii: ":") { phase = .expectValue; return }
            failure = "expected ':' after a key in a tool call object"
        case .expectValue:
            if Self.isSpace(b) { return }
            value = [b]
            valueDepth = (b == UInt8(ascii: "{") || b == UInt8(ascii: "[")) ? 1 : 0
            inString = b == UInt8(ascii: "\"")
            phase = .inValue
            events.append(.valueByte(key: key, byte: b))
        case .inValue:
            inValue(b, into: &events)
        case .afterValue:
            if Self.isSpace(b) { return }
            if b == UInt8(ascii: ",") { phase = .expectKey; return }
            if b == UInt8(ascii: "}") { closeObject(into: &events); return }
            failure = "expected ',' or '}' in a tool call object"
        }
    }

    private mutating func inValue(_ b: UInt8, into events: inout [Event]) {
        if inString {
            value.append(b); events.append(.valueByte(key: key, byte: b))
            if escaped { escaped = false }
            else if b == UInt8(ascii: "\\") { escaped = true }
            else if b == UInt8(ascii: "\"") {
                inString = false
                if valueDepth == 0 { finishValue(into: &events) }
            }
            return
        }
        if valueDepth > 0 {
            value.append(b); events.append(.valueByte(key: key, byte: b))
            switch b {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): valueDepth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                valueDepth -= 1
                if valueDepth == 0 { finishValue(into: &events) }
            default: break
            }
            return
        }
        // A number, true, false or null ends at a delimiter, which belongs to the object.
        if Self.isSpace(b) || b == UInt8(ascii: ",") || b == UInt8(ascii: "}") {
            finishValue(into: &events)
            inObject(b, into: &events)
            return
        }
        value.append(b); events.append(.valueByte(key: key, byte: b))
    }

    private mutating func finishValue(into events: inout [Event]) {
        events.append(.valueDone(key: key, bytes: value))
        phase = .afterValue
    }

    private mutating func closeObject(into events: inout [Event]) {
        depth = 1
        events.append(.callDone(object))
        object = []
    }
}

/// Decodes UTF-8 that arrives in pieces: complete characters out, an unfinished one kept for later.
package struct UTF8Accumulator: Sendable {
    private var pending: [UInt8] = []

    package init() {}

    /// The text of every complete character so far (invalid bytes as U+FFFD).
    package mutating func take(_ bytes: [UInt8]) -> String {
        pending += bytes
        var cut = pending.count
        // Keep back a lead byte whose continuation bytes have not all arrived yet.
        var i = pending.count - 1
        while i >= 0 && i >= pending.count - 4 {
            let b = pending[i]
            if b & 0xC0 == 0x80 { i -= 1; continue }
            let need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
            if pending.count - i < need { cut = i }
            break
        }
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Whatever is left, invalid bytes as U+FFFD.
    package mutating func flush() -> String {
        defer { pending = [] }
        return String(decoding: pending, as: UTF8.self)
    }
}
