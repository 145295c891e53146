import BoraEngine
import BoraTokenizers
import Foundation

/// How the loaded model fills in the middle, if it can.
enum FIMFormat: Sendable {
    /// Mistral's `<s>[SUFFIX]suffix[PREFIX]prompt` (v2+ tokenizers), encoded by mistral-common's rules.
    case mistral
    /// `<fim_prefix>prompt<fim_suffix>suffix<fim_middle>` (prefix-suffix-middle) with the model's own tokens.
    case psm(prefix: Int, suffix: Int, middle: Int)

    /// Token spellings of prefix, suffix and middle, as the FIM-trained vocabularies write them.
    static let psmSpellings: [(String, String, String)] = [
        ("<fim_prefix>", "<fim_suffix>", "<fim_middle>"),
        ("<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"),
        ("<fim-prefix>", "<fim-suffix>", "<fim-middle>"),
    ]

    static func detect(_ bundle: TokenizerBundle?) -> FIMFormat? {
        guard let bundle else { return nil }
        if case let .mistral(version)? = bundle.chatFormat { return version >= .v2 ? .mistral : nil }
        let t = bundle.tokenizer
        for (p, s, m) in psmSpellings {
            if let pi = t.specialTokenId(p), let si = t.specialTokenId(s), let mi = t.specialTokenId(m) {
                return .psm(prefix: pi, suffix: si, middle: mi)
            }
        }
        return nil
    }
}

/// What `/v1/models` says about the loaded model (Mistral's `BaseModelCard`, which OpenAI clients read too).
struct ModelCard: Sendable {
    /// The model file's name without its extension ("SmolLM2-135M-Instruct.Q4_1"), or the directory's name.
    let id: String
    let created: Int
    let maxContextLength: Int
    let chat: Bool
    let fim: FIMFormat?

    init(loaded: LoadedModel, contextLength: Int) {
        let url = URL(fileURLWithPath: loaded.path)
        id = url.pathExtension.lowercased() == "gguf" ? url.deletingPathExtension().lastPathComponent : url.lastPathComponent
        let date = (try? FileManager.default.attributesOfItem(atPath: loaded.path)[.modificationDate]) as? Date
        created = Int(date?.timeIntervalSince1970 ?? 0)
        maxContextLength = contextLength
        chat = loaded.tokenizerBundle?.chatFormat != nil
        fim = FIMFormat.detect(loaded.tokenizerBundle)
    }

    var json: JSONValue {
        .object([
            ("id", .string(id)), ("object", .string("model")), ("created", .int(created)), ("owned_by", .string("bora")),
            ("capabilities", .object([
                ("completion_chat", .bool(chat)), ("completion_fim", .bool(fim != nil)),
                ("function_calling", .bool(false)), ("fine_tuning", .bool(false)), ("vision", .bool(false)),
                ("classification", .bool(false)),
            ])),
            ("name", .string(id)), ("description", .string("served by Bora")),
            ("max_context_length", .int(maxContextLength)), ("aliases", .array([])),
            ("deprecation", .null), ("default_model_temperature", .double(GenerationOptions.defaultTemperature)),
            ("type", .string("base")),
        ])
    }
}
