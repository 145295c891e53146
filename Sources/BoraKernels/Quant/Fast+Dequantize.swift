// Vectorized dequantization. Each path performs the same float operations as the reference (q * d, then
// + m), so results are bit-identical; the differential tests assert that.

extension Fast {
    static func dequantizeF16(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        let out = UnsafeMutableRawPointer(dst)
        var i = 0
        while i &+ 16 <= count {
            out.storeBytes(of: toFloat(src.loadUnaligned(fromByteOffset: i &* 2, as: SIMD16<Float16>.self)),
                           toByteOffset: i &* 4, as: SIMD16<Float>.self)
            i &+= 16
        }
        while i < count {
            dst[i] = loadHalf(src, i &* 2)
            i &+= 1
        }
    }

    static func dequantizeBF16(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        let out = UnsafeMutableRawPointer(dst)
        var i = 0
        while i &+ 16 <= count {
            out.storeBytes(of: bf16ToFloat(src.loadUnaligned(fromByteOffset: i &* 2, as: SIMD16<UInt16>.self)),
                           toByteOffset: i &* 4, as: SIMD16<Float>.self)
            i &+= 16
        }
        while i < count {
            dst[i] = loadBF16(src, i &* 2)
            i &+= 1
        }
    }

    static func dequantizeQ8_0(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, blocks: Int) {
        let out = UnsafeMutableRawPointer(dst)
        for i in 0..<blocks {
            let b = src + i &* 34
            let d = SIMD16<Float>(repeating: loadHalf(b, 0))
            let (lo, hi) = toFloat(widen(b.loadUnaligned(fromByteOffset: 2, as: SIMD32<Int8>.self)))
            out.storeBytes(of: lo * d, toByteOffset: i &* 128, as: SIMD16<Float>.self)
            out.storeBytes(of: hi * d, toByteOffset: i &* 128 &+ 64, as: SIMD16<Float>.self)
        }
    }

    /// Q4_0 (`hasMin == false`: q - 8 times d) and Q4_1 (q times d plus m).
    static func dequantizeQ4(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, blocks: Int, hasMin: Bool) {
        let out = UnsafeMutableRawPointer(dst)
        let stride = hasMin ? 20 : 18
        let offset = SIMD32<Int16>(repeating: hasMin ? 0 : 8)
        for i in 0..<blocks {
            let b = src + i &* stride
            let d = SIMD16<Float>(repeating: loadHalf(b, 0))
            let q = nibbles(b.loadUnaligned(fromByteOffset: stride &- 16, as: SIMD16<UInt8>.self)) &- offset
            let (lo, hi) = toFloat(q)
            if hasMin {
                let m = SIMD16<Float>(repeating: loadHalf(b, 2))
                out.storeBytes(of: lo * d + m, toByteOffset: i &* 128, as: SIMD16<Float>.self)
                out.storeBytes(of: hi * d + m, toByteOffset: i &* 128 &+ 64, as: SIMD16<Float>.self)
            } else {
                out.storeBytes(of: lo * d, toByteOffset: i &* 128, as: SIMD16<Float>.self)
                out.storeBytes(of: hi * d, toByteOffset: i &* 128 &+ 64, as: SIMD16<Float>.self)
            }
        }
    }
}
