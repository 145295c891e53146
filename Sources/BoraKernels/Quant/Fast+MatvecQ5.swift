// Q5_0 x Q8_0 and Q5_1 x Q8_1: as Q4, plus the fifth bits from the 32-bit qh field, expanded with
// per-lane variable shifts on 16-bit lanes (bit j of qh belongs to element j).

extension Fast {
    static func matvecQ5_0(_ w: UnsafeRawPointer, cols: Int, rows: Range<Int>, x: UnsafeRawPointer, y: UnsafeMutablePointer<Float>) {
        matvecQ5(w, cols: cols, rows: rows, x: x, y: y, hasMin: false)
    }

    static func matvecQ5_1(_ w: UnsafeRawPointer, cols: Int, rows: Range<Int>, x: UnsafeRawPointer, y: UnsafeMutablePointer<Float>) {
        matvecQ5(w, cols: cols, rows: rows, x: x, y: y, hasMin: true)
    }

    static func matvecQ5(
        _ w: UnsafeRawPointer, cols: Int, rows: Range<Int>, x: UnsafeRawPointer, y: UnsafeMutablePointer<Float>, hasMin: Bool
    ) {
        let stride = hasMin ? 24 : 22, qhOffset = hasMin ? 4 : 2
        let nb = cols / 32, rowBytes = nb &* stride
        let offset = SIMD32<Int16>(repeating: hasMin ? 0 : 16)
        withWidenedActivations(x, blocks: nb, q8_1: hasMin) { a in
            let xq = a.q, xd = a.d, xs = a.s
            for r in rows {
                let row = w + r &* rowBytes
                var acc0 = SIMD16<Float>(), acc1 = acc0
                var m0: Float = 0
                for b in 0..<nb {
                    let o = b &* stride
                    let qh = row.loadUnaligned(fromByteOffset: o &+ qhOffset, as: UInt32.self).littleEndian
                    let q = (nibbles(row.loadUnaligned(fromByteOffset: o &+ qhOffset &+ 4, as: SIMD16<UInt8>.self))
                             &+ fifthBits(qh)) &- offset  // disjoint bits: &+ is |, and SIMD32 `|` compiled to a per-lane loop
                    let p = pairSum(q &* xq.loadUnaligned(fromByteOffset: b &* 64, as: SIMD32<Int16>.self))
                    let d = SIMD16<Float>(repeating: loadHalf(row, o) * xd[b])
                    if b & 1 == 0 { acc0.addProduct(toFloat(p), d) } else { acc1.addProduct(toFloat(p), d) }
                    if hasMin { m0.addProduct(loadHalf(row, o &+ 2), xs[b]) }
                }
                y[r &- rows.lowerBound] = hsum(acc0 + acc1) + m0
            }
        }
    }

    /// Lane j holds 16 if bit j of `qh` is set, else 0: a multiply by 2^(15 - j) moves bit j to bit 15, a
    /// shift by 11 to bit 4. (Per-lane variable shifts and `pointwiseMin` compiled to per-lane code or calls.)
    @inline(__always)
    static func fifthBits(_ qh: UInt32) -> SIMD32<Int16> {
        let up = SIMD16<Int16>(
            -32768, 16384, 8192, 4096, 2048, 1024, 512, 256, 128, 64, 32, 16, 8, 4, 2, 1)
        let eleven = SIMD16<Int16>(repeating: 11), sixteen = SIMD16<Int16>(repeating: 16)
        let lo = ((SIMD16<Int16>(repeating: Int16(truncatingIfNeeded: qh)) &* up) &>> eleven) & sixteen
        let hi = ((SIMD16<Int16>(repeating: Int16(truncatingIfNeeded: qh >> 16)) &* up) &>> eleven) & sixteen
        return SIMD32<Int16>(lowHalf: lo, highHalf: hi)
    }
}
