// Scalar references for the float types and the 32-element ("legacy") block types.
// Layouts (ggml-common.h), byte offsets within a block:
//   Q4_0 {d: f16 @0, qs[16] @2}             x[j] = d * ((qs[j] & 15) - 8), x[j+16] = d * ((qs[j] >> 4) - 8)
//   Q4_1 {d @0, m @2, qs[16] @4}            x[j] = d * (qs[j] & 15) + m, x[j+16] = d * (qs[j] >> 4) + m
//   Q5_0 {d @0, qh: u32 @2, qs[16] @6}      5th bit of element j is bit j of qh; value - 16, times d
//   Q5_1 {d @0, m @2, qh @4, qs[16] @8}     as Q5_0 without the offset, plus m
//   Q8_0 {d @0, qs: i8[32] @2}              x[j] = d * qs[j]
//   Q8_1 {d @0, s @2, qs: i8[32] @4}        s = d * sum(qs) (activation format)
// Ports of ggml-quants.c `dequantize_row_*` and ggml-cpu quants.c `ggml_vec_dot_*_generic`.

extension Reference {
    static func dequantizeFloat(_ type: GGMLType, _ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            switch type {
            case .f16: dst[i] = loadHalf(src, 2 * i)
            case .bf16: dst[i] = loadBF16(src, 2 * i)
            default: dst[i] = src.loadUnaligned(fromByteOffset: 4 * i, as: Float.self)
            }
        }
    }

    /// Quant value (before scale and offset) of element `j` (0..<32) of a legacy block at `b`.
    static func legacyQuant(_ type: GGMLType, _ b: UnsafeRawPointer, _ j: Int) -> Int32 {
        switch type {
        case .q8_0: return Int32(b.load(fromByteOffset: 2 + j, as: Int8.self))
        case .q8_1: return Int32(b.load(fromByteOffset: 4 + j, as: Int8.self))
        case .q4_0, .q4_1:
            let byte = b.load(fromByteOffset: (type == .q4_0 ? 2 : 4) + j % 16, as: UInt8.self)
            let q = Int32(j < 16 ? byte & 0x0F : byte >> 4)
            return type == .q4_0 ? q - 8 : q
        default:  // q5_0, q5_1
            let qhOffset = type == .q5_0 ? 2 : 4
            let qh = b.loadUnaligned(fromByteOffset: qhOffset, as: UInt32.self).littleEndian
            let byte = b.load(fromByteOffset: qhOffset + 4 + j % 16, as: UInt8.self)
            let q = Int32(j < 16 ? byte & 0x0F : byte >> 4) | Int32((qh >> UInt32(j)) & 1) << 4
            return type == .q5_0 ? q - 16 : q
        }
    }

    /// (scale d, offset m) of a legacy block; m is 0 for the symmetric types.
    static func legacyScale(_ type: GGMLType, _ b: UnsafeRawPointer) -> (d: Float, m: Float) {
        switch type {
        case .q4_1, .q5_1: return (loadHalf(b, 0), loadHalf(b, 2))
        default: return (loadHalf(b, 0), 0)
        }
    }

    static func dequantizeLegacy(_ type: GGMLType, _ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, blocks: Int) {
        let hasMin = type == .q4_1 || type == .q5_1
        for i in 0..<blocks {
            let b = src + i * type.blockBytes
            let (d, m) = legacyScale(type, b)
            for j in 0..<32 {
                let q = Float(legacyQuant(type, b, j))
                dst[i * 32 + j] = hasMin ? q * d + m : q * d
            }
        }
    }

    /// Dot product of one weight row of `blocks` legacy blocks with Q8_0 / Q8_1 activations.
    static func dotLegacy(_ type: GGMLType, _ row: UnsafeRawPointer, _ x: UnsafeRawPointer, blocks: Int) -> Float {
        let act = Quant.activationType(for: type)
        var sum: Float = 0
        for i in 0..<blocks {
            let b = row + i * type.blockBytes
            let a = x + i * act.blockBytes
            var sumi: Int32 = 0
            for j in 0..<32 {
                sumi += legacyQuant(type, b, j) * legacyQuant(act, a, j)
            }
            let (d, m) = legacyScale(type, b)
            if act == .q8_1 {
                sum += (d * loadHalf(a, 0)) * Float(sumi) + m * loadHalf(a, 2)
            } else {
                sum += Float(sumi) * (d * loadHalf(a, 0))
            }
        }
        return sum
    }

    /// Dot product of one f32/f16/bf16 row with f32 activations, accumulated in Double.
    static func dotFloat(_ type: GGMLType, _ row: UnsafeRawPointer, _ x: UnsafeRawPointer, cols: Int) -> Float {
        var sum: Double = 0
        for j in 0..<cols {
            let w: Float
            switch type {
            case .f16: w = loadHalf(row, 2 * j)
            case .bf16: w = loadBF16(row, 2 * j)
            default: w = row.loadUnaligned(fromByteOffset: 4 * j, as: Float.self)
            }
            sum += Double(w) * Double(x.loadUnaligned(fromByteOffset: 4 * j, as: Float.self))
        }
        return Float(sum)
    }
}
