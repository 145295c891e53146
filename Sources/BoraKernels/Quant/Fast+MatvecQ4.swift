// Q4_0 x Q8_0 and Q4_1 x Q8_1. Nibbles are split on 16-bit lanes, multiplied by the once-per-call widened
// activations, pair-summed and accumulated with FMA. Q4_1's offset term m * s (ggml: x.m * y.s) is a scalar
// FMA per block on two separate accumulators.

extension Fast {
    static func matvecQ4_0(_ w: UnsafeRawPointer, cols: Int, rows: Range<Int>, x: UnsafeRawPointer, y: UnsafeMutablePointer<Float>) {
        let nb = cols / 32, rowBytes = nb &* 18
        let eight = SIMD32<Int16>(repeating: 8)
        withWidenedActivations(x, blocks: nb, q8_1: false) { a in
            let xq = a.q, xd = a.d
            for r in rows {
                let row = w + r &* rowBytes
                var acc0 = SIMD16<Float>(), acc1 = acc0
                var b = 0
                while b &+ 2 <= nb {
                    let o0 = b &* 18, o1 = o0 &+ 18
                    let q0 = nibbles(row.loadUnaligned(fromByteOffset: o0 &+ 2, as: SIMD16<UInt8>.self)) &- eight
                    let q1 = nibbles(row.loadUnaligned(fromByteOffset: o1 &+ 2, as: SIMD16<UInt8>.self)) &- eight
                    let p0 = pairSum(q0 &* xq.loadUnaligned(fromByteOffset: b &* 64, as: SIMD32<Int16>.self))
                    let p1 = pairSum(q1 &* xq.loadUnaligned(fromByteOffset: b &* 64 &+ 64, as: SIMD32<Int16>.self))
                    acc0.addProduct(toFloat(p0), SIMD16<Float>(repeating: loadHalf(row, o0) * xd[b]))
                    acc1.addProduct(toFloat(p1), SIMD16<Float>(repeating: loadHalf(row, o1) * xd[b &+ 1]))
                    b &+= 2
                }
                if b < nb {
                    let o0 = b &* 18
                    let q0 = nibbles(row.loadUnaligned(fromByteOffset: o0 &+ 2, as: SIMD16<UInt8>.self)) &- eight
                    let p0 = pairSum(q0 &* xq.loadUnaligned(fromByteOffset: b &* 64, as: SIMD32<Int16>.self))
                    acc0.addProduct(toFloat(p0), SIMD16<Float>(repeating: loadHalf(row, o0) * xd[b]))
                }
                y[r &- rows.lowerBound] = hsum(acc0 + acc1)
            }
        }
    }

    static func matvecQ4_1(_ w: UnsafeRawPointer, cols: Int, rows: Range<Int>, x: UnsafeRawPointer, y: UnsafeMutablePointer<Float>) {
        let nb = cols / 32, rowBytes = nb &* 20
        withWidenedActivations(x, blocks: nb, q8_1: true) { a in
            let xq = a.q, xd = a.d, xs = a.s
            for r in rows {
                let row = w + r &* rowBytes
                var acc0 = SIMD16<Float>(), acc1 = acc0
                var m0: Float = 0, m1: Float = 0
                var b = 0
                while b &+ 2 <= nb {
                    let o0 = b &* 20, o1 = o0 &+ 20
                    let q0 = nibbles(row.loadUnaligned(fromByteOffset: o0 &+ 4, as: SIMD16<UInt8>.self))
                    let q1 = nibbles(row.loadUnaligned(fromByteOffset: o1 &+ 4, as: SIMD16<UInt8>.self))
                    let p0 = pairSum(q0 &* xq.loadUnaligned(fromByteOffset: b &* 64, as: SIMD32<Int16>.self))
                    let p1 = pairSum(q1 &* xq.loadUnaligned(fromByteOffset: b &* 64 &+ 64, as: SIMD32<Int16>.self))
                    acc0.addProduct(toFloat(p0), SIMD16<Float>(repeating: loadHalf(row, o0) * xd[b]))
                    acc1.addProduct(toFloat(p1), SIMD16<Float>(repeating: loadHalf(row, o1) * xd[b &+ 1]))
                    m0.addProduct(loadHalf(row, o0 &+ 2), xs[b])
                    m1.addProduct(loadHalf(row, o1 &+ 2), xs[b &+ 1])
                    b &+= 2
                }
                if b < nb {
                    let o0 = b &* 20
                    let q0 = nibbles(row.loadUnaligned(fromByteOffset: o0 &+ 4, as: SIMD16<UInt8>.self))
                    let p0 = pairSum(q0 &* xq.loadUnaligned(fromByteOffset: b &* 64, as: SIMD32<Int16>.self))
                    acc0.addProduct(toFloat(p0), SIMD16<Float>(repeating: loadHalf(row, o0) * xd[b]))
                    m0.addProduct(loadHalf(row, o0 &+ 2), xs[b])
                }
                y[r &- rows.lowerBound] = hsum(acc0 + acc1) + (m0 + m1)
            }
        }
    }
}
