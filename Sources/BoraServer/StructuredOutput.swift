import BoraEngine
import BoraTokenizers
import Foundation

/// A grammar the output must follow and the model's token trie: what a slot needs to constrain decoding.
struct ConstraintSpec: Sendable {
    var grammar: Grammar
    var trie: TokenTrie
}

/// `response_format` (OpenAI and Mistral): `{"type": "text"}`, `{"type": "json_object"}` (any JSON
/// object) or `{"type": "json_schema", "json_schema": {"name", "schema", "strict"}}`. Both JSON types are
/// enforced by constrained decoding (docs/grammar.md), whatever `strict` says; a schema the compiler cannot
/// guarantee is a 400 naming the keyword.
enum StructuredOutput {
    static func responseFormat(_ f: JSONFields) throws(APIError) -> Grammar? {
        guard let format = try f.fields("response_format") else { return nil }
        let output: OutputConstraint
        switch try format.string("type") {
        case "text"?, nil: return nil
        case "json_object"?: output = .jsonObject
        case "json_schema"?:
            guard let spec = try format.fields("json_schema") else {
                throw .invalid("response_format.json_schema", "response_format of type \"json_schema\" needs json_schema: {\"name\": ..., \"schema\": {...}}")
            }
            guard let schema = spec.value("schema") else {
                throw .invalid("response_format.json_schema.schema", "response_format.json_schema.schema is required: the JSON Schema of the output")
            }
            output = .jsonSchema(schema)
        case let type?:
            throw .invalid("response_format.type", "response_format.type must be \"text\", \"json_object\" or \"json_schema\", got \"\(type)\"")
        }
        return try compile(output, param: "response_format")
    }

    static func compile(_ output: OutputConstraint, param: String) throws(APIError) -> Grammar {
        do { return try output.compile() } catch {
            if case .unsupportedKeyword = error { throw .unsupported(param, error.description) }
            throw .invalid(param, error.description)
        }
    }
}

extension BoraServer {
    /// The constraint for a compiled grammar; a model without a tokenizer cannot be constrained.
    func constraint(_ grammar: Grammar?, specials: [String] = []) throws(APIError) -> ConstraintSpec? {
        guard let grammar else { return nil }
        guard let trie = trie.get(specials: specials) else {
            throw .unsupported("response_format", "this model has no tokenizer, so its output cannot be constrained")
        }
        return ConstraintSpec(grammar: grammar, trie: trie)
    }
}

/// The token trie of a model, built by the first request that needs it (a few hundred milliseconds for a
/// 50k vocabulary), then shared by all slots.
final class LazyTokenTrie: @unchecked Sendable {
    private let loaded: LoadedModel
    private let lock = NSLock()
    private var tries: [[String]: TokenTrie] = [:]

    init(_ loaded: LoadedModel) { self.loaded = loaded }

    /// nil when the model has no tokenizer. `specials`: special tokens a tool-call grammar asks for.
    func get(specials: [String] = []) -> TokenTrie? {
        lock.lock()
        defer { lock.unlock() }
        if tries[specials] == nil, let tokenizer = loaded.tokenizer {
            tries[specials] = TokenTrie(tokenizer: tokenizer, vocabularySize: loaded.config.vocabularySize, specials: specials)
        }
        return tries[specials]
    }
}
