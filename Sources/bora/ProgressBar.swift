import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress bar on stderr with bytes, speed and time left, e.g.
/// `downloading  [=========>          ]  45%  163.2 MB / 362.5 MB  12.3 MB/s  0:16 left`.
/// Drawn only when stderr is a terminal, at most 10 times a second; safe to call from any thread.
final class ProgressBar: @unchecked Sendable {
    private let lock = NSLock()
    private var label: String
    private var started = Date()
    private var startBytes = 0
    private var lastDraw = Date.distantPast
    private var drawn = false
    let enabled: Bool

    init(_ label: String, enabled: Bool = isatty(2) == 1) {
        self.label = label
        self.enabled = enabled
    }

    /// Shows `done` of `total` bytes; a new `label` starts a new phase (speed measured from here).
    func update(_ done: Int, of total: Int, label newLabel: String? = nil) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        if let newLabel, newLabel != label {
            if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
            label = newLabel
            started = now
            startBytes = done
            lastDraw = .distantPast
        }
        guard done >= total || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        drawn = true
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + Self.line(label: label, done: done, total: total,
                                                                     seconds: now.timeIntervalSince(started), fromBytes: startBytes)).utf8))
    }

    /// Ends the bar's line (if one was drawn).
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
        drawn = false
    }

    /// The bar's text (pure, for tests).
    static func line(label: String, done: Int, total: Int, seconds: Double, fromBytes: Int = 0, width: Int = 24) -> String {
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "=", count: filled) + (filled < width ? ">" + String(repeating: " ", count: width - filled - 1) : "")
        let rate = seconds > 0.2 ? Double(done - fromBytes) / seconds : 0
        var text = "\(label)  [\(bar)] \(String(format: "%3d", Int(fraction * 100)))%  \(formatBytes(done)) / \(formatBytes(total))"
        if rate > 0 {
            text += "  \(formatBytes(Int(rate)))/s"
            if done < total { text += "  \(duration(Double(total - done) / rate)) left" }
        }
        return text
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
