import Foundation

/// The line editing of `bora run` as a pure state machine over keys, so it is tested without a terminal:
/// left/right, home/end (Ctrl-A/E), backspace/delete, Ctrl-U (kill to start), Ctrl-K (kill to end), Ctrl-W
/// (kill word), up/down through the history, Ctrl-D (end of input on an empty line, else delete), Ctrl-C
/// (drop the line). The terminal side (raw mode, drawing) lives in the CLI.
public struct LineEditor: Sendable {
    public enum Key: Sendable, Equatable {
        case text(String)
        case enter, backspace, delete, left, right, up, down, home, end
        case ctrlC, ctrlD, ctrlK, ctrlU, ctrlW
    }

    public enum Outcome: Sendable, Equatable {
        case editing
        case submit(String)
        case endOfInput
        case interrupt
    }

    public private(set) var buffer: [Character] = []
    /// Characters before the cursor.
    public private(set) var cursor = 0
    public private(set) var history: [String] = []
    /// Where up/down is in the history (history.count: the line being written).
    private var historyIndex = 0
    private var draft: [Character] = []

    public init(history: [String] = []) {
        self.history = history
        historyIndex = history.count
    }

    public var line: String { String(buffer) }

    /// Applies one key.
    public mutating func handle(_ key: Key) -> Outcome {
        switch key {
        case let .text(s):
            let chars = Array(s)
            buffer.insert(contentsOf: chars, at: cursor)
            cursor += chars.count
        case .enter:
            let text = line
            if !text.trimmingCharacters(in: .whitespaces).isEmpty && history.last != text { history.append(text) }
            reset()
            return .submit(text)
        case .backspace:
            if cursor > 0 { buffer.remove(at: cursor - 1); cursor -= 1 }
        case .delete:
            if cursor < buffer.count { buffer.remove(at: cursor) }
        case .left: cursor = max(0, cursor - 1)
        case .right: cursor = min(buffer.count, cursor + 1)
        case .home: cursor = 0
        case .end: cursor = buffer.count
        case .up: recall(historyIndex - 1)
        case .down: recall(historyIndex + 1)
        case .ctrlC:
            reset()
            return .interrupt
        case .ctrlD:
            if buffer.isEmpty { return .endOfInput }
            if cursor < buffer.count { buffer.remove(at: cursor) }
        case .ctrlK: buffer.removeSubrange(cursor...)
        case .ctrlU:
            buffer.removeSubrange(..<cursor)
            cursor = 0
        case .ctrlW:
            var start = cursor
            while start > 0 && buffer[start - 1] == " " { start -= 1 }
            while start > 0 && buffer[start - 1] != " " { start -= 1 }
            buffer.removeSubrange(start..<cursor)
            cursor = start
        }
        return .editing
    }

    private mutating func recall(_ index: Int) {
        guard index >= 0, index <= history.count, index != historyIndex else { return }
        if historyIndex == history.count { draft = buffer }
        historyIndex = index
        buffer = index == history.count ? draft : Array(history[index])
        cursor = buffer.count
    }

    private mutating func reset() {
        buffer = []
        cursor = 0
        draft = []
        historyIndex = history.count
    }
}
