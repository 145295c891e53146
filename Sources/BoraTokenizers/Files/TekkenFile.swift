import Foundation

/// The JSON of a Mistral `tekken.json` (mistral-common tekken.py `ModelData`). Unknown keys (image, audio)
/// are ignored.
struct TekkenFile: Decodable {
    struct Config: Decodable {
        var pattern: String
        var defaultVocabSize: Int
        var defaultNumSpecialTokens: Int
        var numVocabTokens: Int?
        var version: String?

        enum CodingKeys: String, CodingKey {
            case pattern, version
            case defaultVocabSize = "default_vocab_size"
            case defaultNumSpecialTokens = "default_num_special_tokens"
            case numVocabTokens = "num_vocab_tokens"
        }
    }

    struct Entry: Decodable {
        var rank: Int
        var tokenBytes: String
        enum CodingKeys: String, CodingKey {
            case rank
            case tokenBytes = "token_bytes"
        }
    }

    struct Special: Decodable {
        var rank: Int
        var tokenString: String
        var isControl: Bool?
        enum CodingKeys: String, CodingKey {
            case rank
            case tokenString = "token_str"
            case isControl = "is_control"
        }
    }

    var config: Config
    var vocab: [Entry]
    var specialTokens: [Special]?
    /// v15: the `model_settings_builder` object, read by `MistralModelSettingsBuilder(json:path:)`.
    var modelSettingsBuilder: JSONValue?

    enum CodingKeys: String, CodingKey {
        case config, vocab
        case specialTokens = "special_tokens"
        case modelSettingsBuilder = "model_settings_builder"
    }

    /// Parses `bytes`; errors name `path` and the offending key.
    static func parse(_ bytes: [UInt8], path: String) throws -> TekkenFile {
        do {
            return try JSONDecoder().decode(TekkenFile.self, from: Data(bytes))
        } catch let error as DecodingError {
            switch error {
            case let .keyNotFound(key, context):
                throw TokenizerFileError.invalidKey(
                    path: path, key: (context.codingPath + [key]).map(\.stringValue).joined(separator: "."),
                    expected: "present")
            case let .typeMismatch(type, context), let .valueNotFound(type, context):
                throw TokenizerFileError.invalidKey(
                    path: path, key: context.codingPath.map(\.stringValue).joined(separator: "."), expected: "a \(type)")
            case let .dataCorrupted(context):
                throw TokenizerFileError.malformedJSON(path: path, reason: context.debugDescription)
            @unknown default:
                throw TokenizerFileError.malformedJSON(path: path, reason: "\(error)")
            }
        } catch {
            throw TokenizerFileError.malformedJSON(path: path, reason: "\(error)")
        }
    }

    /// mistral-common's `Tekkenizer.DEPRECATED_SPECIAL_TOKENS`: the special tokens of files that list none.
    static let deprecatedSpecialTokens = [
        "<unk>", "<s>", "</s>", "[INST]", "[/INST]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]", "[TOOL_RESULTS]",
        "[/TOOL_RESULTS]", "[TOOL_CALLS]", "[IMG]", "<pad>", "[IMG_BREAK]", "[IMG_END]", "[PREFIX]", "[MIDDLE]",
        "[SUFFIX]", "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]", "[TOOL_CONTENT]",
    ]
}

/// Standard base64 (RFC 4648, "=" padding optional), or nil for anything else.
enum Base64 {
    private static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(c)] = Int8(i)
        }
        return table
    }()

    static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        var padding = 0
        for c in text.utf8 {
            if c == UInt8(ascii: "=") {
                padding += 1
                continue
            }
            let value = values[Int(c)]
            guard value >= 0, padding == 0 else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        // Leftover bits must be zero padding of the last byte, and "=" must complete a 4-character group.
        guard bits < 6, accumulator & ((1 << UInt32(bits)) - 1) == 0, padding <= 2,
              padding == 0 || (text.utf8.count % 4 == 0) else { return nil }
        return out
    }
}
