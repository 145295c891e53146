import BoraKernels
import Testing

/// Differential tests of the matrix-vector products (llama.cpp test-backend-ops style): the SIMD path against
/// the scalar reference, and the reference against a float dot product of dequantized operands.
@Suite struct MatvecTests {
    static let totalRows = 11
    static let rowRanges = [3..<11, 0..<1, 5..<7]

    static func shapes(_ type: GGMLType) -> [Int] {
        switch type.blockSize {
        case 1: return [1, 17, 64, 576, 1536]
        case 32: return [32, 96, 576, 1536]
        default: return [256, 768, 1536]
        }
    }

    /// One seeded problem: weights, float activations, their quantized form and dequantized views.
    struct Problem {
        let type: GGMLType, cols: Int
        let weights: [UInt8], x: [Float], xq: [UInt8]
        let w: [Float], xd: [Float]     // dequantized weights (row-major), dequantized activations
        /// Per row: sum over blocks of |m * s| (Q4_1/Q5_1 offset term, which the float dot sees rounded differently).
        let offsetMagnitude: [Double]

        init(_ type: GGMLType, cols: Int, seed: UInt64) {
            var rng = SeededRandom(seed: seed)
            self.type = type
            self.cols = cols
            weights = TestData.randomWeights(type, rows: MatvecTests.totalRows, cols: cols, rng: &rng)
            x = TestData.randomActivations(count: cols, rng: &rng)
            xq = TestData.quantizedActivations(x, for: type)
            w = TestData.dequantized(type, weights, count: MatvecTests.totalRows * cols)
            let act = Quant.activationType(for: type)
            xd = act == .f32 ? x : TestData.dequantized(act, xq, count: cols)
            var om = [Double](repeating: 0, count: MatvecTests.totalRows)
            let weights = self.weights, xq = self.xq
            if act == .q8_1 {
                let rowBytes = type.byteCount(elements: cols)!
                weights.withUnsafeBytes { wp in
                    xq.withUnsafeBytes { xp in
                        for r in 0..<MatvecTests.totalRows {
                            for b in 0..<cols / 32 {
                                let m = wp.loadUnaligned(fromByteOffset: r * rowBytes + b * type.blockBytes + 2, as: Float16.self)
                                let s = xp.loadUnaligned(fromByteOffset: b * 36 + 2, as: Float16.self)
                                om[r] += abs(Double(m) * Double(s))
                            }
                        }
                    }
                }
            }
            offsetMagnitude = om
        }

        func run(_ rows: Range<Int>, fast: Bool, path: KernelPath = .best) -> [Float] {
            var y = [Float](repeating: .nan, count: rows.count + 1)   // one guard element past the range
            weights.withUnsafeBytes { wp in
                xq.withUnsafeBytes { xp in
                    y.withUnsafeMutableBufferPointer { yp in
                        if fast {
                            Quant.matvec(type, weights: wp.baseAddress!, cols: cols, rows: rows, x: xp.baseAddress!, y: yp.baseAddress!, path: path)
                        } else {
                            Quant.matvecReference(type, weights: wp.baseAddress!, cols: cols, rows: rows, x: xp.baseAddress!, y: yp.baseAddress!)
                        }
                    }
                }
            }
            #expect(y[rows.count].isNaN, "wrote past the row range")
            return Array(y.prefix(rows.count))
        }

        /// sum_j |w[r, j] * v[j]|: the scale of the rounding errors of row r.
        func magnitude(_ r: Int, _ v: [Float]) -> Double {
            (0..<cols).reduce(0) { $0 + abs(Double(w[r * cols + $1]) * Double(v[$1])) }
        }

        func floatDot(_ r: Int, _ v: [Float]) -> Double {
            (0..<cols).reduce(0) { $0 + Double(w[r * cols + $1]) * Double(v[$1]) }
        }
    }

    /// Fast path vs scalar reference. Both compute the same integer block sums; only the order of the float
    /// accumulation differs. Tolerance: 2e-5 * (sum |w x_q| + sum |m s|) per row. Both kernel paths: the C
    /// VNNI kernels (where the CPU has VNNI, for the types they cover) and the Swift SIMD ones.
    @Test(arguments: TestData.weightTypes, KernelPath.allCases)
    func fastMatchesReference(_ type: GGMLType, _ path: KernelPath) {
        for (i, cols) in Self.shapes(type).enumerated() {
            let p = Problem(type, cols: cols, seed: 100 * UInt64(type.rawValue) + UInt64(i))
            for rows in Self.rowRanges {
                let fast = p.run(rows, fast: true, path: path), reference = p.run(rows, fast: false)
                for (k, r) in rows.enumerated() {
                    let tol = 2e-5 * (p.magnitude(r, p.xd) + p.offsetMagnitude[r]) + 1e-30
                    #expect(abs(Double(fast[k]) - Double(reference[k])) <= tol,
                            "\(type) \(path) cols \(cols) row \(r): fast \(fast[k]) reference \(reference[k]) tol \(tol)")
                }
            }
        }
    }

    /// Reference vs a Double dot product of dequantized weights and dequantized activations. Tolerance
    /// 1e-5 * sum |w x_q|, plus 2e-3 * sum |m s| for Q4_1/Q5_1, whose offset term uses the fp16-rounded
    /// s = fp16(d * sum q) instead of fp16(d) * sum q.
    @Test(arguments: TestData.weightTypes)
    func referenceMatchesDequantizedDot(_ type: GGMLType) {
        for (i, cols) in Self.shapes(type).enumerated() {
            let p = Problem(type, cols: cols, seed: 200 * UInt64(type.rawValue) + UInt64(i))
            let rows = 0..<Self.totalRows
            let y = p.run(rows, fast: false)
            for r in rows {
                let tol = 1e-5 * p.magnitude(r, p.xd) + 2e-3 * p.offsetMagnitude[r] + 1e-30
                #expect(abs(Double(y[r]) - p.floatDot(r, p.xd)) <= tol,
                        "\(type) cols \(cols) row \(r): \(y[r]) vs \(p.floatDot(r, p.xd)) tol \(tol)")
            }
        }
    }

    /// Reference vs the dot product with the original float activations: the difference is bounded by
    /// the activation quantization error, sum |w| |x - x_q| (plus the rounding terms above).
    @Test(arguments: TestData.weightTypes)
    func activationQuantizationErrorIsBounded(_ type: GGMLType) {
        let cols = Self.shapes(type).last!
        let p = Problem(type, cols: cols, seed: 300 * UInt64(type.rawValue))
        let y = p.run(0..<Self.totalRows, fast: true)
        for r in 0..<Self.totalRows {
            let quantError = (0..<cols).reduce(0.0) { $0 + abs(Double(p.w[r * cols + $1])) * abs(Double(p.x[$1] - p.xd[$1])) }
            let tol = quantError + 3e-5 * p.magnitude(r, p.x) + 2e-3 * p.offsetMagnitude[r] + 1e-30
            #expect(abs(Double(y[r]) - p.floatDot(r, p.x)) <= tol, "\(type) row \(r)")
        }
    }

    @Test(arguments: TestData.weightTypes)
    func emptyRowRangeWritesNothing(_ type: GGMLType) {
        let p = Problem(type, cols: Self.shapes(type)[0], seed: 1)
        _ = p.run(4..<4, fast: true)
    }
}
