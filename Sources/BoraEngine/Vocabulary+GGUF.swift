import BoraFormats
import BoraTokenizers

extension GGUFVocabulary {
    /// Reads the `tokenizer.ggml.*` metadata of a GGUF file (keys as llama.cpp's `LLM_KV_TOKENIZER_*`).
    /// `tokenizer.ggml.model` and `tokenizer.ggml.tokens` are required; every other key is optional and left
    /// nil when absent, so that `makeTokenizer` can apply llama.cpp's defaults. Scores may be float32 or
    /// int32 arrays, as llama.cpp accepts.
    /// - Throws: `FormatError.missingKey` / `.wrongKeyType`, naming the file and the key.
    public init(gguf: GGUFFile) throws {
        let reader = TokenizerMetadata(file: gguf)
        self.init(model: try reader.string("tokenizer.ggml.model"), tokens: try reader.strings("tokenizer.ggml.tokens"))
        pre = try reader.optional("tokenizer.ggml.pre", "a string") { $0.string }
        scores = try reader.optionalArray("tokenizer.ggml.scores", "an array of numbers") { $0.double.map(Float.init) }
        tokenTypes = try reader.optionalArray("tokenizer.ggml.token_type", "an array of int32") {
            $0.int.flatMap { Int32(exactly: $0) }
        }
        merges = try reader.optionalArray("tokenizer.ggml.merges", "an array of strings") { $0.string }
        bosId = try reader.optional("tokenizer.ggml.bos_token_id", "an integer") { $0.int }
        eosId = try reader.optional("tokenizer.ggml.eos_token_id", "an integer") { $0.int }
        unknownId = try reader.optional("tokenizer.ggml.unknown_token_id", "an integer") { $0.int }
        paddingId = try reader.optional("tokenizer.ggml.padding_token_id", "an integer") { $0.int }
        eotId = try reader.optional("tokenizer.ggml.eot_token_id", "an integer") { $0.int }
        eomId = try reader.optional("tokenizer.ggml.eom_token_id", "an integer") { $0.int }
        addBos = try reader.optional("tokenizer.ggml.add_bos_token", "a bool") { $0.bool }
        addEos = try reader.optional("tokenizer.ggml.add_eos_token", "a bool") { $0.bool }
        addSpacePrefix = try reader.optional("tokenizer.ggml.add_space_prefix", "a bool") { $0.bool }
    }
}

/// Typed access to one file's metadata with errors that name the file and the key.
private struct TokenizerMetadata {
    let file: GGUFFile

    func string(_ key: String) throws -> String {
        guard let value = file.metadata[key] else { throw FormatError.missingKey(path: file.path, key: key) }
        guard let string = value.string else {
            throw FormatError.wrongKeyType(path: file.path, key: key, expected: "a string")
        }
        return string
    }

    func strings(_ key: String) throws -> [String] {
        guard file.metadata[key] != nil else { throw FormatError.missingKey(path: file.path, key: key) }
        return try optionalArray(key, "an array of strings") { $0.string } ?? []
    }

    func optional<T>(_ key: String, _ expected: String, _ convert: (GGUFValue) -> T?) throws -> T? {
        guard let value = file.metadata[key] else { return nil }
        guard let converted = convert(value) else {
            throw FormatError.wrongKeyType(path: file.path, key: key, expected: expected)
        }
        return converted
    }

    func optionalArray<T>(_ key: String, _ expected: String, _ convert: (GGUFValue) -> T?) throws -> [T]? {
        guard let value = file.metadata[key] else { return nil }
        guard let items = value.array else {
            throw FormatError.wrongKeyType(path: file.path, key: key, expected: expected)
        }
        var result: [T] = []
        result.reserveCapacity(items.count)
        for item in items {
            guard let converted = convert(item) else {
                throw FormatError.wrongKeyType(path: file.path, key: key, expected: expected)
            }
            result.append(converted)
        }
        return result
    }
}
