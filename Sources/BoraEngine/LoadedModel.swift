import BoraFormats
import BoraModels
import BoraTokenizers

/// A model ready to run: decoder weights and the tokenizer that the GGUF file carries.
public final class LoadedModel: Sendable {
    public let path: String
    public let model: LlamaModel
    public let tokenizer: any Tokenizer

    /// Loads a GGUF file: checks the architecture, binds the weights in place, builds the tokenizer.
    public init(path: String) throws(EngineError) {
        self.path = path
        let gguf: GGUFFile
        do { gguf = try GGUFFile(path: path) } catch { throw .format(error) }
        let arch: String
        do { arch = try gguf.string("general.architecture") } catch { throw .format(error) }
        guard ["llama", "mistral"].contains(arch) else {
            throw .unsupportedArchitecture(path: path, architecture: arch)
        }
        do { model = try LlamaModel(gguf: gguf) } catch { throw .format(error) }
        tokenizer = try Self.tokenizer(from: gguf)
        guard tokenizer.vocabularySize <= model.config.vocabularySize else {
            throw .tokenizer(path: path, message: "the vocabulary has \(tokenizer.vocabularySize) tokens but the model only \(model.config.vocabularySize) rows of embeddings. The file is inconsistent: re-convert it.")
        }
    }

    /// The tokenizer of a GGUF file (a full model or a vocabulary-only file).
    public static func tokenizer(from gguf: GGUFFile) throws(EngineError) -> any Tokenizer {
        do {
            return try makeTokenizer(GGUFVocabulary(gguf: gguf))
        } catch let e as FormatError {
            throw .format(e)
        } catch {
            throw .tokenizer(path: gguf.path, message: String(describing: error))
        }
    }

    public var config: LlamaConfig { model.config }

    /// Tokenizes a raw prompt (special-token text becomes special tokens, as in llama.cpp), with BOS
    /// when `addBos` is nil and the model asks for it.
    public func tokenize(_ text: String, addBos: Bool? = nil) throws(EngineError) -> [Int] {
        do {
            return try tokenizer.encode(text, addBos: addBos ?? tokenizer.addsBosByDefault, parseSpecial: true)
        } catch {
            throw .tokenizer(path: path, message: String(describing: error))
        }
    }
}

extension LoadedModel {
    /// Just the tokenizer of a GGUF file (works for vocabulary-only files too).
    public static func tokenizerOnly(path: String) throws(EngineError) -> any Tokenizer {
        let gguf: GGUFFile
        do { gguf = try GGUFFile(path: path) } catch { throw .format(error) }
        return try tokenizer(from: gguf)
    }
}
