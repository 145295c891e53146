/// Weight quantization: f32 rows to GGUF block bytes, ports of ggml's reference quantizers
/// (ggml-quants.c `quantize_row_*_ref`, `ggml_fp32_to_fp16_row`, `ggml_fp32_to_bf16_row_ref`) with the same
/// float operations in the same order, so the bytes equal what `llama_model_quantize` writes without an
/// importance matrix (checked against goldens from scripts/make_quantize_goldens.py; the 32-element types
/// also equal gguf-py's `gguf.quants.quantize`).
///
/// Scalar references only: quantizing a model is a one-off job, parallel over rows (see `quantizeRows`).
public enum Quantize {
    /// Target types with a quantizer.
    public static let supportedTypes: [GGMLType] = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q4_K, .q5_K, .q6_K]

    /// Quantizes `count` floats at `src` (a multiple of `type.blockSize`) into
    /// `type.byteCount(elements: count)` bytes at `dst`.
    public static func quantizeReference(
        _ type: GGMLType, _ src: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, count: Int
    ) {
        precondition(supportedTypes.contains(type), "no quantizer for \(type)")
        precondition(count >= 0 && count % type.blockSize == 0, "\(type): \(count) is not a whole number of blocks")
        let blocks = count / type.blockSize
        switch type {
        case .f32: dst.copyMemory(from: src, byteCount: count &* 4)
        case .f16: for i in 0..<count { dst.storeBytes(of: fp16Bits(src[i]), toByteOffset: 2 * i, as: UInt16.self) }
        case .bf16: for i in 0..<count { dst.storeBytes(of: bf16Bits(src[i]), toByteOffset: 2 * i, as: UInt16.self) }
        case .q8_0: for b in 0..<blocks { QuantizeLegacy.q8_0(src + 32 * b, dst + 34 * b) }
        case .q4_0, .q5_0: for b in 0..<blocks { QuantizeLegacy.symmetric(type, src + 32 * b, dst + type.blockBytes * b) }
        case .q4_1, .q5_1: for b in 0..<blocks { QuantizeLegacy.withMin(type, src + 32 * b, dst + type.blockBytes * b) }
        case .q4_K, .q5_K: for b in 0..<blocks { QuantizeK.q45K(type, src + 256 * b, dst + type.blockBytes * b) }
        case .q6_K: for b in 0..<blocks { QuantizeK.q6K(src + 256 * b, dst + 210 * b) }
        default: break
        }
    }

    /// Quantizes `rows` rows of `cols` floats (row r at `src + r * cols`) into consecutive rows of
    /// `type.byteCount(elements: cols)` bytes, splitting the rows over `pool`'s threads.
    /// Each row is quantized independently, so the bytes do not depend on the thread count.
    public static func quantizeRows(
        _ type: GGMLType, _ src: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer,
        rows: Int, cols: Int, pool: ThreadPool? = nil
    ) {
        precondition(cols % type.blockSize == 0, "\(type): \(cols) columns is not a whole number of blocks")
        let rowBytes = cols / type.blockSize * type.blockBytes
        let body = { (range: Range<Int>) in
            for r in range { quantizeReference(type, src + r * cols, dst + r * rowBytes, count: cols) }
        }
        if let pool { pool.parallelFor(rows, body) } else { body(0..<rows) }
    }

    /// IEEE half bits of `x`, rounded to nearest even (ggml's `GGML_FP32_TO_FP16`).
    @inline(__always)
    static func fp16Bits(_ x: Float) -> UInt16 { Float16(x).bitPattern }

    /// bfloat16 bits of `x`, rounded to nearest even; NaNs stay quiet NaNs (ggml's `ggml_compute_fp32_to_bf16`).
    @inline(__always)
    static func bf16Bits(_ x: Float) -> UInt16 {
        let u = x.bitPattern
        if u & 0x7fff_ffff > 0x7f80_0000 { return UInt16(u >> 16) | 64 }
        return UInt16((u &+ (0x7fff &+ ((u >> 16) & 1))) >> 16)
    }

    /// ggml's `nearest_int`: round half to even through the float adder (valid for |x| <= 4194303).
    @inline(__always)
    static func nearestInt(_ x: Float) -> Int32 {
        let v = x + 12_582_912
        return Int32(bitPattern: v.bitPattern & 0x007f_ffff) &- 0x0040_0000
    }

    /// Float value of a half stored as bits (ggml's `GGML_FP16_TO_FP32`).
    @inline(__always)
    static func halfValue(_ bits: UInt16) -> Float { Float(Float16(bitPattern: bits)) }
}
