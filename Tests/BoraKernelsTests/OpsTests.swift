import BoraKernels
import Foundation
import Testing

/// The vectorized softmax and exp against their scalar references (libm `expf`).
@Suite struct OpsTests {
    @Test func expMatchesLibm() {
        var worst: Float = 0
        for k in 0..<20_000 {
            let x = Float(k) / 20_000 * 175 - 87
            let got = Ops.exp(SIMD16<Float>(repeating: x))[3]
            worst = max(worst, abs(got - expf(x)) / expf(x))
        }
        #expect(worst <= 5e-7, "relative error \(worst)")
        #expect(Ops.exp(SIMD16<Float>(repeating: -100))[0] == 0)
        #expect(Ops.exp(SIMD16<Float>(repeating: -1e9))[0] == 0)
        #expect(Ops.exp(SIMD16<Float>(repeating: 0))[0] == 1)
        #expect(Ops.exp(SIMD16<Float>(repeating: 1e9))[0] == Ops.exp(SIMD16<Float>(repeating: 88))[0])
    }

    /// Odd lengths (vector body plus scalar tail), a wide spread of scores (entries that underflow to 0),
    /// and one dominant entry. Tolerance 1e-6 absolute plus 2e-6 relative per output.
    @Test(arguments: [1, 5, 16, 17, 33, 100, 2049])
    func softmaxMatchesReference(_ n: Int) {
        var rng = SeededRandom(seed: UInt64(n))
        for spread in [Float(1), 30, 200] {
            let x = (0..<n).map { _ in (Float(rng.next() % 20_001) / 10_000 - 1) * spread }
            var fast = x, reference = x
            fast.withUnsafeMutableBufferPointer { Ops.softmax($0.baseAddress!, n) }
            reference.withUnsafeMutableBufferPointer { OpsReference.softmax($0.baseAddress!, n) }
            for i in 0..<n {
                #expect(abs(fast[i] - reference[i]) <= 1e-6 + 2e-6 * reference[i],
                        "n \(n) spread \(spread) i \(i): \(fast[i]) vs \(reference[i])")
            }
            #expect(abs(fast.reduce(0, +) - 1) <= 1e-5)
        }
    }

    @Test(arguments: [1, 15, 16, 17, 1536])
    func swigluMatchesReference(_ n: Int) {
        var rng = SeededRandom(seed: 7 + UInt64(n))
        let g = (0..<n).map { _ in rng.float(-100...100) }, u = (0..<n).map { _ in rng.float(-3...3) }
        var fast = g, reference = g
        fast.withUnsafeMutableBufferPointer { Ops.swiglu($0.baseAddress!, u, n) }
        reference.withUnsafeMutableBufferPointer { OpsReference.swiglu($0.baseAddress!, u, n) }
        for i in 0..<n {
            #expect(abs(fast[i] - reference[i]) <= 1e-6 * (1 + abs(reference[i])), "i \(i): \(fast[i]) vs \(reference[i])")
        }
    }

    @Test(arguments: [1, 15, 16, 17, 2048])
    func gegluMatchesReference(_ n: Int) {
        var rng = SeededRandom(seed: 11 + UInt64(n))
        let g = (0..<n).map { i in i % 7 == 0 ? rng.float(-30...30) : rng.float(-4...4) }, u = (0..<n).map { _ in rng.float(-3...3) }
        var fast = g, reference = g
        fast.withUnsafeMutableBufferPointer { Ops.geglu($0.baseAddress!, u, n) }
        reference.withUnsafeMutableBufferPointer { OpsReference.geglu($0.baseAddress!, u, n) }
        for i in 0..<n {
            #expect(abs(fast[i] - reference[i]) <= 2e-6 * (1 + abs(reference[i])), "i \(i): \(fast[i]) vs \(reference[i])")
        }
    }
}
