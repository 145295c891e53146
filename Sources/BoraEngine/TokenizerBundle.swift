import BoraFormats
import BoraTokenizers
import Foundation

/// How a model turns a conversation into a prompt.
public enum ChatFormat: Sendable {
    /// Mistral's instruct encoding (mistral-common), for Mistral's own tokenizer files.
    case mistral(MistralInstructVersion)
    /// The model's Jinja chat template (GGUF `tokenizer.chat_template`, `tokenizer_config.json`).
    case template(ChatTemplate, bosToken: String, eosToken: String)
}

/// A tokenizer, where it came from, and the chat format that goes with it.
public struct TokenizerBundle: Sendable {
    public let tokenizer: any Tokenizer
    /// The file the tokenizer was read from.
    public let path: String
    public let chatFormat: ChatFormat?

    /// Loads the tokenizer of a GGUF file, a tokenizer file (`tokenizer.model*`, `tekken*.json`,
    /// `tokenizer.json`) or a model directory holding one.
    public static func load(path: String) throws(EngineError) -> TokenizerBundle {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .format(.cannotOpen(path: path, reason: "no such file or directory"))
        }
        if !isDirectory.boolValue, Self.isGGUF(path) {
            let gguf: GGUFFile
            do { gguf = try GGUFFile(path: path) } catch { throw .format(error) }
            return try fromGGUF(gguf)
        }
        let file: String
        do { file = isDirectory.boolValue ? try tokenizerFile(inDirectory: path) : path } catch {
            throw .tokenizer(path: path, message: "\(error)")
        }
        let tokenizer: any Tokenizer
        do { tokenizer = try loadTokenizer(path: file) } catch { throw .tokenizer(path: file, message: "\(error)") }
        let name = URL(fileURLWithPath: file).lastPathComponent
        if let version = MistralInstructVersion.forTokenizer(tokenizer, fileName: name) {
            return TokenizerBundle(tokenizer: tokenizer, path: file, chatFormat: .mistral(version))
        }
        let config = URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("tokenizer_config.json").path
        return TokenizerBundle(tokenizer: tokenizer, path: file, chatFormat: try templateFormat(fromConfig: config, tokenizer: tokenizer))
    }

    /// The tokenizer and chat template in a GGUF file's metadata.
    public static func fromGGUF(_ gguf: GGUFFile) throws(EngineError) -> TokenizerBundle {
        let tokenizer: any Tokenizer
        do {
            tokenizer = try makeTokenizer(GGUFVocabulary(gguf: gguf))
        } catch let e as FormatError {
            throw .format(e)
        } catch {
            throw .tokenizer(path: gguf.path, message: String(describing: error))
        }
        var format: ChatFormat?
        if let source = gguf.metadata["tokenizer.chat_template"]?.string {
            format = try template(source, path: gguf.path, tokenizer: tokenizer)
        }
        return TokenizerBundle(tokenizer: tokenizer, path: gguf.path, chatFormat: format)
    }

    static func isGGUF(_ path: String) -> Bool {
        guard let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        return h.readData(ofLength: 4) == Data("GGUF".utf8)
    }

    static func template(_ source: String, path: String, tokenizer: any Tokenizer) throws(EngineError) -> ChatFormat {
        func text(_ id: Int?) -> String {
            guard let id, let bytes = try? tokenizer.pieceBytes(id) else { return "" }
            return String(decoding: bytes, as: UTF8.self)
        }
        do {
            return .template(try ChatTemplate(source), bosToken: text(tokenizer.bosId), eosToken: text(tokenizer.eosId))
        } catch {
            throw .tokenizer(path: path, message: "the chat template cannot be used: \(error)")
        }
    }

    /// `chat_template` of a Hugging Face `tokenizer_config.json` (a string, or a list of named templates of
    /// which "default" is used), nil when there is none.
    static func templateFormat(fromConfig path: String, tokenizer: any Tokenizer) throws(EngineError) -> ChatFormat? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let json: JSONValue
        do { json = try JSONValue(parsing: String(decoding: data, as: UTF8.self)) } catch {
            throw .tokenizer(path: path, message: "\(error)")
        }
        var source = json["chat_template"]?.string
        if source == nil, let list = json["chat_template"]?.array {
            source = list.first { $0["name"]?.string == "default" }?["template"]?.string
        }
        return try source.map { (s) throws(EngineError) in try template(s, path: path, tokenizer: tokenizer) }
    }
}
