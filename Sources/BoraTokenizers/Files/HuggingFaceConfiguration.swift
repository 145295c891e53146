/// The parts of a Hugging Face `tokenizer.json` that Bora implements, read from the JSON. Anything else
/// (WordPiece/Unigram models, other normalizers or pre-tokenizers, a Split regex Bora has no matcher for)
/// is `TokenizerFileError.unsupported`, naming it. Strings are read byte for byte (`JSONValue(parsing:)`):
/// a vocabulary may hold distinct tokens that Swift's `String` equality (canonical equivalence) would merge,
/// as Gemma 3's does (434 pairs such as a precomposed Indic letter and its nukta sequence).
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

    /// `model.vocab` in file order (duplicates kept: the tokenizer keeps the last, as tokenizers does).
    var vocab: [(text: String, id: Int)] = []
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
        let root: JSONValue
        do {
            root = try JSONValue(parsing: bytes)
        } catch {
            throw TokenizerFileError.malformedJSON(path: path, reason: "\(error)")
        }
        guard root.object != nil else { throw TokenizerFileError.malformedJSON(path: path, reason: "the top level is not an object") }
        func unsupported(_ what: String) -> TokenizerFileError { .unsupported(path: path, feature: what) }
        func invalid(_ key: String, _ expected: String) -> TokenizerFileError {
            .invalidKey(path: path, key: key, expected: expected)
        }

        guard let model = root["model"], model.object != nil else { throw invalid("model", "an object") }
        let type = model["type"]?.string ?? "BPE"
        guard type == "BPE" else { throw unsupported("the tokenizer model '\(type)' (only BPE is implemented)") }
        guard let vocab = model["vocab"]?.object else { throw invalid("model.vocab", "an object of ids") }
        self.vocab.reserveCapacity(vocab.count)
        for (token, value) in vocab {
            guard let id = value.integer, id >= 0 else { throw invalid("model.vocab[\(token)]", "a non-negative id") }
            self.vocab.append((token, id))
        }
        for (i, merge) in (model["merges"]?.array ?? []).enumerated() {
            if let text = merge.string {
                // Split at the first space, on bytes: a Character split would keep a combining mark after the
                // space with it.
                let utf8 = Array(text.utf8)
                guard let space = utf8.firstIndex(of: 0x20) else { throw invalid("model.merges[\(i)]", "'left right'") }
                merges.append((String(decoding: utf8[..<space], as: UTF8.self),
                               String(decoding: utf8[(space + 1)...], as: UTF8.self)))
            } else if let pair = merge.array, pair.count == 2, let left = pair[0].string, let right = pair[1].string {
                merges.append((left, right))
            } else {
                throw invalid("model.merges[\(i)]", "'left right' or [left, right]")
            }
        }
        if let prefix = model["continuing_subword_prefix"]?.string, !prefix.isEmpty {
            throw unsupported("continuing_subword_prefix")
        }
        if let suffix = model["end_of_word_suffix"]?.string, !suffix.isEmpty { throw unsupported("end_of_word_suffix") }
        unknownToken = model["unk_token"]?.string
        byteFallback = model["byte_fallback"]?.boolean ?? false
        fuseUnknown = model["fuse_unk"]?.boolean ?? false
        ignoreMerges = model["ignore_merges"]?.boolean ?? false

        for (i, item) in (root["added_tokens"]?.array ?? []).enumerated() {
            guard let id = item["id"]?.integer, id >= 0, let content = item["content"]?.string, !content.isEmpty else {
                throw invalid("added_tokens[\(i)]", "an object with id and content")
            }
            for flag in ["lstrip", "rstrip", "single_word"] where item[flag]?.boolean == true {
                throw unsupported("added token '\(content)' with \(flag)")
            }
            let special = item["special"]?.boolean ?? false
            addedTokens.append(AddedToken(id: id, content: content, special: special,
                                          normalized: item["normalized"]?.boolean ?? !special))
        }

        normalizer = try Self.normalizerSteps(root["normalizer"], unsupported)
        preTokenization = try Self.preTokenization(root["pre_tokenizer"], unsupported)
        if let decoder = root["decoder"], decoder.object != nil { self.decoder = try Self.decoderSteps(decoder, unsupported) }

        if let post = root["post_processor"], post.object != nil {
            switch post["type"]?.string {
            case "TemplateProcessing":
                var seenSequence = false
                for item in post["single"]?.array ?? [] {
                    if item["Sequence"] != nil {
                        seenSequence = true
                    } else if let name = item["SpecialToken"]?["id"]?.string {
                        let ids = (post["special_tokens"]?[name]?["ids"]?.array ?? []).compactMap(\.integer)
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

    private static func normalizerSteps(_ value: JSONValue?, _ unsupported: (String) -> TokenizerFileError) throws -> [NormalizerStep] {
        guard let object = value, object.object != nil else { return [] }
        switch object["type"]?.string {
        case "Sequence":
            return try (object["normalizers"]?.array ?? []).flatMap { try normalizerSteps($0, unsupported) }
        case "Prepend":
            return [.prepend(object["prepend"]?.string ?? "")]
        case "Replace":
            guard let pattern = object["pattern"]?["String"]?.string else {
                throw unsupported("a Replace normalizer with a regex pattern")
            }
            return [.replace(pattern, object["content"]?.string ?? "")]
        case "NFC":
            return [.nfc]
        case let other:
            throw unsupported("the normalizer '\(other ?? "?")'")
        }
    }

    private static func preTokenization(_ value: JSONValue?, _ unsupported: (String) -> TokenizerFileError) throws -> PreTokenization {
        guard let object = value, object.object != nil else { return .none }
        let type = object["type"]?.string
        var steps: [JSONValue] = [object]
        if type == "Sequence" { steps = object["pretokenizers"]?.array ?? [] }
        let types = steps.map { $0["type"]?.string ?? "?" }
        let byteLevel = steps.last.flatMap { $0["type"]?.string == "ByteLevel" ? $0 : nil }
        let addPrefixSpace = byteLevel?["add_prefix_space"]?.boolean ?? false
        let useRegex = byteLevel?["use_regex"]?.boolean ?? true
        switch types {
        case ["ByteLevel"]:
            return .byteLevel(split: useRegex ? .llamaCpp(.gpt2) : nil, addPrefixSpace: addPrefixSpace)
        case ["Digits", "ByteLevel"] where steps[0]["individual_digits"]?.boolean == true && useRegex:
            return .byteLevel(split: .llamaCpp(.digitsThenGPT2), addPrefixSpace: addPrefixSpace)
        case ["Split", "ByteLevel"] where !useRegex:
            let split = steps[0]
            guard let pattern = split["pattern"]?["Regex"]?.string,
                  split["behavior"]?.string == "Isolated", split["invert"]?.boolean != true else {
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
            guard let pattern = object["pattern"]?["String"]?.string, !pattern.isEmpty,
                  let behavior = SplitBehavior(rawValue: object["behavior"]?.string ?? ""), object["invert"]?.boolean != true else {
                throw unsupported("a Split pre-tokenizer other than on a literal string (Removed, Isolated, MergedWithPrevious or MergedWithNext)")
            }
            return .split(pattern: Array(pattern.utf8), behavior: behavior)
        case ["Metaspace"]:
            let scheme: Prepend
            if let name = object["prepend_scheme"]?.string {
                guard let parsed = Prepend(rawValue: name) else { throw unsupported("prepend_scheme '\(name)'") }
                scheme = parsed
            } else {
                scheme = object["add_prefix_space"]?.boolean == false ? .never : .always
            }
            return .metaspace(replacement: object["replacement"]?.string ?? "\u{2581}", prepend: scheme,
                              split: object["split"]?.boolean ?? true)
        default:
            throw unsupported("the pre-tokenizer \(types.joined(separator: " + "))")
        }
    }

    private static func decoderSteps(_ object: JSONValue, _ unsupported: (String) -> TokenizerFileError) throws -> [DecoderStep] {
        switch object["type"]?.string {
        case "Sequence":
            return try (object["decoders"]?.array ?? []).flatMap { try decoderSteps($0, unsupported) }
        case "ByteLevel": return [.byteLevel]
        case "ByteFallback": return [.byteFallback]
        case "Fuse": return [.fuse]
        case "Replace":
            guard let pattern = object["pattern"]?["String"]?.string else {
                throw unsupported("a Replace decoder with a regex pattern")
            }
            return [.replace(pattern, object["content"]?.string ?? "")]
        case "Strip":
            guard let content = object["content"]?.string?.first else { throw unsupported("a Strip decoder without content") }
            return [.strip(content, start: object["start"]?.integer ?? 0, stop: object["stop"]?.integer ?? 0)]
        case "Metaspace":
            let scheme = object["prepend_scheme"]?.string ?? (object["add_prefix_space"]?.boolean == false ? "never" : "always")
            return [.metaspace(replacement: object["replacement"]?.string ?? "\u{2581}", prependFirst: scheme != "never")]
        case let other:
            throw unsupported("the decoder '\(other ?? "?")'")
        }
    }
}
