import BoraFormats
import BoraKernels

/// A 2-D weight matrix that stays quantized in the memory-mapped file: `rows` rows of `cols` elements
/// of `type`, row r at `data + r * rowBytes`. PyTorch's (out_features, in_features): y = W x has `rows` outputs.
public struct WeightMatrix: @unchecked Sendable {
    public let name: String
    public let type: GGMLType
    public let rows: Int
    public let cols: Int
    public let rowBytes: Int
    public let data: UnsafeRawPointer

    init(gguf: GGUFFile, name: String, cols: Int, rows: Int) throws(FormatError) {
        let t = try gguf.tensor(name, shape: [cols, rows])
        self.name = name
        type = t.type
        self.rows = rows
        self.cols = cols
        rowBytes = t.rowBytes
        data = gguf.data(for: t)
    }

    /// Dequantizes row r into dst[0..<cols].
    public func row(_ r: Int, into dst: UnsafeMutablePointer<Float>) {
        Quant.dequantize(type, data + r * rowBytes, dst, count: cols)
    }
}

/// Reads a 1-D tensor (a norm weight) of any supported type into floats: small, so it is copied.
func loadVector(_ gguf: GGUFFile, _ name: String, count: Int) throws(FormatError) -> [Float] {
    let t = try gguf.tensor(name, shape: [count])
    let src = gguf.data(for: t)
    return [Float](unsafeUninitializedCapacity: count) { buf, n in
        if let base = buf.baseAddress { Quant.dequantize(t.type, src, base, count: count) }
        n = count
    }
}
