extension Quant {
    /// Tokens per register tile of the matrix-matrix kernels.
    public static let matmulTile = 4

    /// `y[t * yStride + (r - rows.lowerBound)] = dot(weight row r, x_t)` for `r` in `rows`, `t < tokens`,
    /// where `x_t` (at `x + t * xStride`) holds `cols` activations made by `quantizeActivations`.
    ///
    /// The prefill GEMM. Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 and the K-quants on CPUs with AVX512-VNNI: integer block
    /// dot products on tiles of 4 rows x 4 tokens (Sources/BoraKernelsC, see Native.swift). Otherwise Q4_0,
    /// Q4_1 and Q8_0 decode each weight block to floats once and apply it to `matmulTile` tokens held in registers
    /// (Fast+Matmul.swift); other types, and a last single token, run the per-token `matvec`. The activations
    /// keep their 8-bit quantization (the same numbers as `matvec` and ggml), so the results equal `matvec`'s
    /// up to the order of float rounding. Synchronous; the per-tile activation scratch is stack memory.
    public static func matmul(
        _ type: GGMLType, weights: UnsafeRawPointer, cols: Int, rows: Range<Int>,
        x: UnsafeRawPointer, xStride: Int, tokens: Int, y: UnsafeMutablePointer<Float>, yStride: Int
    ) {
        matmul(type, weights: weights, cols: cols, rows: rows, x: x, xStride: xStride, tokens: tokens,
               y: y, yStride: yStride, path: .best)
    }

    /// `matmul` on the chosen kernel path (as for `matvec`).
    package static func matmul(
        _ type: GGMLType, weights: UnsafeRawPointer, cols: Int, rows: Range<Int>,
        x: UnsafeRawPointer, xStride: Int, tokens: Int, y: UnsafeMutablePointer<Float>, yStride: Int,
        path: KernelPath
    ) {
        checkMatvec(type, cols: cols)
        precondition(tokens >= 0, "negative token count \(tokens)")
        if let kind = Native.kind(type, path) {
            Native.gemm(kind, type, weights, cols: cols, rows: rows, x: x, xStride: xStride, tokens: tokens,
                        y: y, yStride: yStride)
            return
        }
        let tiled: Bool
        switch type {
        case .q4_0, .q4_1, .q8_0: tiled = true
        default: tiled = false
        }
        var t = 0
        if tiled {
            while tokens &- t >= 2 {
                let n = Swift.min(matmulTile, tokens &- t)
                Fast.matmulLegacy(type, weights, cols: cols, rows: rows, x: x + t &* xStride, xStride: xStride,
                                  tokens: n, y: y + t &* yStride, yStride: yStride)
                t &+= n
            }
        }
        while t < tokens {
            matvec(type, weights: weights, cols: cols, rows: rows, x: x + t &* xStride, y: y + t &* yStride, path: path)
            t &+= 1
        }
    }
}
