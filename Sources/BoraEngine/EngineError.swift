import BoraFormats
import BoraModels

/// Errors of the engine layer; each message names the problem and what to do.
public enum EngineError: Error, CustomStringConvertible {
    case invalidParameter(String)
    case unsupportedArchitecture(path: String, architecture: String)
    case format(FormatError)
    case model(ModelError)
    case tokenizer(path: String, message: String)
    /// A pull that failed: what was fetched and what to do.
    case download(url: String, message: String)
    /// A grammar or JSON Schema for constrained decoding that cannot be used (or a dead end while decoding).
    case grammar(GrammarError)

    public var description: String {
        switch self {
        case let .invalidParameter(m): return m
        case let .unsupportedArchitecture(path, arch):
            return "'\(path)' is a '\(arch)' model, which Bora does not run. Supported GGUF architectures: \(ArchitectureRegistry.supportedGGUF) (families: \(ArchitectureRegistry.supported))."
        case let .format(e): return e.description
        case let .model(e): return e.description
        case let .tokenizer(path, message): return "'\(path)': tokenizer: \(message)"
        case let .download(url, message): return "pull \(url): \(message)"
        case let .grammar(e): return e.description
        }
    }
}
