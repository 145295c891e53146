// Quantizers of the 32-element block types: ports of ggml-quants.c `quantize_row_q8_0_ref`,
// `quantize_row_q4_0_ref`, `quantize_row_q5_0_ref`, `quantize_row_q4_1_ref`, `quantize_row_q5_1_ref`.
// Layouts in Sources/BoraKernels/Quant/Reference+Legacy.swift.

/// One 32-element block per call: `x` points at its 32 floats, `y` at its bytes.
enum QuantizeLegacy {
    /// Q8_0: d = amax / 127, q = roundf(x / d) (C `roundf`: half away from zero).
    static func q8_0(_ x: UnsafePointer<Float>, _ y: UnsafeMutableRawPointer) {
        var amax: Float = 0
        for j in 0..<32 { amax = max(amax, abs(x[j])) }
        let d = amax / 127
        let id: Float = d != 0 ? 1 / d : 0
        y.storeBytes(of: Quantize.fp16Bits(d), as: UInt16.self)
        for j in 0..<32 {
            let q = (x[j] * id).rounded(.toNearestOrAwayFromZero)
            y.storeBytes(of: Int8(q), toByteOffset: 2 + j, as: Int8.self)
        }
    }

    /// Q4_0 / Q5_0: d = (the value of largest magnitude) / -8 (or -16), q = min(qmax, trunc(x / d + offset + 0.5)).
    static func symmetric(_ type: GGMLType, _ x: UnsafePointer<Float>, _ y: UnsafeMutableRawPointer) {
        let five = type == .q5_0
        var amax: Float = 0
        var maxValue: Float = 0
        for j in 0..<32 where amax < abs(x[j]) {
            amax = abs(x[j])
            maxValue = x[j]
        }
        let d = maxValue / (five ? -16 : -8)
        let id: Float = d != 0 ? 1 / d : 0
        y.storeBytes(of: Quantize.fp16Bits(d), as: UInt16.self)
        let bias: Float = five ? 16.5 : 8.5
        let qmax: Int8 = five ? 31 : 15
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { q in
            for j in 0..<32 {
                // C: (int8_t)(x*id + bias), a truncating conversion, then MIN with qmax.
                q[j] = UInt8(bitPattern: min(qmax, Int8(truncatingIfNeeded: Int32(x[j] * id + bias))))
            }
            pack(q, into: y + 2, five: five)
        }
    }

    /// Q4_1 / Q5_1: d = (max - min) / 15 (or 31), m = min, q = min(qmax, trunc((x - min) / d + 0.5)).
    static func withMin(_ type: GGMLType, _ x: UnsafePointer<Float>, _ y: UnsafeMutableRawPointer) {
        let five = type == .q5_1
        var lo = Float.greatestFiniteMagnitude
        var hi = -Float.greatestFiniteMagnitude
        for j in 0..<32 {
            if x[j] < lo { lo = x[j] }
            if x[j] > hi { hi = x[j] }
        }
        let d = (hi - lo) / (five ? 31 : 15)
        let id: Float = d != 0 ? 1 / d : 0
        y.storeBytes(of: Quantize.fp16Bits(d), as: UInt16.self)
        y.storeBytes(of: Quantize.fp16Bits(lo), toByteOffset: 2, as: UInt16.self)
        let qmax: Int8 = five ? 31 : 15
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { q in
            for j in 0..<32 {
                q[j] = UInt8(bitPattern: min(qmax, Int8(truncatingIfNeeded: Int32((x[j] - lo) * id + 0.5))))
            }
            pack(q, into: y + 4, five: five)
        }
    }

    /// Nibbles: element j in the low half of byte j, element j+16 in the high half; for 5-bit types the
    /// fifth bits go first into a little-endian u32 (bit j = element j).
    static func pack(_ q: UnsafeMutableBufferPointer<UInt8>, into p: UnsafeMutableRawPointer, five: Bool) {
        var qs = p
        if five {
            var qh: UInt32 = 0
            for j in 0..<32 { qh |= UInt32((q[j] >> 4) & 1) << UInt32(j) }
            p.storeBytes(of: qh.littleEndian, as: UInt32.self)
            qs = p + 4
        }
        for j in 0..<16 {
            qs.storeBytes(of: (q[j] & 0x0F) | (q[j + 16] & 0x0F) << 4, toByteOffset: j, as: UInt8.self)
        }
    }
}
