import BoraFormats
import BoraKernels

/// A 2-D weight matrix that stays as stored (quantized or not) in the memory-mapped file: `rows` rows of
/// `cols` elements of `type`, row r at `data + r * rowBytes`. PyTorch's (out_features, in_features):
/// y = W x has `rows` outputs. A Q4_0, Q4_1, Q5_0, Q8_0, Q4_K or Q6_K matrix may also hold a `repacked` copy for the VNNI
/// kernels (WeightMatrix+Repack.swift), which `matvec` / `matmul` then use; `data` stays the GGUF layout.
public struct WeightMatrix: @unchecked Sendable {
    public let name: String
    public let type: GGMLType
    public let rows: Int
    public let cols: Int
    public let rowBytes: Int
    public let data: UnsafeRawPointer
    /// The rows in the layout of the repacked kernels, when made (see `init(_:_:rows:cols:repack:)`).
    public let repacked: RepackedRows?

    init(_ t: TensorRef, rows: Int, cols: Int, firstRow: Int = 0, repack: Bool = false) {
        name = t.name
        type = t.type
        self.rows = rows
        self.cols = cols
        rowBytes = t.type.byteCount(elements: cols) ?? 0
        data = t.data + firstRow * rowBytes
        repacked = repack ? Self.repack(type: type, data, rows: rows, cols: cols) : nil
    }

    /// An F32 matrix in memory the caller keeps alive (LoRA-merged weights).
    init(f32 data: UnsafeRawPointer, name: String, rows: Int, cols: Int) {
        self.name = name
        type = .f32
        self.rows = rows
        self.cols = cols
        rowBytes = cols * MemoryLayout<Float>.size
        self.data = data
        repacked = nil
    }

    /// A required matrix of shape (rows, cols). With `repack` (for matrices used in products, not the
    /// embedding lookup alone), a matrix of a repackable type (`RepackedRows.supports`) is repacked for the VNNI kernels where they run.
    init(_ store: TensorStore, _ name: String, rows: Int, cols: Int, repack: Bool = true) throws(FormatError) {
        let t = try store.require(name, shape: [cols, rows])
        try Self.checkRows(t, store: store, cols: cols)
        self.init(t, rows: rows, cols: cols, repack: repack)
    }

    static func checkRows(_ t: TensorRef, store: TensorStore, cols: Int) throws(FormatError) {
        guard cols % t.type.blockSize == 0 else {
            throw FormatError.badTensor(path: store.path, tensor: t.name, reason: "has rows of \(cols) elements, not a whole number of \(t.type) blocks")
        }
    }

    /// Dequantizes row r into dst[0..<cols].
    public func row(_ r: Int, into dst: UnsafeMutablePointer<Float>) {
        if let repacked {
            repacked.dequantizeRow(r, into: dst)
            return
        }
        Quant.dequantize(type, data + r * rowBytes, dst, count: cols)
    }
}

/// Reads a 1-D tensor (a norm weight) of any supported type into floats: small, so it is copied.
func loadVector(_ store: TensorStore, _ name: String, count: Int) throws(FormatError) -> [Float] {
    let t = try store.require(name, shape: [count])
    return [Float](unsafeUninitializedCapacity: count) { buf, n in
        if let base = buf.baseAddress { Quant.dequantize(t.type, t.data, base, count: count) }
        n = count
    }
}
