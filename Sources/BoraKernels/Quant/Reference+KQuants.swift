// Scalar references for the K-quants (256-element super-blocks), written as per-element accessors so each
// layout reads as one formula. Layouts (ggml-common.h), byte offsets within a block:
//   Q2_K {scales[16] @0 (lo nibble scale, hi nibble min), qs[64] @16, d @80, dmin @82}       16 x 16
//   Q3_K {hmask[32] @0, qs[64] @32, scales[12] @96 (16 x 6 bit, minus 32), d @108}            16 x 16
//   Q4_K {d @0, dmin @2, scales[12] @4 (8 x (6 bit scale, 6 bit min)), qs[128] @16}           8 x 32
//   Q5_K {d @0, dmin @2, scales[12] @4, qh[32] @16, qs[128] @48}                              8 x 32
//   Q6_K {ql[128] @0, qh[64] @128, scales: i8[16] @192, d @208}                               16 x 16
//   Q8_K {d: f32 @0, qs: i8[256] @4, bsums: i16[16] @260}  (activation format)
// Element e of a block is written sub-block scale * quant - sub-block min * dmin, as ggml-quants.c
// `dequantize_row_q*_K`; dot products follow ggml-cpu `ggml_vec_dot_q*_K_q8_K_generic`.

extension Reference {
    /// Elements per sub-block (one scale each).
    static func kSubBlock(_ type: GGMLType) -> Int {
        type == .q4_K || type == .q5_K ? 32 : 16
    }

    /// Quant value of element `e` (0..<256), after the type's fixed offset.
    static func kQuant(_ type: GGMLType, _ b: UnsafeRawPointer, _ e: Int) -> Int32 {
        @inline(__always) func byte(_ o: Int) -> Int32 { Int32(b.load(fromByteOffset: o, as: UInt8.self)) }
        switch type {
        case .q2_K:  // 128-element halves; within one, 4 shifts x (2 x 16 elements) over qs[32]
            return (byte(16 + e / 128 * 32 + e % 32) >> Int32(2 * (e % 128 / 32))) & 3
        case .q3_K:
            let low = (byte(32 + e / 128 * 32 + e % 32) >> Int32(2 * (e % 128 / 32))) & 3
            let high = (byte(e % 32) >> Int32(e / 32)) & 1  // hmask bit set means no -4
            return low - (high == 0 ? 4 : 0)
        case .q4_K:  // 64-element chunks over qs[32]: low nibbles, then high nibbles
            return (byte(16 + e / 64 * 32 + e % 32) >> Int32(e % 64 / 32 * 4)) & 0x0F
        case .q5_K:
            let low = (byte(48 + e / 64 * 32 + e % 32) >> Int32(e % 64 / 32 * 4)) & 0x0F
            return low | ((byte(16 + e % 32) >> Int32(e / 32)) & 1) << 4
        case .q6_K:  // 128-element halves: ql[64], qh[32]; quarter q takes nibble q/2 of ql[l + 32 * (q % 2)]
            let half = e / 128, quarter = e % 128 / 32, l = e % 32
            let low = (byte(half * 64 + l + quarter % 2 * 32) >> Int32(quarter / 2 * 4)) & 0x0F
            let high = (byte(128 + half * 32 + l) >> Int32(2 * quarter)) & 3
            return (low | high << 4) - 32
        default:  // q8_K
            return Int32(b.load(fromByteOffset: 4 + e, as: Int8.self))
        }
    }

    /// (scale, min) integers of sub-block `s`; min is 0 for the types without one.
    static func kScaleMin(_ type: GGMLType, _ b: UnsafeRawPointer, _ s: Int) -> (scale: Int32, min: Int32) {
        @inline(__always) func byte(_ o: Int) -> Int32 { Int32(b.load(fromByteOffset: o, as: UInt8.self)) }
        switch type {
        case .q2_K:
            return (byte(s) & 0x0F, byte(s) >> 4)
        case .q3_K:
            let low = s < 8 ? byte(96 + s) & 0x0F : byte(96 + s - 8) >> 4
            let high = (byte(96 + 8 + s % 4) >> Int32(2 * (s / 4))) & 3
            return ((low | high << 4) - 32, 0)
        case .q4_K, .q5_K:  // ggml's get_scale_min_k4 over scales[12] at offset 4
            let q = { (i: Int) in byte(4 + i) }
            if s < 4 { return (q(s) & 63, q(s + 4) & 63) }
            return ((q(s + 4) & 0x0F) | (q(s - 4) >> 6) << 4, (q(s + 4) >> 4) | (q(s) >> 6) << 4)
        case .q6_K:
            return (Int32(b.load(fromByteOffset: 192 + s, as: Int8.self)), 0)
        default:  // q8_K
            return (1, 0)
        }
    }

    /// (d, dmin) super-block scales.
    static func kSuperScales(_ type: GGMLType, _ b: UnsafeRawPointer) -> (d: Float, dmin: Float) {
        switch type {
        case .q2_K: return (loadHalf(b, 80), loadHalf(b, 82))
        case .q3_K: return (loadHalf(b, 108), 0)
        case .q4_K, .q5_K: return (loadHalf(b, 0), loadHalf(b, 2))
        case .q6_K: return (loadHalf(b, 208), 0)
        default: return (b.loadUnaligned(as: Float.self), 0)
        }
    }

    static func dequantizeK(_ type: GGMLType, _ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, blocks: Int) {
        let sub = kSubBlock(type)
        let hasMin = type == .q2_K || type == .q4_K || type == .q5_K
        for i in 0..<blocks {
            let b = src + i * type.blockBytes
            let (d, dmin) = kSuperScales(type, b)
            for s in 0..<256 / sub {
                let (sc, m) = kScaleMin(type, b, s)
                let dl = d * Float(sc), ml = dmin * Float(m)
                for e in s * sub..<(s + 1) * sub {
                    let q = Float(kQuant(type, b, e))
                    dst[i * 256 + e] = hasMin ? dl * q - ml : dl * q
                }
            }
        }
    }

    /// Dot product of one K-quant weight row of `blocks` super-blocks with Q8_K activations. The min term
    /// uses the activation block's bsums (sums of 16 consecutive quants), as ggml does.
    static func dotK(_ type: GGMLType, _ row: UnsafeRawPointer, _ x: UnsafeRawPointer, blocks: Int) -> Float {
        let sub = kSubBlock(type)
        var sum: Float = 0
        for i in 0..<blocks {
            let b = row + i * type.blockBytes
            let a = x + i * GGMLType.q8_K.blockBytes
            var isum: Int32 = 0, msum: Int32 = 0
            for s in 0..<256 / sub {
                let (sc, m) = kScaleMin(type, b, s)
                var dot: Int32 = 0
                for e in s * sub..<(s + 1) * sub {
                    dot += kQuant(type, b, e) * kQuant(.q8_K, a, e)
                }
                isum += sc * dot
                var bsum: Int32 = 0
                for k in s * sub / 16..<(s + 1) * sub / 16 {
                    bsum += Int32(a.loadUnaligned(fromByteOffset: 260 + 2 * k, as: Int16.self))
                }
                msum += m * bsum
            }
            let (d, dmin) = kSuperScales(type, b)
            let dy = a.loadUnaligned(as: Float.self)
            sum += (d * dy) * Float(isum) - (dmin * dy) * Float(msum)
        }
        return sum
    }
}
