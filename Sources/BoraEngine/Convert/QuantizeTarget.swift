import BoraKernels

/// A `bora quantize --type` choice: llama.cpp's `llama_ftype` values that Bora writes. The `_M` types are
/// mixed-precision recipes (see `QuantizationRecipe`); the others put every quantizable tensor in one type.
public enum QuantizeTarget: String, CaseIterable, Sendable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16"
    case q8_0 = "Q8_0", q4_0 = "Q4_0", q4_1 = "Q4_1", q5_0 = "Q5_0", q5_1 = "Q5_1"
    case q4_K_M = "Q4_K_M", q5_K_M = "Q5_K_M", q6_K = "Q6_K"

    /// Parses a type name, ignoring case ("q4_k_m" works).
    public init?(name: String) {
        guard let t = Self.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else { return nil }
        self = t
    }

    /// The names `init(name:)` accepts, for error messages and help.
    public static var supportedNames: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The tensor type most weights get (llama.cpp `llama_model_quantize_impl`'s `default_type`).
    public var defaultType: GGMLType {
        switch self {
        case .f32: return .f32
        case .f16: return .f16
        case .bf16: return .bf16
        case .q8_0: return .q8_0
        case .q4_0: return .q4_0
        case .q4_1: return .q4_1
        case .q5_0: return .q5_0
        case .q5_1: return .q5_1
        case .q4_K_M: return .q4_K
        case .q5_K_M: return .q5_K
        case .q6_K: return .q6_K
        }
    }

    /// The `general.file_type` value (llama.h `enum llama_ftype`).
    public var fileType: UInt32 {
        switch self {
        case .f32: return 0
        case .f16: return 1
        case .q4_0: return 2
        case .q4_1: return 3
        case .q8_0: return 7
        case .q5_0: return 8
        case .q5_1: return 9
        case .q4_K_M: return 15
        case .q5_K_M: return 17
        case .q6_K: return 18
        case .bf16: return 32
        }
    }
}
