import BoraKernels
import Testing

/// The repacked-layout kernels (`RepackedRows`: Q4_0, Q4_1, Q5_0, Q8_0 and Q4_K 16 rows at a time, `bora_gemm_x16` in C) against the scalar
/// reference on the plain rows, over row counts that leave a tail outside the 16-row groups, row ranges that
/// start and end inside a group, token counts around the tile of 4, and a padded activation stride; plus the
/// layout itself: gathering a row back gives the original bytes, and dequantizing it the same floats.
@Suite struct RepackedRowsTests {
    static let types: [GGMLType] = TestData.weightTypes.filter { RepackedRows.supports($0) }
    static let rows = 43
    static let rowRanges = [0..<43, 3..<37, 16..<32, 30..<43, 5..<6, 0..<16, 14..<18]
    static let tokenCounts = [1, 2, 3, 4, 5, 9]

    struct Case {
        let type: GGMLType, cols: Int
        let weights: [UInt8]
        let packed: RepackedRows

        init?(_ type: GGMLType, cols: Int, seed: UInt64) {
            var rng = SeededRandom(seed: seed)
            self.type = type
            self.cols = cols
            weights = TestData.randomWeights(type, rows: RepackedRowsTests.rows, cols: cols, rng: &rng)
            guard let packed = weights.withUnsafeBytes({ src in
                src.baseAddress.flatMap { RepackedRows(repacking: $0, type: type, rows: RepackedRowsTests.rows, cols: cols) }
            }) else { return nil }
            self.packed = packed
        }
    }

    @Test(arguments: types)
    func gatheredRowsAreTheOriginalBytes(_ type: GGMLType) throws {
        let cols = 3 * type.blockSize
        let c = try #require(Case(type, cols: cols, seed: 7))
        let rowBytes = type.byteCount(elements: cols)!
        for r in 0..<Self.rows {
            var row = [UInt8](repeating: 0, count: rowBytes)
            row.withUnsafeMutableBytes { c.packed.gatherRow(r, into: $0.baseAddress!) }
            #expect(row == Array(c.weights[r * rowBytes..<(r + 1) * rowBytes]), "row \(r)")
            var got = [Float](repeating: .nan, count: cols)
            got.withUnsafeMutableBufferPointer { c.packed.dequantizeRow(r, into: $0.baseAddress!) }
            let want = TestData.dequantized(type, Array(c.weights[r * rowBytes..<(r + 1) * rowBytes]), count: cols)
            #expect(got == want, "row \(r) dequantized")
        }
    }

    /// Blocks per row: 1, 3 and 18 (576 columns of a 32-element format).
    @Test(arguments: types, [1, 3, 18])
    func kernelMatchesReference(_ type: GGMLType, _ blocks: Int) throws {
        let cols = blocks * type.blockSize
        let c = try #require(Case(type, cols: cols, seed: UInt64(cols)))
        var rng = SeededRandom(seed: 99)
        let bytes = Quant.activationBytes(for: type, count: cols), xStride = bytes + 24
        for tokens in Self.tokenCounts {
            var xq = [UInt8](repeating: 0x5A, count: tokens * xStride)
            for t in 0..<tokens {
                let q = TestData.quantizedActivations(TestData.randomActivations(count: cols, rng: &rng), for: type)
                xq.replaceSubrange(t * xStride..<t * xStride + bytes, with: q)
            }
            for range in Self.rowRanges {
                let stride = range.count + 3
                var fast = [Float](repeating: .nan, count: tokens * stride), slow = fast
                xq.withUnsafeBytes { x in
                    fast.withUnsafeMutableBufferPointer {
                        c.packed.matmul(rows: range, x: x.baseAddress!, xStride: xStride, tokens: tokens,
                                        y: $0.baseAddress!, yStride: stride, path: .best)
                    }
                    slow.withUnsafeMutableBufferPointer {
                        c.packed.matmulReference(rows: range, x: x.baseAddress!, xStride: xStride, tokens: tokens,
                                                 y: $0.baseAddress!, yStride: stride)
                    }
                }
                for t in 0..<tokens {
                    for i in 0..<range.count {
                        let a = fast[t * stride + i], b = slow[t * stride + i]
                        #expect(abs(a - b) <= 1e-4 * max(1, abs(b)),
                                "\(type) cols \(cols) tokens \(tokens) rows \(range): row \(range.lowerBound + i) token \(t): \(a) vs \(b)")
                    }
                }
            }
        }
    }
}
