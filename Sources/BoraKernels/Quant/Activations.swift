// Activation quantization for the integer dot products, with ggml's reference rounding:
//   Q8_0 / Q8_1 (ggml-quants.c quantize_row_q8_0_ref / quantize_row_q8_1_ref): per 32 values
//     d = amax / 127, q = roundf(x / d) (half away from zero), d stored as fp16; Q8_1 adds s = fp16(d * sum(q))
//     with d the float scale before rounding to fp16.
//   Q8_K (quantize_row_q8_K_ref): per 256 values, with max the value of largest magnitude,
//     iscale = -127 / max, q = min(127, nearest_int(iscale * x)) (half to even), d = 1 / iscale as f32,
//     bsums[k] = sum of q[16k..<16k+16]. An all-zero block gets d = 0, q = 0, bsums = 0.

import BoraKernelsC

enum Activations {
    /// On `.best` with the C kernels available, `bora_quantize_q8` (AVX-512: one `vpmovdb` where the Swift
    /// narrowing extracts lane by lane); the Swift blocks below are its reference. Both give the same bytes for
    /// finite inputs.
    static func quantizeQ8_0(_ x: UnsafePointer<Float>, count: Int, into dst: UnsafeMutableRawPointer, path: KernelPath = .best) {
        if path == .best, Native.available {
            bora_quantize_q8(x, count / 32, dst, 0)
            return
        }
        for i in 0..<count / 32 {
            quantizeBlock32(x + i * 32, into: dst + i * 34, withSum: false)
        }
    }

    static func quantizeQ8_1(_ x: UnsafePointer<Float>, count: Int, into dst: UnsafeMutableRawPointer, path: KernelPath = .best) {
        if path == .best, Native.available {
            bora_quantize_q8(x, count / 32, dst, 1)
            return
        }
        for i in 0..<count / 32 {
            quantizeBlock32(x + i * 32, into: dst + i * 36, withSum: true)
        }
    }

    /// One Q8_0 block {d, qs[32]} or Q8_1 block {d, s, qs[32]}. Vectorized (it was 17% of a prefill's time
    /// as a scalar loop); `roundf` is reproduced exactly by `roundHalfAway`. Non-finite inputs take the
    /// scalar loop, which maps NaN to 0 and saturates.
    @inline(__always)
    static func quantizeBlock32(_ x: UnsafePointer<Float>, into b: UnsafeMutableRawPointer, withSum: Bool) {
        let v0 = UnsafeRawPointer(x).loadUnaligned(as: SIMD16<Float>.self)
        let v1 = UnsafeRawPointer(x).loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
        let a0 = abs(v0), a1 = abs(v1)
        let m = a0.replacing(with: a1, where: a1 .> a0)  // `pointwiseMax` stayed a generic call
        let m8 = m.lowHalf.replacing(with: m.highHalf, where: m.highHalf .> m.lowHalf)
        let m4 = m8.lowHalf.replacing(with: m8.highHalf, where: m8.highHalf .> m8.lowHalf)
        let amax = Swift.max(Swift.max(m4[0], m4[1]), Swift.max(m4[2], m4[3]))
        let d = amax / 127
        let id: Float = d != 0 ? 1 / d : 0
        let qs = b + (withSum ? 4 : 2)
        var sum: Int32 = 0
        if amax.isFinite {
            let q0 = roundHalfAway(v0 * id), q1 = roundHalfAway(v1 * id)
            qs.storeBytes(of: narrow(q0), as: SIMD16<Int8>.self)
            qs.storeBytes(of: narrow(q1), toByteOffset: 16, as: SIMD16<Int8>.self)
            sum = (q0 &+ q1).wrappedSum()
        } else {
            for j in 0..<32 {
                let q = saturatingInt8((x[j] * id).rounded())  // roundf: half away from zero
                qs.storeBytes(of: q, toByteOffset: j, as: Int8.self)
                sum &+= Int32(q)
            }
        }
        b.storeBytes(of: Float16(d), as: Float16.self)
        if withSum {
            b.storeBytes(of: Float16(Float(sum) * d), toByteOffset: 2, as: Float16.self)
        }
    }

    /// `roundf` per lane for |v| < 2^22: adding 2^23 rounds |v| to the nearest integer (ties to even), a tie
    /// that went down is moved up, and the integer is read from the mantissa bits, then the sign applied.
    @inline(__always)
    static func roundHalfAway(_ v: SIMD16<Float>) -> SIMD16<Int32> {
        let a = abs(v)
        let magic = SIMD16<Float>(repeating: 8_388_608)
        let n = (a + magic) - magic
        let f = n.replacing(with: n + 1, where: a - n .== SIMD16<Float>(repeating: 0.5))
        let i = unsafeBitCast(f + magic, to: SIMD16<Int32>.self) &- unsafeBitCast(magic, to: SIMD16<Int32>.self)
        let neg = unsafeBitCast(v, to: SIMD16<Int32>.self) &>> 31  // all ones where the sign bit is set
        return (i ^ neg) &- neg
    }

    /// Truncates 16 lanes to bytes (the values are in -127...127).
    @inline(__always)
    static func narrow(_ v: SIMD16<Int32>) -> SIMD16<Int8> {
        SIMD16<Int8>(
            Int8(truncatingIfNeeded: v[0]), Int8(truncatingIfNeeded: v[1]), Int8(truncatingIfNeeded: v[2]),
            Int8(truncatingIfNeeded: v[3]), Int8(truncatingIfNeeded: v[4]), Int8(truncatingIfNeeded: v[5]),
            Int8(truncatingIfNeeded: v[6]), Int8(truncatingIfNeeded: v[7]), Int8(truncatingIfNeeded: v[8]),
            Int8(truncatingIfNeeded: v[9]), Int8(truncatingIfNeeded: v[10]), Int8(truncatingIfNeeded: v[11]),
            Int8(truncatingIfNeeded: v[12]), Int8(truncatingIfNeeded: v[13]), Int8(truncatingIfNeeded: v[14]),
            Int8(truncatingIfNeeded: v[15]))
    }

    /// `Int8(v)` for the in-range values the quantizers produce; NaN (from non-finite activations) becomes 0
    /// and out-of-range values saturate instead of trapping.
    @inline(__always)
    static func saturatingInt8(_ v: Float) -> Int8 {
        v.isNaN ? 0 : Int8(Swift.max(-128, Swift.min(127, v)))
    }

    @inline(__always)
    private static func abs(_ v: SIMD16<Float>) -> SIMD16<Float> {
        unsafeBitCast(unsafeBitCast(v, to: SIMD16<UInt32>.self) & SIMD16<UInt32>(repeating: 0x7FFF_FFFF), to: SIMD16<Float>.self)
    }

    static func quantizeQ8_K(_ x: UnsafePointer<Float>, count: Int, into dst: UnsafeMutableRawPointer) {
        for i in 0..<count / 256 {
            let xb = x + i * 256
            let b = dst + i * GGMLType.q8_K.blockBytes
            var amax: Float = 0, max: Float = 0
            for j in 0..<256 where Swift.abs(xb[j]) > amax {
                amax = Swift.abs(xb[j])
                max = xb[j]
            }
            guard amax != 0 else {
                b.initializeMemory(as: UInt8.self, repeating: 0, count: GGMLType.q8_K.blockBytes)
                continue
            }
            let iscale = -127 / max
            for k in 0..<16 {
                var bsum: Int32 = 0
                for j in k * 16..<k * 16 + 16 {
                    let q = saturatingInt8((iscale * xb[j]).rounded(.toNearestOrEven))
                    b.storeBytes(of: q, toByteOffset: 4 + j, as: Int8.self)
                    bsum += Int32(q)
                }
                b.storeBytes(of: Int16(bsum), toByteOffset: 260 + 2 * k, as: Int16.self)
            }
            b.storeBytes(of: 1 / iscale, as: Float.self)
        }
    }
}
