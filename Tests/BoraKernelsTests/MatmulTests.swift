import BoraKernels
import Testing

/// The prefill GEMM `Quant.matmul` against the scalar reference run once per token (`matvecReference`),
/// for every weight type (tiled: Q4_0, Q4_1, Q8_0; the others go through `matvec`), token counts that are
/// and are not multiples of the tile, row ranges of odd lengths, padded strides, 1 and 2 threads.
///
/// Tolerance per output: 2e-5 * (sum_j |w_rj x_tj| + sum_b |m_rb s_tb|), as for the matvec: the integer
/// block sums are exact in both, only the float rounding (order, and GEMM's q*d products) differs.
@Suite struct MatmulTests {
    static let totalRows = 13
    static let tokenCounts = [1, 2, 3, 4, 5, 7, 9]
    static let rowRanges = [0..<13, 3..<10, 5..<6]

    struct Problem {
        let type: GGMLType, cols: Int, tokens: Int
        let weights: [UInt8]
        let xq: [UInt8]            // tokens rows of xStride bytes
        let xStride: Int
        let w: [Float]             // dequantized weights
        let xd: [[Float]]          // dequantized activations per token
        let offsets: [[Double]]    // [t][r]: sum_b |m s| (Q4_1/Q5_1)

        init(_ type: GGMLType, cols: Int, tokens: Int, seed: UInt64) {
            var rng = SeededRandom(seed: seed)
            self.type = type
            self.cols = cols
            self.tokens = tokens
            weights = TestData.randomWeights(type, rows: MatmulTests.totalRows, cols: cols, rng: &rng)
            w = TestData.dequantized(type, weights, count: MatmulTests.totalRows * cols)
            let act = Quant.activationType(for: type)
            let bytes = Quant.activationBytes(for: type, count: cols)
            xStride = bytes + 40   // padding between tokens
            var xq = [UInt8](repeating: 0x5A, count: tokens * xStride)
            var xd: [[Float]] = []
            var offsets: [[Double]] = []
            let rowBytes = type.byteCount(elements: cols)!
            for t in 0..<tokens {
                let x = TestData.randomActivations(count: cols, rng: &rng)
                let q = TestData.quantizedActivations(x, for: type)
                xq.replaceSubrange(t * xStride..<t * xStride + bytes, with: q)
                xd.append(act == .f32 ? x : TestData.dequantized(act, q, count: cols))
                var om = [Double](repeating: 0, count: MatmulTests.totalRows)
                if act == .q8_1 {
                    for r in 0..<MatmulTests.totalRows {
                        for b in 0..<cols / 32 {
                            let m = weights.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: r * rowBytes + b * type.blockBytes + 2, as: Float16.self) }
                            let s = q.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: b * 36 + 2, as: Float16.self) }
                            om[r] += abs(Double(m) * Double(s))
                        }
                    }
                }
                offsets.append(om)
            }
            self.xq = xq
            self.xd = xd
            self.offsets = offsets
        }

        /// Quant.matmul over `rows`, split into `threads` parts by a ThreadPool; y has stride rows.count + 3.
        func gemm(_ rows: Range<Int>, threads: Int, path: KernelPath = .best) -> (y: [Float], stride: Int) {
            let yStride = rows.count + 3
            var y = [Float](repeating: .nan, count: tokens * yStride)
            let pool = ThreadPool(threads: threads)
            weights.withUnsafeBytes { wp in
                xq.withUnsafeBytes { xp in
                    y.withUnsafeMutableBufferPointer { yp in
                        let w = wp.baseAddress!, x = xp.baseAddress!, out = yp.baseAddress!
                        pool.parallelFor(rows.count, granularity: 2) { part in
                            Quant.matmul(type, weights: w, cols: cols,
                                         rows: rows.lowerBound + part.lowerBound..<rows.lowerBound + part.upperBound,
                                         x: x, xStride: xStride, tokens: tokens, y: out + part.lowerBound, yStride: yStride,
                                         path: path)
                        }
                    }
                }
            }
            return (y, yStride)
        }

        func reference(_ rows: Range<Int>, token t: Int) -> [Float] {
            var y = [Float](repeating: .nan, count: rows.count)
            weights.withUnsafeBytes { wp in
                xq.withUnsafeBytes { xp in
                    y.withUnsafeMutableBufferPointer { yp in
                        Quant.matvecReference(type, weights: wp.baseAddress!, cols: cols, rows: rows,
                                              x: xp.baseAddress! + t * xStride, y: yp.baseAddress!)
                    }
                }
            }
            return y
        }

        func magnitude(_ r: Int, _ t: Int) -> Double {
            (0..<cols).reduce(0) { $0 + abs(Double(w[r * cols + $1]) * Double(xd[t][$1])) }
        }
    }

    static func shapes(_ type: GGMLType) -> [Int] {
        switch type.blockSize {
        case 1: return [17, 576]
        case 32: return [32, 96, 576]
        default: return [256, 768]
        }
    }

    @Test(arguments: TestData.weightTypes, KernelPath.allCases)
    func matchesPerTokenReference(_ type: GGMLType, _ path: KernelPath) {
        for (i, cols) in Self.shapes(type).enumerated() {
            for tokens in Self.tokenCounts {
                let p = Problem(type, cols: cols, tokens: tokens, seed: 1000 * UInt64(type.rawValue) + 10 * UInt64(i) + UInt64(tokens))
                for rows in Self.rowRanges {
                    for threads in [1, 2, 3] {
                        let (y, stride) = p.gemm(rows, threads: threads, path: path)
                        for t in 0..<tokens {
                            let ref = p.reference(rows, token: t)
                            for (k, r) in rows.enumerated() {
                                let got = y[t * stride + k]
                                let tol = 2e-5 * (p.magnitude(r, t) + p.offsets[t][r]) + 1e-30
                                #expect(abs(Double(got) - Double(ref[k])) <= tol,
                                        "\(type) \(path) cols \(cols) tokens \(tokens) rows \(rows) threads \(threads) t \(t) r \(r): \(got) vs \(ref[k]) tol \(tol)")
                            }
                            for k in rows.count..<stride {
                                #expect(y[t * stride + k].isNaN, "\(type): wrote outside the rows at t \(t)")
                            }
                        }
                    }
                }
            }
        }
    }

    @Test func zeroTokensOrRowsWriteNothing() {
        let p = Problem(.q4_1, cols: 64, tokens: 4, seed: 7)
        let (y, _) = p.gemm(4..<4, threads: 1)
        #expect(y.allSatisfy { $0.isNaN })
        var out: [Float] = [.nan]
        p.weights.withUnsafeBytes { wp in
            p.xq.withUnsafeBytes { xp in
                out.withUnsafeMutableBufferPointer {
                    Quant.matmul(.q4_1, weights: wp.baseAddress!, cols: 64, rows: 0..<5, x: xp.baseAddress!,
                                 xStride: p.xStride, tokens: 0, y: $0.baseAddress!, yStride: 5)
                }
            }
        }
        #expect(out[0].isNaN)
    }
}
