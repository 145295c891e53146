import BoraTokenizers
import Foundation

/// What the output must be: free text, a string of a GBNF grammar, any JSON object, or JSON valid against a
/// schema. Compiled once into a `Grammar`; `constraint(for:)` makes the per-generation state.
public enum OutputConstraint: Sendable {
    case grammar(String)
    case jsonObject
    case jsonSchema(JSONValue)

    public func compile() throws(GrammarError) -> Grammar {
        switch self {
        case let .grammar(text): return try Grammar(gbnf: text)
        case .jsonObject: return try Grammar(gbnf: JSONSchemaCompiler.anyObjectGBNF)
        case let .jsonSchema(schema): return try JSONSchemaCompiler.grammar(schema: schema)
        }
    }

    /// Reads a grammar or schema file (`--grammar FILE`, `--json-schema FILE`).
    public static func load(grammarFile: String?, schemaFile: String?, jsonObject: Bool) throws(EngineError) -> OutputConstraint? {
        func read(_ path: String) throws(EngineError) -> String {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw .invalidParameter("cannot read '\(path)': no such file, or not readable")
            }
            return String(decoding: data, as: UTF8.self)
        }
        if let grammarFile { return .grammar(try read(grammarFile)) }
        if let schemaFile {
            let text = try read(schemaFile)
            do { return .jsonSchema(try JSONValue(parsing: text)) } catch {
                throw .invalidParameter("'\(schemaFile)': \(error)")
            }
        }
        return jsonObject ? .jsonObject : nil
    }
}

extension LoadedModel {
    /// The trie of this model's token byte strings, for constrained decoding (build once per model).
    public func tokenTrie() throws(EngineError) -> TokenTrie {
        TokenTrie(tokenizer: try requireTokenizer(), vocabularySize: config.vocabularySize)
    }
}

extension OutputConstraint {
    /// `compile()` with the engine's error type.
    public func grammar() throws(EngineError) -> Grammar {
        do { return try compile() } catch { throw .grammar(error) }
    }
}

extension LoadedModel {
    /// A fresh constraint (one generation's state) for `grammar`, building the token trie.
    public func constraint(for grammar: Grammar) throws(EngineError) -> TokenConstraint {
        let trie = try tokenTrie()
        do { return try TokenConstraint(grammar: grammar, trie: trie) } catch { throw .grammar(error) }
    }
}
