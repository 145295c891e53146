/// The quantized-tensor kernel seam: dequantization, activation quantization and matrix-vector products on
/// GGUF block data, each fast path next to a scalar reference (the one place that picks between them).
///
/// Block layouts and arithmetic follow ggml (ggml-common.h, ggml-quants.c `dequantize_row_*`,
/// `quantize_row_q8_*_ref`, ggml-cpu `ggml_vec_dot_*_generic`). Everything works on raw pointers into
/// (possibly memory-mapped) GGUF data; nothing here allocates on the heap or retains a pointer.
///
/// Preconditions (checked, as they are programmer errors rather than input errors: callers validate tensor
/// shapes when binding weights): element counts are whole blocks of the type involved.
public enum Quant {
    /// Reference (scalar, simple, obviously right) dequantization of `count` elements
    /// (a multiple of `type.blockSize`) from GGUF bytes at `src` into `dst[0..<count]`.
    public static func dequantizeReference(
        _ type: GGMLType, _ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int
    ) {
        precondition(count >= 0 && count % type.blockSize == 0, "\(type): \(count) is not a whole number of blocks")
        let blocks = count / type.blockSize
        switch type {
        case .f32, .f16, .bf16: Reference.dequantizeFloat(type, src, dst, count: count)
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1:
            Reference.dequantizeLegacy(type, src, dst, blocks: blocks)
        case .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .q8_K:
            Reference.dequantizeK(type, src, dst, blocks: blocks)
        }
    }

    /// Fast dequantization; the results equal `dequantizeReference` bit for bit (same float operations,
    /// vectorized). Types without a SIMD path run the reference.
    public static func dequantize(
        _ type: GGMLType, _ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int
    ) {
        precondition(count >= 0 && count % type.blockSize == 0, "\(type): \(count) is not a whole number of blocks")
        switch type {
        case .f32: UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: count &* 4)
        case .f16: Fast.dequantizeF16(src, dst, count: count)
        case .bf16: Fast.dequantizeBF16(src, dst, count: count)
        case .q8_0: Fast.dequantizeQ8_0(src, dst, blocks: count / 32)
        case .q4_0: Fast.dequantizeQ4(src, dst, blocks: count / 32, hasMin: false)
        case .q4_1: Fast.dequantizeQ4(src, dst, blocks: count / 32, hasMin: true)
        default: dequantizeReference(type, src, dst, count: count)
        }
    }

    /// The activation format used for dot products with weights of `type` (ggml's `vec_dot_type`):
    /// `.q8_0` for q4_0/q5_0/q8_0, `.q8_1` for q4_1/q5_1, `.q8_K` for the K-quants, `.f32` for f32/f16/bf16.
    /// The activation formats themselves map to themselves.
    public static func activationType(for type: GGMLType) -> GGMLType {
        switch type {
        case .f32, .f16, .bf16: return .f32
        case .q4_0, .q5_0, .q8_0: return .q8_0
        case .q4_1, .q5_1, .q8_1: return .q8_1
        case .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .q8_K: return .q8_K
        }
    }

    /// Bytes needed to hold `count` activations (a multiple of the activation block size) in
    /// `activationType(for: type)`.
    public static func activationBytes(for type: GGMLType, count: Int) -> Int {
        let a = activationType(for: type)
        precondition(count >= 0 && count % a.blockSize == 0, "\(a): \(count) is not a whole number of blocks")
        return count / a.blockSize * a.blockBytes
    }

    /// Quantizes activations `x[0..<count]` into `dst` (`activationBytes(for:count:)` bytes) in
    /// `activationType(for: weightType)`, with ggml's reference rounding (`quantize_row_q8_0_ref`,
    /// `quantize_row_q8_1_ref` with s = d * sum(q), `quantize_row_q8_K_ref` with bsums). For f32 it copies.
    public static func quantizeActivations(
        _ x: UnsafePointer<Float>, count: Int, for weightType: GGMLType, into dst: UnsafeMutableRawPointer
    ) {
        quantizeActivations(x, count: count, for: weightType, into: dst, path: .best)
    }

    /// `quantizeActivations` on the chosen path (`.swift`: the Swift reference for Q8_0 / Q8_1).
    package static func quantizeActivations(
        _ x: UnsafePointer<Float>, count: Int, for weightType: GGMLType, into dst: UnsafeMutableRawPointer, path: KernelPath
    ) {
        let a = activationType(for: weightType)
        precondition(count >= 0 && count % a.blockSize == 0, "\(a): \(count) is not a whole number of blocks")
        switch a {
        case .q8_0: Activations.quantizeQ8_0(x, count: count, into: dst, path: path)
        case .q8_1: Activations.quantizeQ8_1(x, count: count, into: dst, path: path)
        case .q8_K: Activations.quantizeQ8_K(x, count: count, into: dst)
        default: dst.copyMemory(from: x, byteCount: count &* 4)
        }
    }

    /// `y[r - rows.lowerBound] = dot(weight row r, x)` for `r` in `rows`.
    ///
    /// `weights` points at row 0; each row holds `cols` elements of `type`
    /// (`type.byteCount(elements: cols)` bytes). `x` holds `cols` activations made by `quantizeActivations`.
    /// Synchronous, no heap allocation. C VNNI path for Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 and the K-quants where
    /// the CPU has it; Swift SIMD path for f32/f16/bf16, the legacy types, Q4_K and Q6_K; the reference for
    /// the other types.
    public static func matvec(
        _ type: GGMLType, weights: UnsafeRawPointer, cols: Int, rows: Range<Int>,
        x: UnsafeRawPointer, y: UnsafeMutablePointer<Float>
    ) {
        matvec(type, weights: weights, cols: cols, rows: rows, x: x, y: y, path: .best)
    }

    /// `matvec` on the chosen kernel path (`.best`: the C VNNI kernel for the types it covers, where the CPU
    /// has it, see Native.swift; `.swift`: the Swift kernels).
    package static func matvec(
        _ type: GGMLType, weights: UnsafeRawPointer, cols: Int, rows: Range<Int>,
        x: UnsafeRawPointer, y: UnsafeMutablePointer<Float>, path: KernelPath
    ) {
        checkMatvec(type, cols: cols)
        if let kind = Native.kind(type, path) {
            Native.gemm(kind, type, weights, cols: cols, rows: rows, x: x, xStride: 0, tokens: 1, y: y, yStride: 0)
            return
        }
        switch type {
        case .f32: Fast.matvecF32(weights, cols: cols, rows: rows, x: x, y: y)
        case .f16: Fast.matvecF16(weights, cols: cols, rows: rows, x: x, y: y)
        case .bf16: Fast.matvecBF16(weights, cols: cols, rows: rows, x: x, y: y)
        case .q8_0: Fast.matvecQ8_0(weights, cols: cols, rows: rows, x: x, y: y)
        case .q4_0: Fast.matvecQ4_0(weights, cols: cols, rows: rows, x: x, y: y)
        case .q4_1: Fast.matvecQ4_1(weights, cols: cols, rows: rows, x: x, y: y)
        case .q5_0: Fast.matvecQ5_0(weights, cols: cols, rows: rows, x: x, y: y)
        case .q5_1: Fast.matvecQ5_1(weights, cols: cols, rows: rows, x: x, y: y)
        case .q4_K: Fast.matvecQ4_K(weights, cols: cols, rows: rows, x: x, y: y)
        case .q6_K: Fast.matvecQ6_K(weights, cols: cols, rows: rows, x: x, y: y)
        default: matvecReference(type, weights: weights, cols: cols, rows: rows, x: x, y: y)
        }
    }

    /// Scalar reference of `matvec`: per-block integer dot products times scales, accumulated per row in
    /// block order (ggml's `ggml_vec_dot_*_generic`); f32/f16/bf16 rows accumulate in Double.
    public static func matvecReference(
        _ type: GGMLType, weights: UnsafeRawPointer, cols: Int, rows: Range<Int>,
        x: UnsafeRawPointer, y: UnsafeMutablePointer<Float>
    ) {
        checkMatvec(type, cols: cols)
        let rowBytes = cols / type.blockSize &* type.blockBytes
        for r in rows {
            let row = weights + r &* rowBytes
            let v: Float
            switch type {
            case .f32, .f16, .bf16: v = Reference.dotFloat(type, row, x, cols: cols)
            case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0: v = Reference.dotLegacy(type, row, x, blocks: cols / 32)
            default: v = Reference.dotK(type, row, x, blocks: cols / 256)
            }
            y[r &- rows.lowerBound] = v
        }
    }

    @inline(__always)
    static func checkMatvec(_ type: GGMLType, cols: Int) {
        precondition(type != .q8_1 && type != .q8_K, "\(type) is an activation format, not a weight type")
        precondition(cols >= 0 && cols % type.blockSize == 0, "\(type): \(cols) columns is not a whole number of blocks")
    }
}

/// Namespaces of the scalar references and the fast paths.
enum Reference {}
enum Fast {}
