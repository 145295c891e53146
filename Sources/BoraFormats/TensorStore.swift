import BoraKernels

/// One tensor's bytes in a mapped file. `shape` is in ggml order: shape[0] is the contiguous dimension
/// (columns), so a PyTorch (out, in) matrix has shape [in, out].
public struct TensorRef: @unchecked Sendable {
    public let name: String
    public let type: GGMLType
    public let shape: [Int]
    public let data: UnsafeRawPointer
    public let byteCount: Int

    public var elementCount: Int { shape.reduce(1, *) }
}

/// Where a model's tensors come from: a GGUF file, a safetensors file, or a sharded set of them.
/// Implementations keep their mappings alive as long as they live.
public protocol TensorStore: Sendable {
    /// The file or directory, for messages.
    var path: String { get }
    var tensorNames: [String] { get }
    func tensorRef(_ name: String) -> TensorRef?
}

extension TensorStore {
    /// A required tensor with a checked shape (ggml order).
    public func require(_ name: String, shape: [Int]) throws(FormatError) -> TensorRef {
        guard let t = tensorRef(name) else { throw FormatError.missingTensor(path: path, tensor: name) }
        guard t.shape == shape else { throw FormatError.tensorShape(path: path, tensor: name, expected: shape, actual: t.shape) }
        return t
    }

    public func contains(_ name: String) -> Bool { tensorRef(name) != nil }
}

extension GGUFFile: TensorStore {
    public var tensorNames: [String] { tensors.map(\.name) }

    public func tensorRef(_ name: String) -> TensorRef? {
        guard let t = tensor(named: name) else { return nil }
        return TensorRef(name: name, type: t.type, shape: t.shape, data: data(for: t), byteCount: t.byteCount)
    }
}
