/// The one list of model families Bora runs. Loading, `convert`, `quantize`, the store's manifest,
/// `inspect` and error messages ask it; nothing else keeps a list.
public enum ArchitectureRegistry {
    public static let all: [Architecture] = [
        .llama, .qwen2, .qwen3, .qwen3MoE, .gemma3, .mistral3, .mistral4,
    ]

    /// The family of a GGUF `general.architecture`.
    public static func gguf(_ name: String) -> Architecture? {
        all.first { $0.ggufNames.contains(name) }
    }

    /// The family of a Hugging Face config: by the (text) model's `model_type` first (a vision-language
    /// wrapper such as Mistral3ForConditionalGeneration holds text models of several families), then by the
    /// `architectures` class.
    public static func huggingFace(modelType: String?, classes: [String]) -> Architecture? {
        if let modelType, let a = all.first(where: { $0.huggingFaceModelTypes.contains(modelType) }) { return a }
        for c in classes {
            if let a = all.first(where: { $0.huggingFaceClasses.contains(c) }) { return a }
        }
        return nil
    }

    /// The registry's family of that name.
    public static func named(_ name: String) -> Architecture? {
        all.first { $0.name == name }
    }

    /// "llama (Llama, Mistral, ...), qwen2 (...), ..." for error messages.
    public static var supported: String {
        all.map { "\($0.name) (\($0.models))" }.joined(separator: "; ")
    }

    /// The GGUF architecture names, for messages about GGUF files.
    public static var supportedGGUF: String {
        all.flatMap(\.ggufNames).joined(separator: ", ")
    }
}
