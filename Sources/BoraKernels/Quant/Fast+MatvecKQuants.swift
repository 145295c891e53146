// Q4_K x Q8_K and Q6_K x Q8_K. Per super-block, the sub-block integer dot products are pair-summed to Int32
// lanes, multiplied by their 6/8-bit scales and summed as integers; one float FMA per super-block
// (d_w * d_x), as in ggml's vec_dot. The Q4_K min term uses the activation bsums.

extension Fast {
    static func matvecQ4_K(_ w: UnsafeRawPointer, cols: Int, rows: Range<Int>, x: UnsafeRawPointer, y: UnsafeMutablePointer<Float>) {
        let nb = cols / 256, rowBytes = nb &* 144
        let low4 = SIMD16<Int16>(repeating: 0x0F), four = SIMD16<Int16>(repeating: 4)
        for r in rows {
            let row = w + r &* rowBytes
            var acc = SIMD16<Float>()
            var minTerm: Float = 0
            for b in 0..<nb {
                let wb = row + b &* 144, xb = x + b &* 292
                let (sc, mn) = q4KScales(wb + 4)
                var isum = SIMD16<Int32>()
                for c in 0..<4 {
                    let (qa, qb) = widenHalves(wb, 16 &+ 32 &* c)
                    let lo = SIMD32<Int16>(lowHalf: qa & low4, highHalf: qb & low4)
                    let hi = SIMD32<Int16>(lowHalf: qa &>> four, highHalf: qb &>> four)
                    let x0 = widen(xb.loadUnaligned(fromByteOffset: 4 &+ 64 &* c, as: SIMD32<Int8>.self))
                    let x1 = widen(xb.loadUnaligned(fromByteOffset: 36 &+ 64 &* c, as: SIMD32<Int8>.self))
                    isum &+= pairSum(lo &* x0) &* SIMD16<Int32>(repeating: sc[2 &* c])
                    isum &+= pairSum(hi &* x1) &* SIMD16<Int32>(repeating: sc[2 &* c &+ 1])
                }
                let bsums = xb.loadUnaligned(fromByteOffset: 260, as: SIMD16<Int16>.self)
                let l = unsafeBitCast(bsums, to: SIMD8<Int32>.self)      // bsums of sub-block s: lanes 2s, 2s+1
                let msum = ((((l &<< 16) &>> 16) &+ (l &>> 16)) &* mn).wrappedSum()
                let dy = xb.loadUnaligned(as: Float.self)
                acc.addProduct(toFloat(isum), SIMD16<Float>(repeating: loadHalf(wb, 0) * dy))
                minTerm.addProduct(loadHalf(wb, 2) * dy, Float(msum))
            }
            y[r &- rows.lowerBound] = hsum(acc) - minTerm
        }
    }

    /// The 8 six-bit scales and mins packed in Q4_K/Q5_K's 12 scale bytes (ggml's get_scale_min_k4):
    /// bytes 0-3 hold scales 0-3 (low 6 bits), 4-7 mins 0-3, 8-11 the low 4 bits of scales/mins 4-7, whose
    /// top 2 bits sit in the top bits of bytes 0-3 / 4-7.
    @inline(__always)
    static func q4KScales(_ p: UnsafeRawPointer) -> (scales: SIMD8<Int32>, mins: SIMD8<Int32>) {
        @inline(__always) func four(_ o: Int) -> SIMD4<Int32> {
            let v = p.loadUnaligned(fromByteOffset: o, as: SIMD4<UInt8>.self)
            return SIMD4<Int32>(Int32(v[0]), Int32(v[1]), Int32(v[2]), Int32(v[3]))
        }
        let a = four(0), m = four(4), h = four(8)
        let c63 = SIMD4<Int32>(repeating: 63), c15 = SIMD4<Int32>(repeating: 15)
        let c4 = SIMD4<Int32>(repeating: 4), c6 = SIMD4<Int32>(repeating: 6)
        let scales = SIMD8<Int32>(lowHalf: a & c63, highHalf: (h & c15) | ((a &>> c6) &<< c4))
        let mins = SIMD8<Int32>(lowHalf: m & c63, highHalf: (h &>> c4) | ((m &>> c6) &<< c4))
        return (scales, mins)
    }

    static func matvecQ6_K(_ w: UnsafeRawPointer, cols: Int, rows: Range<Int>, x: UnsafeRawPointer, y: UnsafeMutablePointer<Float>) {
        let nb = cols / 256, rowBytes = nb &* 210
        for r in rows {
            let row = w + r &* rowBytes
            var acc0 = SIMD16<Float>(), acc1 = acc0
            for b in 0..<nb {
                let wb = row + b &* 210, xb = x + b &* 292
                var isum = SIMD16<Int32>()
                for half in 0..<2 {
                    let (l0a, l0b) = widenHalves(wb, 64 &* half)
                    let (l1a, l1b) = widenHalves(wb, 64 &* half &+ 32)
                    let (ha, hb) = widenHalves(wb, 128 &+ 32 &* half)
                    let q0 = SIMD32<Int16>(lowHalf: q6Quant(l0a, ha, 0), highHalf: q6Quant(l0b, hb, 0))
                    let q1 = SIMD32<Int16>(lowHalf: q6Quant(l1a, ha, 1), highHalf: q6Quant(l1b, hb, 1))
                    let q2 = SIMD32<Int16>(lowHalf: q6Quant(l0a, ha, 2), highHalf: q6Quant(l0b, hb, 2))
                    let q3 = SIMD32<Int16>(lowHalf: q6Quant(l1a, ha, 3), highHalf: q6Quant(l1b, hb, 3))
                    let xo = 4 &+ 128 &* half, so = 192 &+ 8 &* half
                    isum &+= q6Product(q0, xb, xo, wb, so)
                    isum &+= q6Product(q1, xb, xo &+ 32, wb, so &+ 2)
                    isum &+= q6Product(q2, xb, xo &+ 64, wb, so &+ 4)
                    isum &+= q6Product(q3, xb, xo &+ 96, wb, so &+ 6)
                }
                let d = SIMD16<Float>(repeating: loadHalf(wb, 208) * xb.loadUnaligned(as: Float.self))
                if b & 1 == 0 { acc0.addProduct(toFloat(isum), d) } else { acc1.addProduct(toFloat(isum), d) }
            }
            y[r &- rows.lowerBound] = hsum(acc0 + acc1)
        }
    }

    /// Q6_K quants of quarter `quarter` (0...3) from 16 widened ql bytes and 16 qh bytes:
    /// (ql nibble quarter / 2) | (2-bit field `quarter` of qh) << 4, minus 32.
    @inline(__always)
    static func q6Quant(_ ql: SIMD16<Int16>, _ qh: SIMD16<Int16>, _ quarter: Int16) -> SIMD16<Int16> {
        let low = quarter < 2 ? ql & SIMD16<Int16>(repeating: 15) : ql &>> SIMD16<Int16>(repeating: 4)
        let high = ((qh &>> SIMD16<Int16>(repeating: 2 &* quarter)) & SIMD16<Int16>(repeating: 3)) &<< SIMD16<Int16>(repeating: 4)
        return (low | high) &- SIMD16<Int16>(repeating: 32)
    }

    /// 32 Q6_K quants times 32 Q8_K quants at `xb + xo`, pair-summed; lanes 0-7 (elements 0-15) scaled by the
    /// int8 scale at `wb + so`, lanes 8-15 by the next one.
    @inline(__always)
    static func q6Product(_ q: SIMD32<Int16>, _ xb: UnsafeRawPointer, _ xo: Int, _ wb: UnsafeRawPointer, _ so: Int) -> SIMD16<Int32> {
        let p = pairSum(q &* widen(xb.loadUnaligned(fromByteOffset: xo, as: SIMD32<Int8>.self)))
        let s0 = Int32(wb.load(fromByteOffset: so, as: Int8.self))
        let s1 = Int32(wb.load(fromByteOffset: so &+ 1, as: Int8.self))
        return p &* SIMD16<Int32>(lowHalf: SIMD8<Int32>(repeating: s0), highHalf: SIMD8<Int32>(repeating: s1))
    }
}
