import BoraKernels
import Testing

/// The repacked Q4_0 and Q5_0 layouts (`RepackedRows`, C kernel `bora_gemm_x16`) against the plain scalar
/// reference of the same type: row counts below, at and past the 16-row groups (plain tail rows), row ranges that start and end
/// inside a group, 1 to 9 tokens, 1 to 3 threads splitting the rows at odd points.
///
/// Tolerance per output: 2e-5 * sum_j |w_rj x_tj| (as MatmulTests): the integer block sums are exact, only
/// the float rounding order differs. The repacked reference and the dequantized rows must match bit for bit.
@Suite struct RepackedQ4_0Q5_0Tests {
    static let types: [GGMLType] = [.q4_0, .q5_0]

    struct Problem {
        let type: GGMLType
        let rows: Int, cols: Int, tokens: Int
        let weights: [UInt8]
        let xq: [UInt8]
        let xStride: Int
        let w: [Float]
        let xd: [[Float]]
        let packed: RepackedRows

        init(_ type: GGMLType, rows: Int, cols: Int, tokens: Int, seed: UInt64) {
            var rng = SeededRandom(seed: seed)
            self.type = type
            self.rows = rows
            self.cols = cols
            self.tokens = tokens
            weights = TestData.randomWeights(type, rows: rows, cols: cols, rng: &rng)
            w = TestData.dequantized(type, weights, count: rows * cols)
            let bytes = Quant.activationBytes(for: type, count: cols)
            xStride = bytes + 24
            var xq = [UInt8](repeating: 0x5A, count: tokens * xStride)
            var xd: [[Float]] = []
            for t in 0..<tokens {
                let q = TestData.quantizedActivations(TestData.randomActivations(count: cols, rng: &rng), for: type)
                xq.replaceSubrange(t * xStride..<t * xStride + bytes, with: q)
                xd.append(TestData.dequantized(.q8_0, q, count: cols))
            }
            self.xq = xq
            self.xd = xd
            packed = weights.withUnsafeBytes { RepackedRows(repacking: $0.baseAddress!, type: type, rows: rows, cols: cols)! }
        }

        /// The repacked matmul over `range`, split into `threads` parts; y has stride range.count + 3.
        func gemm(_ range: Range<Int>, threads: Int, path: KernelPath) -> (y: [Float], stride: Int) {
            let yStride = range.count + 3
            var y = [Float](repeating: .nan, count: tokens * yStride)
            let pool = ThreadPool(threads: threads)
            xq.withUnsafeBytes { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    let x = xp.baseAddress!, out = yp.baseAddress!
                    pool.parallelFor(range.count, granularity: 3) { part in
                        packed.matmul(rows: range.lowerBound + part.lowerBound..<range.lowerBound + part.upperBound,
                                      x: x, xStride: xStride, tokens: tokens, y: out + part.lowerBound,
                                      yStride: yStride, path: path)
                    }
                }
            }
            return (y, yStride)
        }

        /// The plain-layout scalar reference for token t over all rows.
        func reference(token t: Int) -> [Float] {
            var y = [Float](repeating: .nan, count: rows)
            weights.withUnsafeBytes { wp in
                xq.withUnsafeBytes { xp in
                    y.withUnsafeMutableBufferPointer { yp in
                        Quant.matvecReference(type, weights: wp.baseAddress!, cols: cols, rows: 0..<rows,
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

    static let rowCounts = [5, 15, 16, 21, 32, 40]

    static func ranges(_ rows: Int) -> [Range<Int>] {
        [0..<rows, 3..<rows - 1, rows / 2..<rows / 2 + 1, rows - 2..<rows]
    }

    @Test(arguments: types, KernelPath.allCases)
    func matchesPlainReference(_ type: GGMLType, _ path: KernelPath) {
        for (i, cols) in [32, 96, 576].enumerated() {
            for rows in Self.rowCounts {
                for tokens in [1, 2, 3, 4, 5, 9] {
                    let p = Problem(type, rows: rows, cols: cols, tokens: tokens, seed: 7000 + 100 * UInt64(i) + 10 * UInt64(rows) + UInt64(tokens))
                    let refs = (0..<tokens).map { p.reference(token: $0) }
                    for range in Self.ranges(rows) {
                        for threads in [1, 2, 3] {
                            let (y, stride) = p.gemm(range, threads: threads, path: path)
                            for t in 0..<tokens {
                                for (k, r) in range.enumerated() {
                                    let got = y[t * stride + k], want = refs[t][r]
                                    let tol = path == .swift ? 0 : 2e-5 * p.magnitude(r, t) + 1e-30
                                    #expect(abs(Double(got) - Double(want)) <= tol,
                                            "\(type) \(path) cols \(cols) rows \(rows) tokens \(tokens) range \(range) threads \(threads) t \(t) r \(r): \(got) vs \(want)")
                                }
                                for k in range.count..<stride {
                                    #expect(y[t * stride + k].isNaN, "wrote outside the rows at t \(t)")
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Test(arguments: types, rowCounts)
    func rowsDequantizeAsPlain(_ type: GGMLType, _ rows: Int) {
        let p = Problem(type, rows: rows, cols: 96, tokens: 1, seed: UInt64(rows))
        #expect(p.packed.byteCount == p.weights.count)
        var row = [Float](repeating: .nan, count: 96)
        for r in 0..<rows {
            row.withUnsafeMutableBufferPointer { p.packed.dequantizeRow(r, into: $0.baseAddress!) }
            #expect(row == Array(p.w[r * 96..<(r + 1) * 96]), "\(type) row \(r) of \(rows)")
        }
    }

    @Test(arguments: types)
    func emptyRangeOrNoTokensWriteNothing(_ type: GGMLType) {
        let p = Problem(type, rows: 16, cols: 64, tokens: 2, seed: 3)
        #expect(p.gemm(4..<4, threads: 1, path: .best).y.allSatisfy { $0.isNaN })
        var out: [Float] = [.nan]
        p.xq.withUnsafeBytes { xp in
            out.withUnsafeMutableBufferPointer {
                p.packed.matmul(rows: 0..<9, x: xp.baseAddress!, xStride: p.xStride, tokens: 0, y: $0.baseAddress!, yStride: 9)
            }
        }
        #expect(out[0].isNaN)
    }
}
