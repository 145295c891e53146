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

    /// The C quantizer (`.best`) writes the Swift reference's bytes for finite inputs: random blocks, an
    /// all-zero block, and values that land exactly halfway between two quants (ties round away from zero).
    @Test(arguments: [GGMLType.q8_0, .q4_1])
    func nativeQuantizerMatchesSwift(_ weightType: GGMLType) {
        var rng = SeededRandom(seed: 21)
        var x = TestData.randomActivations(count: 32 * 40, rng: &rng)
        for j in 64..<96 { x[j] = 0 }
        // amax 127 gives d = 1 and id = 1: these quantize exactly at .5 steps.
        x[128] = 127
        for j in 129..<160 { x[j] = Float(j - 144) + 0.5 }
        x[160] = -12.7
        for j in 161..<192 { x[j] = Float(j % 7) * 0.05 - 0.15 }
        let bytes = Quant.activationBytes(for: weightType, count: x.count)
        var fast = [UInt8](repeating: 0, count: bytes), slow = fast
        x.withUnsafeBufferPointer { xp in
            fast.withUnsafeMutableBytes { Quant.quantizeActivations(xp.baseAddress!, count: x.count, for: weightType, into: $0.baseAddress!, path: .best) }
            slow.withUnsafeMutableBytes { Quant.quantizeActivations(xp.baseAddress!, count: x.count, for: weightType, into: $0.baseAddress!, path: .swift) }
        }
        let bad = fast.indices.filter { fast[$0] != slow[$0] }
        #expect(bad.isEmpty, "\(bad.count) differing bytes, first at \(bad.first ?? -1)")
    }

    /// Non-finite activations do not crash either quantizer: NaN quantizes to 0, infinity leaves its block's
    /// other quants at 0.
    @Test(arguments: KernelPath.allCases)
    func nonFiniteActivationsQuantize(_ path: KernelPath) {
        var x = [Float](repeating: 0.25, count: 64)
        x[3] = .nan
        x[40] = .infinity
        var q = [UInt8](repeating: 0x55, count: Quant.activationBytes(for: .q8_0, count: 64))
        x.withUnsafeBufferPointer { xp in
            q.withUnsafeMutableBytes { Quant.quantizeActivations(xp.baseAddress!, count: 64, for: .q8_0, into: $0.baseAddress!, path: path) }
        }
        #expect(q[2 + 3] == 0, "NaN")
        #expect((34 + 2..<68).filter { $0 != 34 + 2 + 8 }.allSatisfy { q[$0] == 0 }, "the infinite value's block")
    }

    @Test func f32ActivationsAreCopied() {
        let x: [Float] = [1, -2.5, 3e-8, .infinity]
        let q = TestData.quantizedActivations(x, for: .f16)
        let back = q.withUnsafeBytes { p in (0..<4).map { p.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) } }
        #expect(back == x)
    }
}
