import BoraEngine
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Line input for `bora run` on a terminal: raw mode only while a line is being typed (so Ctrl-C during an
/// answer still raises SIGINT), BoraEngine's LineEditor for the keys, history kept in `historyFile`.
final class TerminalInput {
    private var editor: LineEditor
    private var decoder = KeyDecoder()
    private var queued: [LineEditor.Key] = []
    private let historyFile: String?

    init(historyFile: String?) {
        self.historyFile = historyFile
        let saved = historyFile.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? ""
        editor = LineEditor(history: Array(saved.split(separator: "\n").map(String.init).suffix(1000)))
    }

    /// One line, or nil at the end of input (Ctrl-D on an empty line). Ctrl-C drops the line and gives "".
    func readLine(prompt: String) -> String? {
        var original = termios()
        guard tcgetattr(STDIN_FILENO, &original) == 0 else { return Swift.readLine() }
        var raw = original
        raw.c_lflag &= ~tcflag_t(ECHO | ICANON | ISIG | IEXTEN)
        raw.c_iflag &= ~tcflag_t(IXON | ICRNL)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        tcsetattr(STDIN_FILENO, TCSANOW, &raw)
        defer { tcsetattr(STDIN_FILENO, TCSANOW, &original) }
        draw(prompt)
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            if queued.isEmpty {
                let n = read(STDIN_FILENO, &buffer, buffer.count)
                if n <= 0 { emit("\n"); return nil }
                queued = decoder.feed(Array(buffer[0..<n]))
            }
            // Keys typed (or pasted) past the end of this line wait for the next call.
            while !queued.isEmpty {
                let key = queued.removeFirst()
                switch editor.handle(key) {
                case .editing: draw(prompt)
                case let .submit(text):
                    emit("\n")
                    remember(text)
                    return text
                case .endOfInput:
                    emit("\n")
                    return nil
                case .interrupt:
                    emit("^C\n")
                    return ""
                }
            }
        }
    }

    /// Redraws the line and puts the cursor in place.
    private func draw(_ prompt: String) {
        let after = editor.buffer.count - editor.cursor
        emit("\r" + prompt + editor.line + "\u{1B}[K" + (after > 0 ? "\u{1B}[\(after)D" : ""))
    }

    private func remember(_ text: String) {
        guard let historyFile, !text.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        guard let handle = FileHandle(forWritingAtPath: historyFile) ?? {
            _ = FileManager.default.createFile(atPath: historyFile, contents: nil)
            return FileHandle(forWritingAtPath: historyFile)
        }() else { return }
        defer { try? handle.close() }
        _ = try? handle.seekToEnd()
        try? handle.write(contentsOf: Data((text + "\n").utf8))
    }
}
