// Quantizers of the 256-element super-block types without an importance matrix: ports of ggml-quants.c
// `quantize_row_q4_K_ref`, `quantize_row_q5_K_ref` and `quantize_row_q6_K_ref` (the scale searches are in
// Quantize+ScaleSearch.swift). Layouts in Sources/BoraKernels/Quant/Reference+KQuants.swift:
//   Q4_K {d @0, dmin @2, scales[12] @4, qs[128] @16}             8 groups of 32, 6-bit scale and min each
//   Q5_K {d @0, dmin @2, scales[12] @4, qh[32] @16, qs[128] @48} as Q4_K with a fifth bit per element
//   Q6_K {ql[128] @0, qh[64] @128, scales: i8[16] @192, d @208}  16 groups of 16, 8-bit scales

enum QuantizeK {
    /// One Q4_K or Q5_K super-block: `x` points at 256 floats, `y` at the block's bytes.
    static func q45K(_ type: GGMLType, _ x: UnsafePointer<Float>, _ y: UnsafeMutableRawPointer) {
        let five = type == .q5_K
        let nmax: Int32 = five ? 31 : 15
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 256 + 32 + 12) { bytes in
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 8 + 8 + 32) { floats in
            let L = bytes.baseAddress.unsafelyUnwrapped
            let laux = L + 256
            let sc = L + 288  // the 12 packed scale bytes
            let scales = floats.baseAddress.unsafelyUnwrapped
            let mins = scales + 8
            let weights = scales + 16
            var maxScale: Float = 0
            var maxMin: Float = 0
            for j in 0..<8 {
                let xj = x + 32 * j
                var sumX2: Float = 0
                for l in 0..<32 { sumX2 += xj[l] * xj[l] }
                let avX = (sumX2 / 32).squareRoot()
                for l in 0..<32 { weights[l] = avX + abs(xj[l]) }
                scales[j] = ScaleSearch.withMin(
                    count: 32, nmax: nmax, xj, weights, L + 32 * j, min: &mins[j], laux,
                    rmin: five ? -0.5 : -1, rdelta: 0.1, nstep: five ? 15 : 20)
                if scales[j] > maxScale { maxScale = scales[j] }
                if mins[j] > maxMin { maxMin = mins[j] }
            }
            let invScale: Float = maxScale > 0 ? 63 / maxScale : 0
            let invMin: Float = maxMin > 0 ? 63 / maxMin : 0
            for i in 0..<12 { sc[i] = 0 }
            for j in 0..<8 {
                let ls = min(63, UInt8(truncatingIfNeeded: Quantize.nearestInt(invScale * scales[j])))
                let lm = min(63, UInt8(truncatingIfNeeded: Quantize.nearestInt(invMin * mins[j])))
                if j < 4 {
                    sc[j] = ls
                    sc[j + 4] = lm
                } else {
                    sc[j + 4] = (ls & 0xF) | (lm & 0xF) << 4
                    sc[j - 4] |= (ls >> 4) << 6
                    sc[j] |= (lm >> 4) << 6
                }
            }
            let dBits = Quantize.fp16Bits(maxScale / 63)
            let mBits = Quantize.fp16Bits(maxMin / 63)
            let d = Quantize.halfValue(dBits)
            let dmin = Quantize.halfValue(mBits)
            for j in 0..<8 {
                let (s, m) = scaleMin(j, sc)
                let dj = d * Float(s)
                if dj == 0 { continue }
                let dm = dmin * Float(m)
                for i in 0..<32 {
                    let l = Quantize.nearestInt((x[32 * j + i] + dm) / dj)
                    L[32 * j + i] = UInt8(max(0, min(nmax, l)))
                }
            }
            y.storeBytes(of: dBits, as: UInt16.self)
            y.storeBytes(of: mBits, toByteOffset: 2, as: UInt16.self)
            for i in 0..<12 { y.storeBytes(of: sc[i], toByteOffset: 4 + i, as: UInt8.self) }
            if five {
                let qh = y + 16
                let ql = y + 48
                for i in 0..<32 { qh.storeBytes(of: 0, toByteOffset: i, as: UInt8.self) }
                var m1: UInt8 = 1
                var m2: UInt8 = 2
                for n in stride(from: 0, to: 256, by: 64) {
                    for j in 0..<32 {
                        var l1 = L[n + j]
                        var l2 = L[n + j + 32]
                        var h = qh.load(fromByteOffset: j, as: UInt8.self)
                        if l1 > 15 { l1 -= 16; h |= m1 }
                        if l2 > 15 { l2 -= 16; h |= m2 }
                        qh.storeBytes(of: h, toByteOffset: j, as: UInt8.self)
                        ql.storeBytes(of: l1 | l2 << 4, toByteOffset: n / 2 + j, as: UInt8.self)
                    }
                    m1 <<= 2
                    m2 <<= 2
                }
            } else {
                for n in stride(from: 0, to: 256, by: 64) {
                    for l in 0..<32 {
                        y.storeBytes(of: L[n + l] | L[n + l + 32] << 4, toByteOffset: 16 + n / 2 + l, as: UInt8.self)
                    }
                }
            }
        }
        }
    }

    /// 6-bit scale and min of group `j` from the 12 packed bytes (ggml's `get_scale_min_k4`).
    @inline(__always)
    static func scaleMin(_ j: Int, _ q: UnsafeMutablePointer<UInt8>) -> (UInt8, UInt8) {
        if j < 4 { return (q[j] & 63, q[j + 4] & 63) }
        return ((q[j + 4] & 0xF) | (q[j - 4] >> 6) << 4, (q[j + 4] >> 4) | (q[j] >> 6) << 4)
    }

    /// One Q6_K super-block: `x` points at 256 floats, `y` at the block's 210 bytes.
    static func q6K(_ x: UnsafePointer<Float>, _ y: UnsafeMutableRawPointer) {
        withUnsafeTemporaryAllocation(of: Int8.self, capacity: 256) { lbuf in
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 16) { sbuf in
            let L = lbuf.baseAddress.unsafelyUnwrapped
            let scales = sbuf.baseAddress.unsafelyUnwrapped
            var maxScale: Float = 0
            var maxAbsScale: Float = 0
            for ib in 0..<16 {
                let s = ScaleSearch.symmetric(count: 16, nmax: 32, x + 16 * ib, L + 16 * ib)
                scales[ib] = s
                if abs(s) > maxAbsScale {
                    maxAbsScale = abs(s)
                    maxScale = s
                }
            }
            for i in 0..<210 { y.storeBytes(of: 0, toByteOffset: i, as: UInt8.self) }
            if maxAbsScale < ScaleSearch.groupMaxEps { return }  // all zero (d = +0)
            let iscale = -128 / maxScale
            let dBits = Quantize.fp16Bits(1 / iscale)
            y.storeBytes(of: dBits, toByteOffset: 208, as: UInt16.self)
            let d = Quantize.halfValue(dBits)
            for ib in 0..<16 {
                let s = Int8(truncatingIfNeeded: min(127, Quantize.nearestInt(iscale * scales[ib])))
                y.storeBytes(of: s, toByteOffset: 192 + ib, as: Int8.self)
                let dj = d * Float(s)
                if dj == 0 { continue }
                for i in 0..<16 {
                    let l = Quantize.nearestInt(x[16 * ib + i] / dj)
                    L[16 * ib + i] = Int8(max(-32, min(31, l)) + 32)
                }
            }
            for half in 0..<2 {
                let j = 128 * half
                let ql = y + 64 * half
                let qh = y + 128 + 32 * half
                for l in 0..<32 {
                    let q1 = UInt8(L[j + l]), q2 = UInt8(L[j + l + 32]), q3 = UInt8(L[j + l + 64]), q4 = UInt8(L[j + l + 96])
                    ql.storeBytes(of: (q1 & 0xF) | (q3 & 0xF) << 4, toByteOffset: l, as: UInt8.self)
                    ql.storeBytes(of: (q2 & 0xF) | (q4 & 0xF) << 4, toByteOffset: l + 32, as: UInt8.self)
                    qh.storeBytes(of: q1 >> 4 | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6, toByteOffset: l, as: UInt8.self)
                }
            }
        }
        }
    }
}
