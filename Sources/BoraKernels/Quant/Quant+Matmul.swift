extension Quant {
    /// Tokens per register tile of the matrix-matrix kernels.
    public static let matmulTile = 4

    /// `y[t * yStride + (r - rows.lowerBound)] = dot(weight row r, x_t)` for `r` in `rows`, `t < tokens`,
    /// where `x_t` (at `x + t * xStride`) holds `cols` activations made by `quantizeActivations`.
    ///
    /// The prefill GEMM: for Q4_0, Q4_1 and Q8_0 each weight block is decoded to floats once and applied to
    /// `matmulTile` tokens held in registers (Fast+Matmul.swift); other types, and a last single token, run
    /// the per-token `matvec`. The activations keep their 8-bit quantization (the same numbers as `matvec`
    /// and ggml), so the results equal `matvec`'s up to the order of float rounding. Synchronous; the per-tile
    /// activation scratch is stack memory.
    public static func matmul(
        _ type: GGMLType, weights: UnsafeRawPointer, cols: Int, rows: Range<Int>,
        x: UnsafeRawPointer, xStride: Int, tokens: Int, y: UnsafeMutablePointer<Float>, yStride: Int
    ) {
        checkMatvec(type, cols: cols)
        precondition(tokens >= 0, "negative token count \(tokens)")
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
            matvec(type, weights: weights, cols: cols, rows: rows, x: x + t &* xStride, y: y + t &* yStride)
            t &+= 1
        }
    }
}
