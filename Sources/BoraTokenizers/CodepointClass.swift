/// The character classes llama.cpp's pre-tokenizers test (`unicode_cpt_flags`, src/unicode.h):
/// `\p{L}`, `\p{N}`, `\s` and "anything else", from the Unicode general category.
///
/// Whitespace is llama.cpp's set (`unicode_set_whitespace`), not Swift's `isWhitespace`: it excludes
/// U+001C..U+001F and includes U+0085 and U+00A0.
struct CodepointClass: OptionSet, Sendable {
    let rawValue: UInt8

    static let letter = CodepointClass(rawValue: 1 << 0)        // \p{L}
    static let number = CodepointClass(rawValue: 1 << 1)        // \p{N}
    static let whitespace = CodepointClass(rawValue: 1 << 2)    // \s
    static let punctuation = CodepointClass(rawValue: 1 << 3)   // \p{P}
    /// Set for every codepoint: distinguishes "inside the fragment" from "past its end" (the empty set).
    static let present = CodepointClass(rawValue: 1 << 7)

    init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    init(_ scalar: UInt32) {
        if scalar < 128 {
            self = Self.ascii[Int(scalar)]
        } else {
            self = Self.classify(scalar)
        }
    }

    private static let ascii: [CodepointClass] = (0..<128).map { classify(UInt32($0)) }

    private static func classify(_ value: UInt32) -> CodepointClass {
        var result: CodepointClass = .present
        guard let scalar = Unicode.Scalar(value) else { return result }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            result.insert(.letter)
        case .decimalNumber, .letterNumber, .otherNumber:
            result.insert(.number)
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            result.insert(.punctuation)
        default:
            break
        }
        switch value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            result.insert(.whitespace)
        default:
            break
        }
        return result
    }
}
