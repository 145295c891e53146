/// What a streamed answer with tools sends, in order: content text, the start of each call (once its name
/// is complete and its arguments have begun), and fragments of each call's arguments JSON text as the model
/// writes them.
package enum ToolStreamEvent: Sendable, Equatable {
    case content(String)
    case callStarted(index: Int, id: String, name: String)
    case arguments(index: Int, String)
}

/// One call as streamed: `arguments` is the JSON text exactly as generated (the concatenation of its
/// fragments), which is also the `arguments` string of the non-streamed answer.
package struct StreamedToolCall: Sendable, Equatable {
    package var id: String
    package var name: String
    package var arguments: String

    package init(id: String, name: String, arguments: String) {
        self.id = id; self.name = name; self.arguments = arguments
    }
}

/// Turns what a family's reader finds (content, a call's name, id, argument text) into `ToolStreamEvent`s:
/// a call's header goes out once its name is complete and its arguments have begun (so an id written
/// between the two is in it, and a reader can still refuse a call whose arguments are not an object), the
/// arguments read before the name follow the header, and with `parallel_tool_calls` false the calls after
/// the first are dropped. Shared by every family's reader (`ToolCallStream`).
struct ToolCallEmitter: Sendable {
    let parallel: Bool
    let makeId: @Sendable () -> String

    private(set) var content = ""
    private(set) var calls: [StreamedToolCall] = []
    private(set) var events: [ToolStreamEvent] = []
    /// The call being read: its name, id and the arguments read before its header went out.
    private var name: String?
    private var id: String?
    private var early = ""
    private var inCall = false
    /// The current call's header went out (its index is `calls.count - 1`).
    private(set) var headerSent = false
    /// A call after the first with `parallel_tool_calls` false.
    private var skipping = false

    init(parallel: Bool, makeId: @escaping @Sendable () -> String) {
        self.parallel = parallel
        self.makeId = makeId
    }

    /// The events since the last call, for the stream.
    mutating func take() -> [ToolStreamEvent] {
        defer { events.removeAll() }
        return events
    }

    mutating func emitContent(_ text: String) {
        guard !text.isEmpty else { return }
        content += text
        if case let .content(previous)? = events.last {
            events[events.count - 1] = .content(previous + text)
        } else {
            events.append(.content(text))
        }
    }

    mutating func beginCall() {
        endCall()
        inCall = true
        skipping = !parallel && !calls.isEmpty
    }

    mutating func setName(_ text: String) {
        guard inCall, !headerSent else { return }
        name = text
        if !early.isEmpty { sendHeader() }
    }

    mutating func setId(_ text: String) {
        guard inCall, !headerSent else { return }
        id = text
    }

    mutating func addArguments(_ text: String) {
        guard inCall, !text.isEmpty else { return }
        if !headerSent {
            early += text
            if name != nil { sendHeader() }
            return
        }
        guard !skipping else { return }
        calls[calls.count - 1].arguments += text
        if case let .arguments(i, previous)? = events.last, i == calls.count - 1 {
            events[events.count - 1] = .arguments(index: i, previous + text)
        } else {
            events.append(.arguments(index: calls.count - 1, text))
        }
    }

    /// The current call is complete (or the output ended): a call whose name came sends its header now.
    mutating func endCall() {
        guard inCall else { return }
        if !headerSent, name != nil { sendHeader() }
        inCall = false
        resetCall()
    }

    /// The current call turned out malformed before its header went out: it is forgotten (the reader sends
    /// its text as content). Returns false when the header already went out: the call stays as streamed.
    mutating func abandonCall() -> Bool {
        guard inCall else { return true }
        guard !headerSent else { return false }
        inCall = false
        resetCall()
        return true
    }

    var isReadingCall: Bool { inCall }

    private mutating func resetCall() {
        name = nil; id = nil; early = ""; headerSent = false; skipping = false
    }

    private mutating func sendHeader() {
        guard let name, !headerSent else { return }
        headerSent = true
        guard !skipping else { return }
        let call = StreamedToolCall(id: id ?? makeId(), name: name, arguments: "")
        calls.append(call)
        events.append(.callStarted(index: calls.count - 1, id: call.id, name: name))
        let pending = early
        early = ""
        addArguments(pending)
    }
}
