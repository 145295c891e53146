/// Errors reading model files. Each message names the file, the problem, and what to do.
public enum FormatError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    case notGGUF(path: String, magic: String)
    case unsupportedVersion(path: String, version: UInt32)
    case truncated(path: String, offset: Int, needed: Int, what: String)
    case invalid(path: String, what: String)
    case unknownValueType(path: String, key: String, type: UInt32)
    case unknownTensorType(path: String, tensor: String, type: UInt32)
    case badTensor(path: String, tensor: String, reason: String)
    case missingKey(path: String, key: String)
    case wrongKeyType(path: String, key: String, expected: String)
    case missingTensor(path: String, tensor: String)
    case tensorShape(path: String, tensor: String, expected: [Int], actual: [Int])

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "cannot open '\(path)': \(reason). Check the path and its permissions."
        case let .notGGUF(path, magic):
            return "'\(path)' is not a GGUF file (it starts with \(magic), GGUF files start with \"GGUF\"). Pass a .gguf model file, or convert the model to GGUF first."
        case let .unsupportedVersion(path, version):
            return "'\(path)' is GGUF version \(version); Bora reads versions 2 and 3. Re-convert the model with a current converter."
        case let .truncated(path, offset, needed, what):
            return "'\(path)' is truncated or corrupt: reading \(what) needs \(needed) bytes at offset \(offset), past the end of the file. Download or copy the file again."
        case let .invalid(path, what):
            return "'\(path)' is corrupt: \(what). Download or convert the file again."
        case let .unknownValueType(path, key, type):
            return "'\(path)' is corrupt: metadata key '\(key)' has unknown value type \(type). Download or convert the file again."
        case let .unknownTensorType(path, tensor, type):
            return "'\(path)': tensor '\(tensor)' has tensor type \(type), which Bora does not support (supported: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K). Use a file quantized to one of these."
        case let .badTensor(path, tensor, reason):
            return "'\(path)' is corrupt: tensor '\(tensor)' \(reason). Download or convert the file again."
        case let .missingKey(path, key):
            return "'\(path)' lacks the metadata key '\(key)', which this model needs. The file may come from an old or incomplete converter: re-convert it."
        case let .wrongKeyType(path, key, expected):
            return "'\(path)': metadata key '\(key)' should be \(expected). The file may be corrupt: re-convert it."
        case let .missingTensor(path, tensor):
            return "'\(path)' lacks the tensor '\(tensor)', which this model needs. The file may be incomplete or for another architecture."
        case let .tensorShape(path, tensor, expected, actual):
            return "'\(path)': tensor '\(tensor)' has shape \(actual), expected \(expected). The file does not match its own metadata: re-convert it."
        }
    }
}
