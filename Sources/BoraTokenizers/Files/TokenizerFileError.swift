/// Everything that can go wrong loading a tokenizer file (`tokenizer.model*`, `tekken*.json`,
/// `tokenizer.json`) or feeding it input. Each case names the file and says what to do.
public enum TokenizerFileError: Error, Equatable, CustomStringConvertible {
    /// The path does not exist or cannot be read.
    case unreadable(path: String, reason: String)
    /// A file whose name says nothing about its kind, or a directory holding no tokenizer file.
    case unrecognized(path: String)
    /// A `tokenizer.model` that is not a valid SentencePiece `ModelProto` (truncated, corrupt, not protobuf).
    case corruptProtobuf(path: String, reason: String)
    /// A JSON tokenizer file that does not parse.
    case malformedJSON(path: String, reason: String)
    /// A required key is absent or has the wrong type.
    case invalidKey(path: String, key: String, expected: String)
    /// A `token_bytes` entry that is not base64.
    case badBase64(path: String, rank: Int, text: String)
    /// The vocabulary contradicts itself (ranks out of order, duplicate tokens, sizes that do not add up).
    case inconsistentVocabulary(path: String, detail: String)
    /// A valid file using a feature Bora does not implement (a Unigram model, a normalization table, an
    /// unknown pre-tokenizer regex).
    case unsupported(path: String, feature: String)
    /// Input bytes that are not UTF-8.
    case invalidUTF8(offset: Int)
    /// Decoding with `SpecialTokenPolicy.raise` met a special token.
    case specialTokenInDecode(id: Int)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "cannot read tokenizer file '\(path)': \(reason); check the path"
        case let .unrecognized(path):
            return "'\(path)' is not a tokenizer file Bora recognises: pass a 'tokenizer.model' (or "
                + "'tokenizer.model.v3' ...), a 'tekken*.json', a 'tokenizer.json', or a directory holding one"
        case let .corruptProtobuf(path, reason):
            return "'\(path)' is not a valid SentencePiece model (\(reason)); the file is truncated or corrupt: "
                + "download it again"
        case let .malformedJSON(path, reason):
            return "'\(path)' is not valid JSON (\(reason)); the file is truncated or corrupt: download it again"
        case let .invalidKey(path, key, expected):
            let problem = expected == "present" ? "is missing" : "is missing or is not \(expected)"
            return "'\(path)': '\(key)' \(problem); the file is not a tokenizer of this kind or is damaged: "
                + "download it again"
        case let .badBase64(path, rank, text):
            return "'\(path)': token_bytes of rank \(rank) ('\(text.prefix(40))') is not base64; the file is "
                + "corrupt: download it again"
        case let .inconsistentVocabulary(path, detail):
            return "'\(path)': inconsistent vocabulary: \(detail); the file is corrupt: download it again"
        case let .unsupported(path, feature):
            return "'\(path)' uses \(feature), which Bora does not implement; use a GGUF of the model or a "
                + "tokenizer file of a supported kind"
        case let .invalidUTF8(offset):
            return "the input is not valid UTF-8 (byte offset \(offset)); pass UTF-8 text"
        case let .specialTokenInDecode(id):
            return "token \(id) is a special token and the special-token policy is 'raise'; decode with "
                + "policy 'ignore' or 'keep'"
        }
    }
}
