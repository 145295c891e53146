/// Per-token attributes, llama.cpp's `llama_token_attr` bits (include/llama.h), derived from the GGUF
/// `tokenizer.ggml.token_type` and then adjusted by llama.cpp's text heuristics (see `VocabularyCore`).
struct TokenAttributes: OptionSet, Sendable {
    let rawValue: UInt8

    static let unknown = TokenAttributes(rawValue: 1 << 0)
    static let unused = TokenAttributes(rawValue: 1 << 1)
    static let normal = TokenAttributes(rawValue: 1 << 2)
    static let control = TokenAttributes(rawValue: 1 << 3)
    static let userDefined = TokenAttributes(rawValue: 1 << 4)
    static let byte = TokenAttributes(rawValue: 1 << 5)

    /// Tokens rendered as their raw text and matched in text by the special-token partition.
    static let special: TokenAttributes = [.unknown, .control, .userDefined]

    /// GGUF token types: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte; anything else is
    /// "undefined" (no bits). A vocabulary without token types is all normal.
    init(tokenType: Int32?) {
        switch tokenType {
        case nil, 1: self = .normal
        case 2: self = .unknown
        case 3: self = .control
        case 4: self = .userDefined
        case 5: self = .unused
        case 6: self = .byte
        default: self = []
        }
    }

    init(rawValue: UInt8) {
        self.rawValue = rawValue
    }
}
