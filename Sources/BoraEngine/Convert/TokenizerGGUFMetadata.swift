import BoraFormats
import BoraTokenizers
import Foundation

/// The `tokenizer.*` metadata of a converted model, from the checkpoint directory's tokenizer file
/// (mistral-common's order of preference: tekken.json, tokenizer.model.v*, tokenizer.model, tokenizer.json)
/// and `tokenizer_config.json` (`add_bos_token`, `add_eos_token`, `chat_template`; or `chat_template.jinja`),
/// as llama.cpp's convert_hf_to_gguf.py writes them.
enum TokenizerGGUFMetadata {
    struct Result {
        var file: String
        var model: String
        var keys: [(String, GGUFValue)]
    }

    /// Nil when the directory has no tokenizer file.
    static func keys(directory: String, vocabularySize: Int) throws -> Result? {
        guard let file = try? tokenizerFile(inDirectory: directory) else { return nil }
        let name = String(file.split(separator: "/").last ?? "")
        var vocabulary: GGUFVocabulary
        switch TokenizerFileKind(fileName: name) {
        case .sentencePiece?:
            vocabulary = try SentencePieceModelTokenizer(contentsOf: file).ggufVocabulary(size: vocabularySize)
        case .huggingFace?:
            guard let v = try HuggingFaceTokenizer(contentsOf: file).ggufVocabulary(size: vocabularySize) else {
                throw ConversionError.unsupportedTokenizer(path: file, reason: "only byte-level BPE tokenizer.json files are converted; for a SentencePiece-style (byte-fallback) tokenizer.json, put the model's tokenizer.model next to it")
            }
            vocabulary = v
        case .tekken?:
            vocabulary = try TekkenTokenizer(contentsOf: file).ggufVocabulary(size: vocabularySize)
        case nil:
            throw ConversionError.unsupportedTokenizer(path: file, reason: "Bora does not recognise this tokenizer file")
        }
        guard vocabulary.tokens.count == vocabularySize else {
            throw ConversionError.unsupportedTokenizer(path: file, reason: "it has \(vocabulary.tokens.count) tokens but the model's embedding has \(vocabularySize) rows; the tokenizer belongs to another model")
        }
        let config = tokenizerConfig(directory)
        if let b = config["add_bos_token"] as? Bool { vocabulary.addBos = b }
        if let e = config["add_eos_token"] as? Bool { vocabulary.addEos = e }
        var keys = metadata(vocabulary)
        if let template = chatTemplate(directory, config: config) {
            keys.append(("tokenizer.chat_template", .string(template)))
        }
        return Result(file: file, model: vocabulary.model, keys: keys)
    }

    /// `tokenizer.ggml.*` keys of a vocabulary (llama.cpp's `LLM_KV_TOKENIZER_*`).
    static func metadata(_ v: GGUFVocabulary) -> [(String, GGUFValue)] {
        var m: [(String, GGUFValue)] = [("tokenizer.ggml.model", .string(v.model))]
        if let pre = v.pre { m.append(("tokenizer.ggml.pre", .string(pre))) }
        m.append(("tokenizer.ggml.tokens", .array(v.tokens.map { .string($0) })))
        if let s = v.scores { m.append(("tokenizer.ggml.scores", .array(s.map { .float32($0) }))) }
        if let t = v.tokenTypes { m.append(("tokenizer.ggml.token_type", .array(t.map { .int32($0) }))) }
        if let merges = v.merges { m.append(("tokenizer.ggml.merges", .array(merges.map { .string($0) }))) }
        let ids: [(String, Int?)] = [("bos", v.bosId), ("eos", v.eosId), ("unknown", v.unknownId), ("padding", v.paddingId)]
        for (name, id) in ids {
            if let id { m.append(("tokenizer.ggml.\(name)_token_id", .uint32(UInt32(clamping: id)))) }
        }
        let flags: [(String, Bool?)] = [("add_bos_token", v.addBos), ("add_eos_token", v.addEos), ("add_space_prefix", v.addSpacePrefix)]
        for (name, flag) in flags {
            if let flag { m.append(("tokenizer.ggml.\(name)", .bool(flag))) }
        }
        return m
    }

    static func tokenizerConfig(_ directory: String) -> [String: Any] {
        let path = URL(fileURLWithPath: directory).appendingPathComponent("tokenizer_config.json").path
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return object
    }

    /// `chat_template` of tokenizer_config.json (a string, or the "default" of a list of named templates),
    /// else the `chat_template.jinja` file newer transformers write.
    static func chatTemplate(_ directory: String, config: [String: Any]) -> String? {
        if let s = config["chat_template"] as? String { return s }
        if let list = config["chat_template"] as? [[String: Any]],
           let t = list.first(where: { $0["name"] as? String == "default" })?["template"] as? String { return t }
        let jinja = URL(fileURLWithPath: directory).appendingPathComponent("chat_template.jinja").path
        return FileManager.default.contents(atPath: jinja).map { String(decoding: $0, as: UTF8.self) }
    }
}
