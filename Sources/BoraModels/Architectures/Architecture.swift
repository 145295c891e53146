import BoraFormats
import Foundation

/// One model family: the names it is known by in GGUF (`general.architecture`) and Hugging Face
/// (`model_type`, `architectures`), its tensor names, its traits, and how its configuration keys beyond the
/// common ones are read. Each family is one file in this folder and one line of `ArchitectureRegistry.all`.
public struct Architecture: Sendable {
    /// The registry's name for it (what `inspect` and the store print).
    public let name: String
    /// The models it covers, for error messages and docs.
    public let models: String
    /// `general.architecture` values it reads; the first is what `convert` writes.
    public let ggufNames: [String]
    /// Hugging Face `model_type` values it reads (for a vision-language checkpoint, of the text model
    /// or of the whole checkpoint).
    public let huggingFaceModelTypes: [String]
    /// Hugging Face `architectures` classes it reads.
    public let huggingFaceClasses: [String]
    public let traits: DecoderTraits
    public let tensorNames: TensorNames
    /// How GGUF files of the family pair RoPE dimensions: llama.cpp's `LLAMA_ROPE_TYPE_NORM` families
    /// (Llama, Mistral 3) have Q/K permuted to adjacent pairs by its converter; `NEOX` ones (Qwen, Gemma)
    /// keep Hugging Face's halves.
    public let ggufRopeStyle: RopeStyle
    /// Reads the family's own GGUF keys (`{arch}.*`, beyond the common ones) into the configuration.
    let readGGUF: @Sendable (inout DecoderConfig, GGUFFile, String) throws(FormatError) -> Void
    /// Reads the family's own config.json keys (the text model's object) into the configuration.
    let readHuggingFace: @Sendable (inout DecoderConfig, Data, String) throws(FormatError) -> Void

    init(name: String, models: String, ggufNames: [String], huggingFaceModelTypes: [String], huggingFaceClasses: [String],
         ggufRopeStyle: RopeStyle = .adjacentPairs, traits: DecoderTraits = .llama,
         tensorNames: TensorNames = .llama,
         readGGUF: @escaping @Sendable (inout DecoderConfig, GGUFFile, String) throws(FormatError) -> Void = { _, _, _ in },
         readHuggingFace: @escaping @Sendable (inout DecoderConfig, Data, String) throws(FormatError) -> Void = { _, _, _ in }) {
        self.name = name
        self.models = models
        self.ggufNames = ggufNames
        self.huggingFaceModelTypes = huggingFaceModelTypes
        self.huggingFaceClasses = huggingFaceClasses
        self.traits = traits
        self.tensorNames = tensorNames
        self.ggufRopeStyle = ggufRopeStyle
        self.readGGUF = readGGUF
        self.readHuggingFace = readHuggingFace
    }

    /// What `convert` writes as `general.architecture`.
    public var ggufName: String { ggufNames.first ?? name }
}
