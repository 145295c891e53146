import BoraKernels

/// Errors of `bora quantize` and `bora convert`; each says what to do.
public enum ConversionError: Error, CustomStringConvertible, Equatable {
    case unknownType(String)
    case shapeNotAllowed(tensor: String, columns: Int, type: GGMLType, target: QuantizeTarget)
    case badTensorName(tensor: String, reason: String)
    case outputExists(path: String)
    case sameFile(path: String)
    case unknownConvertType(String)
    case notACheckpoint(path: String, reason: String)
    case unsupportedCheckpoint(path: String, reason: String)
    case unsupportedTokenizer(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unknownType(name):
            return "unknown quantization type '\(name)'; supported: \(QuantizeTarget.supportedNames)."
        case let .shapeNotAllowed(tensor, columns, type, target):
            return "cannot quantize to \(target.rawValue): tensor '\(tensor)' has rows of \(columns) values, not a multiple of the \(type) block size \(type.blockSize). Choose another type (F16, BF16, F32, or a K type, which falls back for such tensors)."
        case let .badTensorName(tensor, reason):
            return "tensor '\(tensor)': \(reason). The file does not follow llama.cpp's tensor naming; re-convert it."
        case let .outputExists(path):
            return "'\(path)' already exists; pass --force to overwrite it, or choose another output path."
        case let .sameFile(path):
            return "the output '\(path)' is the input file; write to another path."
        case let .unknownConvertType(name):
            return "unknown --type '\(name)' for convert; supported: \(ConvertTarget.supportedNames). For other types, convert to f16 or f32 and then run `bora quantize`."
        case let .notACheckpoint(path, reason):
            return "'\(path)' is not a checkpoint directory Bora converts: \(reason). Pass a directory with config.json and *.safetensors (Hugging Face) or params.json and consolidated.safetensors (Mistral)."
        case let .unsupportedCheckpoint(path, reason):
            return "cannot convert '\(path)': \(reason)."
        case let .unsupportedTokenizer(path, reason):
            return "cannot convert the tokenizer '\(path)': \(reason)."
        }
    }
}
