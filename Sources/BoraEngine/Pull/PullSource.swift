import Foundation

/// What `bora pull` was asked for: `hf:OWNER/REPO[:FILE|:TAG]` or a plain `http(s)://` URL.
public enum PullSource: Sendable, Equatable, CustomStringConvertible {
    /// A Hugging Face repository; `selector` is a file path (`x.gguf`, `sub/x.gguf`), a quantization tag
    /// (`Q4_K_M`), or nil (the repository's only GGUF).
    case hub(repo: String, selector: String?)
    case url(URL)

    public init(_ text: String) throws(EngineError) {
        if text.hasPrefix("hf:") {
            let rest = String(text.dropFirst(3))
            let parts = rest.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let repo = parts[0]
            let pieces = repo.split(separator: "/", omittingEmptySubsequences: false)
            let ok = pieces.count == 2 && pieces.allSatisfy { p in
                !p.isEmpty && p != "." && p != ".." && p.unicodeScalars.allSatisfy {
                    $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0))
                }
            }
            guard ok else {
                throw .invalidParameter("'\(text)' is not a Hugging Face model: write hf:OWNER/REPO, hf:OWNER/REPO:Q4_K_M or hf:OWNER/REPO:FILE.gguf")
            }
            let selector = parts.count > 1 && !parts[1].isEmpty ? parts[1] : nil
            if let selector, selector.split(separator: "/").contains(where: { $0 == ".." }) {
                throw .invalidParameter("'\(selector)' is not a file of the repository: the path may not contain '..'")
            }
            self = .hub(repo: repo, selector: selector)
        } else if let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
                  url.host != nil, !url.lastPathComponent.isEmpty, url.lastPathComponent != "/" {
            self = .url(url)
        } else {
            throw .invalidParameter("'\(text)' is neither hf:OWNER/REPO[:TAG|:FILE] nor an http(s):// URL of a GGUF file. To add a local file use `bora import FILE`.")
        }
    }

    public var description: String {
        switch self {
        case let .hub(repo, selector): return "hf:" + repo + (selector.map { ":" + $0 } ?? "")
        case let .url(url): return url.absoluteString
        }
    }

    /// True when the selector names a file rather than a quantization tag.
    static func isFileSelector(_ selector: String) -> Bool {
        selector.lowercased().hasSuffix(".gguf") || selector.contains("/")
    }
}
