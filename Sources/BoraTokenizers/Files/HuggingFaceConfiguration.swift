import Foundation

/// The parts of a Hugging Face `tokenizer.json` that Bora implements, read from the JSON. Anything else
/// (WordPiece/Unigram models, other normalizers or pre-tokenizers, a Split regex Bora has no matcher for)
/// is `TokenizerFileError.unsupported`, naming it.
package struct HuggingFaceConfiguration: Sendable {
    enum NormalizerStep: Sendable, Equatable {
        case prepend(String)
        case replace(String, String)
        case nfc
    }

    /// How a (normalized) fragment of text becomes words.
    enum PreTokenization: Sendable, Equatable {
        /// The fragment is one word.
        case none
        /// Split (by the regex, if any), then bytes -> GPT-2 byte characters.
        case byteLevel(split: Splitter?, addPrefixSpace: Bool)
        /// " " -> replacement, a replacement prepended (always, or to the text's first fragment); one word
        /// unless `split`, then a word starts at each replacement.
        case metaspace(replacement: String, prepend: Prepend, split: Bool)
        /// `Split` on a literal string (Gemma 3: " ", merged with the previous piece), no byte mapping.
        case split(pattern: [UInt8], behavior: SplitBehavior)
    }

    /// Where a `Split` pre-tokenizer's matches go (tokenizers' `SplitDelimiterBehavior`).
    package enum SplitBehavior: String, Sendable {
        case removed = "Removed", isolated = "Isolated", mergedWithPrevious = "MergedWithPrevious"
        case mergedWithNext = "MergedWithNext"
    }

    enum Prepend: String, Sendable { case always, first, never }

    enum Splitter: Sendable, Equatable {
        case llamaCpp(PreTokenizerConfiguration.Kind)
        case tekken
    }

    enum DecoderStep: Sendable, Equatable {
        case byteLevel
        case replace(String, String)
        case byteFallback
        case fuse
        case strip(Character, start: Int, stop: Int)
        case metaspace(replacement: String, prependFirst: Bool)
    }

    struct AddedToken: Sendable {
        var id: Int
        var content: String
        var special: Bool
        var normalized: Bool
    }

    var vocab: [String: Int] = [:]
    var merges: [(String, String)] = []
    var unknownToken: String?
    var byteFallback = false
    var fuseUnknown = false
    var ignoreMerges = false
    var addedTokens: [AddedToken] = []
    var normalizer: [NormalizerStep] = []
    var preTokenization = PreTokenization.none
    var decoder: [DecoderStep]? = nil
    /// Special tokens the post-processor puts before and after the text (`TemplateProcessing.single`).
    var templatePrefix: [Int] = []
    var templateSuffix: [Int] = []

    static let gpt2Pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static let llama3Pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2Pattern = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    init(json bytes: [UInt8], path: String) throws {
        let root: [String: Any]
        do {
            guard let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
                throw TokenizerFileError.malformedJSON(path: path, reason: "the top level is not an object")
            }
            root = object
        } catch let error as TokenizerFileError {
            throw error
        } catch {
            throw TokenizerFileError.malformedJSON(path: path, reason: "\(error)")
        }
        func unsupported(_ what: String) -> TokenizerFileError { .unsupported(path: path, feature: what) }
        func invalid(_ key: String, _ expected: String) -> TokenizerFileError {
            .invalidKey(path: path, key: key, expected: expected)
        }
        func int(_ value: Any?) -> Int? { (value as? NSNumber).map(\.intValue) }

        guard let model = root["model"] as? [String: Any] else { throw invalid("model", "an object") }
        let type = model["type"] as? String ?? "BPE"
        guard type == "BPE" else { throw unsupported("the tokenizer model '\(type)' (only BPE is implemented)") }
        guard let vocab = model["vocab"] as? [String: Any] else { throw invalid("model.vocab", "an object of ids") }
        for (token, value) in vocab {
            guard let id = int(value), id >= 0 else { throw invalid("model.vocab[\(token)]", "a non-negative id") }
            self.vocab[token] = id
        }
        for (i, merge) in (model["merges"] as? [Any] ?? []).enumerated() {
            if let text = merge as? String {
                let parts = text.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw invalid("model.merges[\(i)]", "'left right'") }
                merges.append((String(parts[0]), String(parts[1])))
            } else if let pair = merge as? [String], pair.count == 2 {
                merges.append((pair[0], pair[1]))
            } else {
                throw invalid("model.merges[\(i)]", "'left right' or [left, right]")
            }
        }
        if let prefix = model["continuing_subword_prefix"] as? String, !prefix.isEmpty {
            throw unsupported("continuing_subword_prefix")
        }
        if let suffix = model["end_of_word_suffix"] as? String, !suffix.isEmpty { throw unsupported("end_of_word_suffix") }
        unknownToken = model["unk_token"] as? String
        byteFallback = model["byte_fallback"] as? Bool ?? false
        fuseUnknown = model["fuse_unk"] as? Bool ?? false
        ignoreMerges = model["ignore_merges"] as? Bool ?? false

        for (i, item) in (root["added_tokens"] as? [[String: Any]] ?? []).enumerated() {
            guard let id = int(item["id"]), id >= 0, let content = item["content"] as? String, !content.isEmpty else {
                throw invalid("added_tokens[\(i)]", "an object with id and content")
            }
            for flag in ["lstrip", "rstrip", "single_word"] where item[flag] as? Bool == true {
                throw unsupported("added token '\(content)' with \(flag)")
            }
            addedTokens.append(AddedToken(id: id, content: content, special: item["special"] as? Bool ?? false,
                                          normalized: item["normalized"] as? Bool ?? !(item["special"] as? Bool ?? false)))
        }

        normalizer = try Self.normalizerSteps(root["normalizer"], unsupported)
        preTokenization = try Self.preTokenization(root["pre_tokenizer"], unsupported)
        if let decoder = root["decoder"] as? [String: Any] { self.decoder = try Self.decoderSteps(decoder, unsupported) }

        if let post = root["post_processor"] as? [String: Any] {
            switch post["type"] as? String {
            case "TemplateProcessing":
                var seenSequence = false
                for item in post["single"] as? [[String: Any]] ?? [] {
                    if item["Sequence"] != nil {
                        seenSequence = true
                    } else if let special = item["SpecialToken"] as? [String: Any], let name = special["id"] as? String {
                        let specials = post["special_tokens"] as? [String: Any]
                        let ids = ((specials?[name] as? [String: Any])?["ids"] as? [Any] ?? []).compactMap(int)
                        guard !ids.isEmpty else { throw invalid("post_processor.special_tokens[\(name)]", "ids") }
                        if seenSequence { templateSuffix += ids } else { templatePrefix += ids }
                    }
                }
            case "ByteLevel", nil:
                break
            case let other?:
                throw unsupported("the post-processor '\(other)'")
            }
        }
    }

    private static func normalizerSteps(_ value: Any?, _ unsupported: (String) -> TokenizerFileError) throws -> [NormalizerStep] {
        guard let object = value as? [String: Any] else { return [] }
        switch object["type"] as? String {
        case "Sequence":
            return try (object["normalizers"] as? [Any] ?? []).flatMap { try normalizerSteps($0, unsupported) }
        case "Prepend":
            return [.prepend(object["prepend"] as? String ?? "")]
        case "Replace":
            guard let pattern = (object["pattern"] as? [String: Any])?["String"] as? String else {
                throw unsupported("a Replace normalizer with a regex pattern")
            }
            return [.replace(pattern, object["content"] as? String ?? "")]
        case "NFC":
            return [.nfc]
        case let other:
            throw unsupported("the normalizer '\(other ?? "?")'")
        }
    }

    private static func preTokenization(_ value: Any?, _ unsupported: (String) -> TokenizerFileError) throws -> PreTokenization {
        guard let object = value as? [String: Any] else { return .none }
        let type = object["type"] as? String
        var steps: [[String: Any]] = [object]
        if type == "Sequence" { steps = object["pretokenizers"] as? [[String: Any]] ?? [] }
        let types = steps.map { $0["type"] as? String ?? "?" }
        let byteLevel = steps.last.flatMap { $0["type"] as? String == "ByteLevel" ? $0 : nil }
        let addPrefixSpace = byteLevel?["add_prefix_space"] as? Bool ?? false
        let useRegex = byteLevel?["use_regex"] as? Bool ?? true
        switch types {
        case ["ByteLevel"]:
            return .byteLevel(split: useRegex ? .llamaCpp(.gpt2) : nil, addPrefixSpace: addPrefixSpace)
        case ["Digits", "ByteLevel"] where steps[0]["individual_digits"] as? Bool == true && useRegex:
            return .byteLevel(split: .llamaCpp(.digitsThenGPT2), addPrefixSpace: addPrefixSpace)
        case ["Split", "ByteLevel"] where !useRegex:
            let split = steps[0]
            guard let pattern = (split["pattern"] as? [String: Any])?["Regex"] as? String,
                  split["behavior"] as? String == "Isolated", split["invert"] as? Bool != true else {
                throw unsupported("a Split pre-tokenizer other than an isolating regex")
            }
            let splitter: Splitter
            switch pattern {
            case gpt2Pattern: splitter = .llamaCpp(.gpt2)
            case llama3Pattern: splitter = .llamaCpp(.llama3)
            case qwen2Pattern: splitter = .llamaCpp(.qwen2)
            case TekkenPattern.source: splitter = .tekken
            default: throw unsupported("the Split regex \(pattern)")
            }
            return .byteLevel(split: splitter, addPrefixSpace: addPrefixSpace)
        case ["Split"]:
            guard let pattern = (object["pattern"] as? [String: Any])?["String"] as? String, !pattern.isEmpty,
                  let behavior = SplitBehavior(rawValue: object["behavior"] as? String ?? ""), object["invert"] as? Bool != true else {
                throw unsupported("a Split pre-tokenizer other than on a literal string (Removed, Isolated, MergedWithPrevious or MergedWithNext)")
            }
            return .split(pattern: Array(pattern.utf8), behavior: behavior)
        case ["Metaspace"]:
            let scheme: Prepend
            if let name = object["prepend_scheme"] as? String {
                guard let parsed = Prepend(rawValue: name) else { throw unsupported("prepend_scheme '\(name)'") }
                scheme = parsed
            } else {
                scheme = object["add_prefix_space"] as? Bool == false ? .never : .always
            }
            return .metaspace(replacement: object["replacement"] as? String ?? "\u{2581}", prepend: scheme,
                              split: object["split"] as? Bool ?? true)
        default:
            throw unsupported("the pre-tokenizer \(types.joined(separator: " + "))")
        }
    }

    private static func decoderSteps(_ object: [String: Any], _ unsupported: (String) -> TokenizerFileError) throws -> [DecoderStep] {
        switch object["type"] as? String {
        case "Sequence":
            return try (object["decoders"] as? [[String: Any]] ?? []).flatMap { try decoderSteps($0, unsupported) }
        case "ByteLevel": return [.byteLevel]
        case "ByteFallback": return [.byteFallback]
        case "Fuse": return [.fuse]
        case "Replace":
            guard let pattern = (object["pattern"] as? [String: Any])?["String"] as? String else {
                throw unsupported("a Replace decoder with a regex pattern")
            }
            return [.replace(pattern, object["content"] as? String ?? "")]
        case "Strip":
            guard let content = (object["content"] as? String)?.first else { throw unsupported("a Strip decoder without content") }
            return [.strip(content, start: (object["start"] as? NSNumber)?.intValue ?? 0,
                           stop: (object["stop"] as? NSNumber)?.intValue ?? 0)]
        case "Metaspace":
            let scheme = object["prepend_scheme"] as? String ?? (object["add_prefix_space"] as? Bool == false ? "never" : "always")
            return [.metaspace(replacement: object["replacement"] as? String ?? "\u{2581}", prependFirst: scheme != "never")]
        case let other:
            throw unsupported("the decoder '\(other ?? "?")'")
        }
    }
}
