// TEMPORARY stand-in for the kernels branch (replaced at merge): f32, f16, q8_0 and q4_1 only, via dequantization.
public enum Quant {
    public static func dequantizeReference(_ type: GGMLType, _ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        switch type {
        case .f32:
            for i in 0..<count { dst[i] = src.loadUnaligned(fromByteOffset: i * 4, as: Float.self) }
        case .f16:
            for i in 0..<count { dst[i] = Float(src.loadUnaligned(fromByteOffset: i * 2, as: Float16.self)) }
        case .q8_0:
            for b in 0..<count / 32 {
                let p = src + b * 34
                let d = Float(p.loadUnaligned(as: Float16.self))
                for k in 0..<32 { dst[b * 32 + k] = d * Float(p.load(fromByteOffset: 2 + k, as: Int8.self)) }
            }
        case .q4_1:
            for b in 0..<count / 32 {
                let p = src + b * 20
                let d = Float(p.loadUnaligned(as: Float16.self))
                let m = Float(p.loadUnaligned(fromByteOffset: 2, as: Float16.self))
                for k in 0..<16 {
                    let q = p.load(fromByteOffset: 4 + k, as: UInt8.self)
                    dst[b * 32 + k] = d * Float(q & 15) + m
                    dst[b * 32 + k + 16] = d * Float(q >> 4) + m
                }
            }
        default:
            for i in 0..<count { dst[i] = .nan }
        }
    }
    public static func dequantize(_ type: GGMLType, _ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        dequantizeReference(type, src, dst, count: count)
    }
    public static func activationType(for type: GGMLType) -> GGMLType { .f32 }
    public static func activationBytes(for type: GGMLType, count: Int) -> Int { count * 4 }
    public static func quantizeActivations(_ x: UnsafePointer<Float>, count: Int, for weightType: GGMLType, into dst: UnsafeMutableRawPointer) {
        dst.copyMemory(from: x, byteCount: count * 4)
    }
    public static func matvec(_ type: GGMLType, weights: UnsafeRawPointer, cols: Int, rows: Range<Int>, x: UnsafeRawPointer, y: UnsafeMutablePointer<Float>) {
        let rowBytes = type.byteCount(elements: cols) ?? 0
        let tmp = UnsafeMutablePointer<Float>.allocate(capacity: cols)
        defer { tmp.deallocate() }
        let xf = x.assumingMemoryBound(to: Float.self)
        for r in rows {
            dequantize(type, weights + r * rowBytes, tmp, count: cols)
            var s: Float = 0
            for j in 0..<cols { s += tmp[j] * xf[j] }
            y[r - rows.lowerBound] = s
        }
    }
}
