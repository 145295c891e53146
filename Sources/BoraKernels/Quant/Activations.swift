// Activation quantization for the integer dot products, with ggml's reference rounding:
//   Q8_0 / Q8_1 (ggml-quants.c quantize_row_q8_0_ref / quantize_row_q8_1_ref): per 32 values
//     d = amax / 127, q = roundf(x / d) (half away from zero), d stored as fp16; Q8_1 adds s = fp16(d * sum(q))
//     with d the float scale before rounding to fp16.
//   Q8_K (quantize_row_q8_K_ref): per 256 values, with max the value of largest magnitude,
//     iscale = -127 / max, q = min(127, nearest_int(iscale * x)) (half to even), d = 1 / iscale as f32,
//     bsums[k] = sum of q[16k..<16k+16]. An all-zero block gets d = 0, q = 0, bsums = 0.

enum Activations {
    static func quantizeQ8_0(_ x: UnsafePointer<Float>, count: Int, into dst: UnsafeMutableRawPointer) {
        for i in 0..<count / 32 {
            quantizeBlock32(x + i * 32, into: dst + i * 34, withSum: false)
        }
    }

    static func quantizeQ8_1(_ x: UnsafePointer<Float>, count: Int, into dst: UnsafeMutableRawPointer) {
        for i in 0..<count / 32 {
            quantizeBlock32(x + i * 32, into: dst + i * 36, withSum: true)
        }
    }

    /// One Q8_0 block {d, qs[32]} or Q8_1 block {d, s, qs[32]}.
    @inline(__always)
    static func quantizeBlock32(_ x: UnsafePointer<Float>, into b: UnsafeMutableRawPointer, withSum: Bool) {
        let v0 = UnsafeRawPointer(x).loadUnaligned(as: SIMD16<Float>.self)
        let v1 = UnsafeRawPointer(x).loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
        let m = pointwiseMax(abs(v0), abs(v1))
        let m8 = pointwiseMax(m.lowHalf, m.highHalf)
        let m4 = pointwiseMax(m8.lowHalf, m8.highHalf)
        let m2 = pointwiseMax(m4.lowHalf, m4.highHalf)
        let amax = Swift.max(m2[0], m2[1])
        let d = amax / 127
        let id: Float = d != 0 ? 1 / d : 0
        let qs = b + (withSum ? 4 : 2)
        var sum: Int32 = 0
        for j in 0..<32 {
            let q = saturatingInt8((x[j] * id).rounded())  // roundf: half away from zero
            qs.storeBytes(of: q, toByteOffset: j, as: Int8.self)
            sum &+= Int32(q)
        }
        b.storeBytes(of: Float16(d), as: Float16.self)
        if withSum {
            b.storeBytes(of: Float16(Float(sum) * d), toByteOffset: 2, as: Float16.self)
        }
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
