// Q8_0 / Q8_1 activations converted once per matvec call (the `*.simd.xw` variant of the SIMD reference:
// it removes one sign extension and one fp16 conversion per block from the row loop).

extension Fast {
    /// Calls `body(q, d, s)` with, for each of the `blocks` activation blocks at `x`:
    /// `q + 64 b`: the 32 quants as `SIMD32<Int16>`, `d[b]`: the scale, `s[b]`: d * sum(q) (Q8_1; 0 for Q8_0).
    /// The scratch lives on the stack (`withUnsafeTemporaryAllocation`), 72 bytes per block.
    @inline(__always)
    static func withWidenedActivations<R>(
        _ x: UnsafeRawPointer, blocks: Int, q8_1: Bool,
        _ body: (UnsafeRawPointer, UnsafePointer<Float>, UnsafePointer<Float>) -> R
    ) -> R {
        let stride = q8_1 ? 36 : 34, qsOffset = q8_1 ? 4 : 2
        return withUnsafeTemporaryAllocation(byteCount: Swift.max(1, blocks) &* 72, alignment: 64) { buf in
            let base = buf.baseAddress.unsafelyUnwrapped  // byteCount >= 72, never nil
            let d = (base + blocks &* 64).bindMemory(to: Float.self, capacity: 2 &* blocks)
            let s = d + blocks
            for b in 0..<blocks {
                let xb = x + b &* stride
                base.storeBytes(of: widen(xb.loadUnaligned(fromByteOffset: qsOffset, as: SIMD32<Int8>.self)),
                                toByteOffset: b &* 64, as: SIMD32<Int16>.self)
                d[b] = loadHalf(xb, 0)
                s[b] = q8_1 ? loadHalf(xb, 2) : 0
            }
            return body(UnsafeRawPointer(base), UnsafePointer(d), UnsafePointer(s))
        }
    }
}
