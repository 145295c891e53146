import BoraKernels

/// One tensor of a GGUF file. `shape` is in ggml order: shape[0] is the number of columns (contiguous
/// elements of a row), shape[1] the number of rows, and so on.
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    public let shape: [Int]
    public let type: GGMLType
    /// Offset of the data from the start of the file (already checked to lie inside it).
    public let fileOffset: Int
    public let byteCount: Int

    public var elementCount: Int { shape.reduce(1, *) }
    public var columns: Int { shape.first ?? 1 }
    /// Product of all dimensions but the first.
    public var rows: Int { shape.dropFirst().reduce(1, *) }
    public var rowBytes: Int { byteCount / max(rows, 1) }
}
