/// What decoding does with special (control) tokens: mistral-common's `SpecialTokenPolicy`
/// (mistral_common/tokens/tokenizers/base.py). `decode(_:)` of the Mistral file tokenizers uses `.ignore`,
/// mistral-common's default.
public enum SpecialTokenPolicy: String, Sendable, Equatable, Codable {
    /// Drop special tokens.
    case ignore
    /// Write special tokens as their text (for SentencePiece files, mistral-common then writes every token as
    /// its raw piece, "▁" included).
    case keep
    /// Throw `TokenizerFileError.specialTokenInDecode`.
    case raise
}

/// Finds special-token texts in input when `encode(..., parseSpecial: true)`: at each position the longest
/// special text that starts there wins; the text between matches is encoded as separate pieces.
struct SpecialTokenMatcher: Sendable {
    /// (token text, id), grouped by first byte, longest text first.
    private let byFirstByte: [[([UInt8], Int)]]

    init(_ tokens: [(text: [UInt8], id: Int)]) {
        var groups = [[([UInt8], Int)]](repeating: [], count: 256)
        for (text, id) in tokens where !text.isEmpty { groups[Int(text[0])].append((text, id)) }
        for i in 0..<256 { groups[i].sort { $0.0.count != $1.0.count ? $0.0.count > $1.0.count : $0.1 < $1.1 } }
        byFirstByte = groups
    }

    /// The id and length of the longest special text starting at `position`, if any.
    func match(_ bytes: UnsafeBufferPointer<UInt8>, at position: Int) -> (id: Int, length: Int)? {
        for (text, id) in byFirstByte[Int(bytes[position])] where position + text.count <= bytes.count {
            var equal = true
            for k in 1..<text.count where bytes[position + k] != text[k] {
                equal = false
                break
            }
            if equal { return (id, text.count) }
        }
        return nil
    }

    enum Fragment: Equatable {
        case text(Range<Int>)
        case token(Int)
    }

    /// `bytes` cut into text and special tokens.
    func split(_ bytes: [UInt8]) -> [Fragment] {
        bytes.withUnsafeBufferPointer { buffer in
            var fragments: [Fragment] = []
            var textStart = 0
            var i = 0
            while i < buffer.count {
                if let (id, length) = match(buffer, at: i) {
                    if textStart < i { fragments.append(.text(textStart..<i)) }
                    fragments.append(.token(id))
                    i += length
                    textStart = i
                } else {
                    i += 1
                }
            }
            if textStart < buffer.count { fragments.append(.text(textStart..<buffer.count)) }
            return fragments
        }
    }
}
