// Q8_0 weights x Q8_0 activations: per block 32 Int16 products, pair-summed to 16 Int32 lanes, converted and
// accumulated with FMA by dW * dX; two blocks per iteration into two accumulators.

extension Fast {
    static func matvecQ8_0(_ w: UnsafeRawPointer, cols: Int, rows: Range<Int>, x: UnsafeRawPointer, y: UnsafeMutablePointer<Float>) {
        let nb = cols / 32, rowBytes = nb &* 34
        withWidenedActivations(x, blocks: nb, q8_1: false) { xq, xd, _ in
            for r in rows {
                let row = w + r &* rowBytes
                var acc0 = SIMD16<Float>(), acc1 = acc0
                var b = 0
                while b &+ 2 <= nb {
                    let o0 = b &* 34, o1 = o0 &+ 34
                    let p0 = pairSum(widen(row.loadUnaligned(fromByteOffset: o0 &+ 2, as: SIMD32<Int8>.self))
                                     &* xq.loadUnaligned(fromByteOffset: b &* 64, as: SIMD32<Int16>.self))
                    let p1 = pairSum(widen(row.loadUnaligned(fromByteOffset: o1 &+ 2, as: SIMD32<Int8>.self))
                                     &* xq.loadUnaligned(fromByteOffset: b &* 64 &+ 64, as: SIMD32<Int16>.self))
                    acc0.addProduct(toFloat(p0), SIMD16<Float>(repeating: loadHalf(row, o0) * xd[b]))
                    acc1.addProduct(toFloat(p1), SIMD16<Float>(repeating: loadHalf(row, o1) * xd[b &+ 1]))
                    b &+= 2
                }
                if b < nb {
                    let o0 = b &* 34
                    let p0 = pairSum(widen(row.loadUnaligned(fromByteOffset: o0 &+ 2, as: SIMD32<Int8>.self))
                                     &* xq.loadUnaligned(fromByteOffset: b &* 64, as: SIMD32<Int16>.self))
                    acc0.addProduct(toFloat(p0), SIMD16<Float>(repeating: loadHalf(row, o0) * xd[b]))
                }
                y[r &- rows.lowerBound] = hsum(acc0 + acc1)
            }
        }
    }
}
