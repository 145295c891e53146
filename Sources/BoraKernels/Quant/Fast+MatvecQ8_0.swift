// Q8_0 weights x Q8_0 activations (the token embedding / output matrix of the test model).
//
// Per block: 32 weight quants sign-extended to Int16 lanes, times the once-per-call widened activation
// quants, pair-summed to 16 Int32 lanes, converted and accumulated with FMA by dW * dX; two blocks per
// iteration into two accumulators. Weight scales are converted 16 blocks at a time (see
// Fast+WidenedActivations.swift for why): 576 x 1536 went from 63 to 43 us per call.
// (Q4/Q5 keep per-block scale loads: with rows of 18 blocks the batching cost more than it saved there.)

extension Fast {
    /// Q8_0 x Q8_0.
    static func matvecQ8_0(_ w: UnsafeRawPointer, cols: Int, rows: Range<Int>, x: UnsafeRawPointer, y: UnsafeMutablePointer<Float>) {
        let nb = cols / 32, rowBytes = nb &* 34
        withWidenedActivations(x, blocks: nb, q8_1: false) { a in
            let sc = a.scales
            for r in rows {
                let row = w + r &* rowBytes
                var acc0 = SIMD16<Float>(), acc1 = acc0
                var start = 0
                while start < nb {
                    let n = Swift.min(16, nb &- start)
                    let chunk = row + start &* 34, xq = a.q + start &* 64
                    UnsafeMutableRawPointer(sc).storeBytes(of: a.halves(chunk, stride: 34, n: n) * a.d16(start), as: SIMD16<Float>.self)
                    var k = 0
                    while k &+ 2 <= n {
                        let o0 = k &* 34, o1 = o0 &+ 34
                        let p0 = pairSum(widen(chunk.loadUnaligned(fromByteOffset: o0 &+ 2, as: SIMD32<Int8>.self)) &* xq.loadUnaligned(fromByteOffset: k &* 64, as: SIMD32<Int16>.self))
                        let p1 = pairSum(widen(chunk.loadUnaligned(fromByteOffset: o1 &+ 2, as: SIMD32<Int8>.self)) &* xq.loadUnaligned(fromByteOffset: k &* 64 &+ 64, as: SIMD32<Int16>.self))
                        acc0.addProduct(toFloat(p0), SIMD16<Float>(repeating: sc[k]))
                        acc1.addProduct(toFloat(p1), SIMD16<Float>(repeating: sc[k &+ 1]))
                        k &+= 2
                    }
                    if k < n {
                        let o0 = k &* 34
                        let p0 = pairSum(widen(chunk.loadUnaligned(fromByteOffset: o0 &+ 2, as: SIMD32<Int8>.self)) &* xq.loadUnaligned(fromByteOffset: k &* 64, as: SIMD32<Int16>.self))
                        acc0.addProduct(toFloat(p0), SIMD16<Float>(repeating: sc[k]))
                    }
                    start &+= 16
                }
                y[r &- rows.lowerBound] = hsum(acc0 + acc1)
            }
        }
    }
}
