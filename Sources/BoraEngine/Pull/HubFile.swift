import Foundation

/// One entry of a Hugging Face repository listing (`GET /api/models/{repo}/tree/main?recursive=true`):
/// `{"type": "file", "path": "x.gguf", "size": 123, "oid": "<git sha1>", "lfs": {"oid": "<sha256>", "size": 123}}`.
struct HubFile: Codable, Sendable, Equatable {
    struct LFS: Codable, Sendable, Equatable {
        var oid: String
        var size: Int
    }

    var type: String
    var path: String
    var size: Int?
    var lfs: LFS?

    var isGGUF: Bool { type == "file" && path.lowercased().hasSuffix(".gguf") }
    /// The file's SHA-256: git LFS stores files under their sha256 (`lfs.oid`).
    var sha256: String? { lfs.flatMap { PullHash.normalized($0.oid) } }
    var byteCount: Int? { lfs?.size ?? size }
    var name: String { path.split(separator: "/").last.map(String.init) ?? path }
}

extension HubFile {
    /// The GGUF file that `selector` names in `files`: an exact path, a quantization tag matched
    /// case-insensitively as a whole word of the file name (`Q4_K_M` matches `model.Q4_K_M.gguf`, `Q4_K` does
    /// not), or, with no selector, the only GGUF there is. Errors list the choices.
    static func pick(_ selector: String?, from files: [HubFile], repo: String) throws(EngineError) -> HubFile {
        let ggufs = files.filter(\.isGGUF).sorted { $0.path < $1.path }
        let source = "hf:" + repo + (selector.map { ":" + $0 } ?? "")
        guard !ggufs.isEmpty else {
            throw .download(url: source, message: "the repository has no GGUF files; Bora pulls GGUF models (look for a repository whose name ends in -GGUF)")
        }
        let choices = "available: " + ggufs.map { file in
            let tag = quantizationTag(of: file.name)
            return "hf:\(repo):\(tag ?? file.path)"
        }.joined(separator: ", ")
        guard let selector else {
            if ggufs.count == 1 { return ggufs[0] }
            throw .download(url: source, message: "the repository has \(ggufs.count) GGUF files; say which with a tag or a file name, \(choices)")
        }
        if PullSource.isFileSelector(selector) {
            if let f = ggufs.first(where: { $0.path == selector }) { return f }
            throw .download(url: source, message: "no GGUF file '\(selector)' in the repository; \(choices)")
        }
        let matches = ggufs.filter { containsTag(selector, in: $0.name) }
        if matches.count == 1 { return matches[0] }
        let problem = matches.isEmpty
            ? "no GGUF file with the quantization tag '\(selector)'"
            : "the tag '\(selector)' matches \(matches.count) files (\(matches.map(\.path).joined(separator: ", "))): name the file"
        throw .download(url: source, message: "\(problem); \(choices)")
    }

    /// True when `tag` appears in `name` (case-insensitively) not preceded by a letter or digit and not
    /// followed by a letter, digit or `_`.
    static func containsTag(_ tag: String, in name: String) -> Bool {
        let n = Array(name.lowercased().utf8), t = Array(tag.lowercased().utf8)
        guard !t.isEmpty, t.count <= n.count else { return false }
        func word(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) }
        for start in 0...(n.count - t.count) where Array(n[start..<(start + t.count)]) == t {
            let before = start == 0 || !word(n[start - 1])
            let end = start + t.count
            let after = end == n.count || !(word(n[end]) || n[end] == UInt8(ascii: "_"))
            if before && after { return true }
        }
        return false
    }

    /// The quantization tag in a GGUF file name (`Q4_K_M`, `IQ4_XS`, `F16`, ...), if there is one.
    static func quantizationTag(of name: String) -> String? {
        var stem = name
        if stem.lowercased().hasSuffix(".gguf") { stem.removeLast(5) }
        let words = stem.split(whereSeparator: { $0 == "." || $0 == "-" }).map(String.init)
        return words.last { w in
            let u = w.uppercased()
            return ["F16", "F32", "BF16"].contains(u)
                || ((u.hasPrefix("Q") || u.hasPrefix("IQ")) && u.contains(where: \.isNumber) && u.count <= 8)
        }
    }
}

/// Normalizing stated hashes.
enum PullHash {
    /// A SHA-256 in lowercase hex, from `abc...`, `"abc..."`, `W/"abc..."` or `sha256:abc...`; nil when the
    /// text is not one.
    static func normalized(_ text: String) -> String? {
        var s = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if s.hasPrefix("W/") { s.removeFirst(2) }
        s = s.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        if s.lowercased().hasPrefix("sha256:") { s.removeFirst(7) }
        s = s.lowercased()
        return s.count == 64 && s.allSatisfy(\.isHexDigit) ? s : nil
    }
}
