import BoraKernels

/// A `bora convert --type` choice: the types llama.cpp's convert_hf_to_gguf.py writes (`--outtype`).
/// Matrices get this type; 1-D tensors (norms) and the MoE router stay F32, as in llama.cpp's converter.
public enum ConvertTarget: String, CaseIterable, Sendable {
    case f32, f16, bf16, q8_0

    /// Parses a type name, ignoring case ("Q8_0" works).
    public init?(name: String) {
        guard let t = Self.allCases.first(where: { $0.rawValue == name.lowercased() }) else { return nil }
        self = t
    }

    /// The names `init(name:)` accepts, for error messages and help.
    public static var supportedNames: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The type of the quantizable matrices.
    public var tensorType: GGMLType {
        switch self {
        case .f32: return .f32
        case .f16: return .f16
        case .bf16: return .bf16
        case .q8_0: return .q8_0
        }
    }

    /// The same choice as a `bora quantize` target (for `general.file_type`).
    var quantizeTarget: QuantizeTarget {
        switch self {
        case .f32: return .f32
        case .f16: return .f16
        case .bf16: return .bf16
        case .q8_0: return .q8_0
        }
    }

    /// The type of one tensor: F32 for what llama.cpp never quantizes (1-D tensors, norms, the router),
    /// F16 for a Q8_0 matrix whose rows are not whole blocks (llama.cpp's converter falls back the same way).
    func type(of name: String, shape: [Int]) -> GGMLType {
        let t = QuantizationRecipe.Tensor(name: name, shape: shape, type: .f32)
        guard QuantizationRecipe.isQuantizable(t) else { return .f32 }
        return shape[0] % tensorType.blockSize == 0 ? tensorType : .f16
    }
}
