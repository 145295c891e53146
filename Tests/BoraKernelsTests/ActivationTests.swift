import BoraKernels
import Testing

@Suite struct ActivationTests {
    /// Q8_0 and Q8_1 bytes equal gguf-py's quantization of the same floats (Q8_1: gguf's Q8_0 d/qs plus
    /// s = fp16(d * sum(q)), written by the golden script).
    @Test(arguments: [(GGMLType.q8_0, GGMLType.q8_0), (.q4_1, .q8_1)])
    func matchesGGUFGolden(_ weightType: GGMLType, _ format: GGMLType) throws {
        let index = try Fixtures.index().activations
        let x = try Fixtures.floats(index.input)
        let expected = try Fixtures.bytes(format == .q8_0 ? index.Q8_0 : index.Q8_1)
        #expect(Quant.activationType(for: weightType) == format)
        let got = TestData.quantizedActivations(x, for: weightType)
        #expect(got.count == expected.count)
        let bad = (0..<min(got.count, expected.count)).filter { got[$0] != expected[$0] }
        #expect(bad.isEmpty, "\(bad.count) differing bytes, first at \(bad.first ?? -1)")
    }

    /// Q8_K (no gguf-py implementation): per element |x - d q| <= d / 2, the value of largest magnitude maps
    /// to -127 (iscale = -127 / max), bsums are the sums of 16 quants, zero blocks are all zero.
    @Test func q8KProperties() {
        var rng = SeededRandom(seed: 3)
        var x = TestData.randomActivations(count: 1024, rng: &rng)
        for j in 256..<512 { x[j] = 0 }
        let q = TestData.quantizedActivations(x, for: .q4_K)
        #expect(q.count == 4 * 292)
        q.withUnsafeBytes { p in
            for b in 0..<4 {
                let blk = p.baseAddress! + b * 292
                let d = blk.loadUnaligned(as: Float.self)
                let xs = x[b * 256..<(b + 1) * 256]
                let qs = (0..<256).map { Int32(blk.load(fromByteOffset: 4 + $0, as: Int8.self)) }
                if b == 1 {
                    #expect(d == 0 && qs.allSatisfy { $0 == 0 })
                    #expect((0..<16).allSatisfy { blk.loadUnaligned(fromByteOffset: 260 + 2 * $0, as: Int16.self) == 0 })
                    continue
                }
                let iMax = xs.indices.max { abs(xs[$0]) < abs(xs[$1]) }!
                #expect(qs[iMax - b * 256] == -127)
                for (k, v) in xs.enumerated() {
                    #expect(abs(v - d * Float(qs[k])) <= abs(d) * 0.5001)
                }
                for k in 0..<16 {
                    let s = blk.loadUnaligned(fromByteOffset: 260 + 2 * k, as: Int16.self)
                    #expect(Int32(s) == qs[k * 16..<k * 16 + 16].reduce(0, +))
                }
            }
        }
    }

    @Test func f32ActivationsAreCopied() {
        let x: [Float] = [1, -2.5, 3e-8, .infinity]
        let q = TestData.quantizedActivations(x, for: .f16)
        let back = q.withUnsafeBytes { p in (0..<4).map { p.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) } }
        #expect(back == x)
    }
}
