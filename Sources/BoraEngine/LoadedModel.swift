import BoraFormats
import BoraModels
import BoraTokenizers
import Foundation

/// A model ready to run: decoder weights and its tokenizer (from the GGUF file, or the tokenizer file
/// of a checkpoint directory; a directory without one can still score and generate from token ids).
public final class LoadedModel: Sendable {
    public let path: String
    public let model: DecoderModel
    /// The tokenizer and chat format, nil for a checkpoint without a tokenizer.
    public let tokenizerBundle: TokenizerBundle?
    public var tokenizer: (any Tokenizer)? { tokenizerBundle?.tokenizer }
    /// Every token id that ends a generation (EOS, end of turn), for `min_tokens`.
    public let endOfGenerationTokens: [Int]

    /// Loads a GGUF file or a checkpoint directory: checks the architecture, binds the weights in place,
    /// builds the tokenizer. `slidingWindow` overrides the model's window (0 removes it); `adapters` are
    /// LoRA adapters merged into the weights at load.
    public init(path: String, slidingWindow: Int? = nil, adapters: [ScaledAdapter] = []) throws(EngineError) {
        self.path = path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            do { model = try DecoderModel(path: path, slidingWindow: slidingWindow, adapters: adapters) } catch { throw .format(error) }
            let hasTokenizer = (try? tokenizerFile(inDirectory: path)) != nil
            tokenizerBundle = hasTokenizer ? try TokenizerBundle.load(path: path) : nil
        } else {
            let gguf: GGUFFile
            do { gguf = try GGUFFile(path: path) } catch { throw .format(error) }
            let arch: String
            do { arch = try gguf.string("general.architecture") } catch { throw .format(error) }
            guard ArchitectureRegistry.gguf(arch) != nil else {
                throw .unsupportedArchitecture(path: path, architecture: arch)
            }
            do { model = try DecoderModel(gguf: gguf, slidingWindow: slidingWindow, adapters: adapters) } catch { throw .format(error) }
            // A GGUF without tokenizer metadata can still run from token ids.
            tokenizerBundle = gguf.metadata["tokenizer.ggml.model"] == nil ? nil : try TokenizerBundle.fromGGUF(gguf)
        }
        let t = tokenizerBundle?.tokenizer
        endOfGenerationTokens = t.map { t in (0..<t.vocabularySize).filter(t.isEndOfGeneration) } ?? []
        if let tokenizer, tokenizer.vocabularySize > model.config.vocabularySize {
            throw .tokenizer(path: path, message: "the vocabulary has \(tokenizer.vocabularySize) tokens but the model only \(model.config.vocabularySize) rows of embeddings. The files do not belong together: use the tokenizer of this model.")
        }
    }

    /// The tokenizer, or an error saying that the checkpoint has none.
    public func requireTokenizer() throws(EngineError) -> any Tokenizer {
        try requireBundle().tokenizer
    }

    public func requireBundle() throws(EngineError) -> TokenizerBundle {
        guard let tokenizerBundle else {
            throw .tokenizer(path: path, message: "this model has no tokenizer (a GGUF file without tokenizer metadata, or a directory without tokenizer.model*, tekken.json or tokenizer.json). Add the model's tokenizer, or pass token ids (--prompt-tokens).")
        }
        return tokenizerBundle
    }

    public var config: DecoderConfig { model.config }

    /// Tokenizes a raw prompt (special-token text becomes special tokens, as in llama.cpp), with BOS
    /// when `addBos` is nil and the model asks for it.
    public func tokenize(_ text: String, addBos: Bool? = nil) throws(EngineError) -> [Int] {
        let tokenizer = try requireTokenizer()
        do {
            return try tokenizer.encode(text, addBos: addBos ?? tokenizer.addsBosByDefault, parseSpecial: true)
        } catch {
            throw .tokenizer(path: path, message: String(describing: error))
        }
    }
}
