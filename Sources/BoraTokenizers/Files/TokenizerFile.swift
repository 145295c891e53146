import Foundation

/// The kinds of tokenizer file `loadTokenizer(path:)` reads.
public enum TokenizerFileKind: String, Sendable, Equatable {
    /// SentencePiece `tokenizer.model`, `tokenizer.model.v3`, `mistral_instruct_tokenizer_*.model.v7`, ...
    case sentencePiece
    /// Mistral `tekken.json`, `tekken_240911.json`, ...
    case tekken
    /// Hugging Face `tokenizer.json`.
    case huggingFace

    /// The kind a file name says, or nil. Follows mistral-common's `is_sentencepiece` / `is_tekken`:
    /// `*.model` or `*.model.v<N>[m<M>]`; `tokenizer.json` (any name ending so); another `.json` whose name
    /// contains "tekken".
    public init?(fileName name: String) {
        if name.hasSuffix(".json") {
            if name.hasSuffix("tokenizer.json") {
                self = .huggingFace
            } else if name.contains("tekken") {
                self = .tekken
            } else {
                return nil
            }
        } else if name.hasSuffix(".model") || sentencePieceVersion(name) != nil {
            self = .sentencePiece
        } else {
            return nil
        }
    }
}

/// Loads the tokenizer in `path`: a `tokenizer.model*` (SentencePiece protobuf), a `tekken*.json`, a
/// Hugging Face `tokenizer.json`, or a directory holding one of them (tekken.json first, then the
/// highest-versioned `tokenizer.model.v*`, then `tokenizer.model`, then `tokenizer.json`). GGUF files are
/// not handled here: the engine reads their tokenizer from the metadata (`makeTokenizer`).
/// Throws `TokenizerFileError` naming the file and the fix.
public func loadTokenizer(path: String) throws -> any Tokenizer {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw TokenizerFileError.unreadable(path: path, reason: "no such file or directory")
    }
    if isDirectory.boolValue {
        return try loadTokenizer(path: try tokenizerFile(inDirectory: path))
    }
    let name = String(path.split(separator: "/").last ?? Substring(path))
    let kind = try TokenizerFileKind(fileName: name) ?? sniff(path)
    switch kind {
    case .sentencePiece: return try SentencePieceModelTokenizer(contentsOf: path)
    case .tekken: return try TekkenTokenizer(contentsOf: path)
    case .huggingFace: return try HuggingFaceTokenizer(contentsOf: path)
    }
}

/// The tokenizer file of a model directory, in mistral-common's order of preference.
public func tokenizerFile(inDirectory directory: String) throws -> String {
    let names: [String]
    do {
        names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    } catch {
        throw TokenizerFileError.unreadable(path: directory, reason: "\(error)")
    }
    let base = directory.hasSuffix("/") ? directory : directory + "/"
    if names.contains("tekken.json") { return base + "tekken.json" }
    if let tekken = names.last(where: { TokenizerFileKind(fileName: $0) == .tekken }) { return base + tekken }
    let versioned = names.compactMap { name in sentencePieceVersion(name).map { (name, $0) } }
    if let best = versioned.max(by: { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 > $1.0 }) { return base + best.0 }
    if names.contains("tokenizer.model") { return base + "tokenizer.model" }
    if names.contains("tokenizer.json") { return base + "tokenizer.json" }
    throw TokenizerFileError.unrecognized(path: directory)
}

/// N in a name ending ".model.v<N>" or ".model.v<N>m<M>" (mistral-common's versioned SentencePiece files).
func sentencePieceVersion(_ name: String) -> Int? {
    guard let range = name.range(of: ".model.v", options: .backwards) else { return nil }
    let suffix = name[range.upperBound...]
    let digits = suffix.prefix { $0.isASCII && $0.isNumber }
    guard !digits.isEmpty, let version = Int(digits) else { return nil }
    let rest = suffix.dropFirst(digits.count)
    guard rest.isEmpty || (rest.first == "m" && rest.count > 1 && rest.dropFirst().allSatisfy { $0.isASCII && $0.isNumber })
    else { return nil }
    return version
}

/// A file whose name is not conventional: JSON with Tekken's config keys is Tekken, JSON with a "model"
/// object is Hugging Face, anything starting with a protobuf field-1 tag is SentencePiece.
private func sniff(_ path: String) throws -> TokenizerFileKind {
    let bytes = try readFile(path)
    guard let first = bytes.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) else {
        throw TokenizerFileError.unrecognized(path: path)
    }
    if first == UInt8(ascii: "{") {
        func contains(_ key: String) -> Bool {
            let needle = Array("\"\(key)\"".utf8)
            guard bytes.count >= needle.count else { return false }
            return (0...(bytes.count - needle.count)).contains { i in
                bytes[i] == needle[0] && bytes[i..<i + needle.count].elementsEqual(needle)
            }
        }
        if contains("default_num_special_tokens") { return .tekken }
        if contains("model") && (contains("added_tokens") || contains("pre_tokenizer")) { return .huggingFace }
        throw TokenizerFileError.unrecognized(path: path)
    }
    if bytes.first == 0x0A { return .sentencePiece }   // field 1 (pieces), length-delimited
    throw TokenizerFileError.unrecognized(path: path)
}

/// The bytes of a file (at most `limit`), or `TokenizerFileError.unreadable`.
func readFile(_ path: String, limit: Int? = nil) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        throw TokenizerFileError.unreadable(
            path: path, reason: !exists ? "no such file" : isDirectory.boolValue ? "it is a directory" : "permission denied")
    }
    return limit.map { Array(data.prefix($0)) } ?? Array(data)
}
