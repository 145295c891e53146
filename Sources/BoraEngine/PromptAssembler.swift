import Foundation

/// Multi-line prompts in `bora run`: a line ending in `\` continues on the next line, and a block between
/// lines of `"""` is taken as it is.
public struct PromptAssembler: Sendable {
    private var lines: [String] = []
    private var inBlock = false

    public init() {}

    /// True while more lines are expected (the CLI then shows a continuation prompt).
    public var isContinuing: Bool { inBlock || !lines.isEmpty }

    /// Adds a line; returns the whole prompt once it is complete.
    public mutating func add(_ line: String) -> String? {
        if inBlock {
            if line.trimmingCharacters(in: .whitespaces) == "\"\"\"" { return finish() }
            lines.append(line)
            return nil
        }
        if lines.isEmpty && line.trimmingCharacters(in: .whitespaces).hasPrefix("\"\"\"") {
            inBlock = true
            let rest = String(line.trimmingCharacters(in: .whitespaces).dropFirst(3))
            if rest.hasSuffix("\"\"\"") && rest.count >= 3 {
                lines.append(String(rest.dropLast(3)))
                return finish()
            }
            if !rest.isEmpty { lines.append(rest) }
            return nil
        }
        if line.hasSuffix("\\") {
            lines.append(String(line.dropLast()))
            return nil
        }
        lines.append(line)
        return finish()
    }

    private mutating func finish() -> String {
        defer { lines = []; inBlock = false }
        return lines.joined(separator: "\n")
    }
}
