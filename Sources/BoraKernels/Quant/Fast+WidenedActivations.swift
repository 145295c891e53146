// Q8_0 / Q8_1 activations converted once per matvec call (the `*.simd.xw` variant of the SIMD reference:
// it removes one sign extension and one fp16 conversion per block from the row loop), plus a small scratch
// area for converting weight-block scales 16 at a time.
//
// Why the scales are batched: a scalar fp16 load (`Float(ptr.load(as: Float16.self))`) compiles to
// `vpinsrw $0, mem, %xmmN, %xmmN` + `vcvtph2ps`, and LLVM picks for N whatever register is free, in the
// Q8_0 loop an FMA accumulator; every block's scale then waited for the previous block's FMA. With the
// weight scale removed the loop ran 2x faster (measured, 576 x 1536). Gathering 16 scales into memory and
// converting them with one vector `vcvtph2ps` keeps that chain out of the FMA loop.

/// Per-call scratch of the legacy-quant kernels (stack memory, valid inside `withWidenedActivations`).
struct WidenedActivations {
    /// `q + 64 b`: the 32 quants of activation block b as `SIMD32<Int16>`.
    let q: UnsafeRawPointer
    /// Scales d, then 16 zeros of padding (vector loads at any block index up to nb).
    let d: UnsafePointer<Float>
    /// Q8_1 s = d * sum(q) (0 for Q8_0), then 16 zeros.
    let s: UnsafePointer<Float>
    /// 32 bytes of fp16 staging, then two 16-float arrays (`scales`, `offsets`).
    let scratch: UnsafeMutableRawPointer

    var scales: UnsafeMutablePointer<Float> { (scratch + 64).assumingMemoryBound(to: Float.self) }
    var offsets: UnsafeMutablePointer<Float> { (scratch + 128).assumingMemoryBound(to: Float.self) }

    /// The fp16 field at `p + k * stride` for k < n (0 for n <= k < 16), converted to 16 floats.
    @inline(__always)
    func halves(_ p: UnsafeRawPointer, stride: Int, n: Int) -> SIMD16<Float> {
        for k in 0..<16 {
            let h: UInt16 = k < n ? p.loadUnaligned(fromByteOffset: k &* stride, as: UInt16.self) : 0
            scratch.storeBytes(of: h, toByteOffset: k &* 2, as: UInt16.self)
        }
        return toFloat(UnsafeRawPointer(scratch).loadUnaligned(as: SIMD16<Float16>.self))
    }

    /// `d[b..<b+16]`.
    @inline(__always)
    func d16(_ b: Int) -> SIMD16<Float> { UnsafeRawPointer(d + b).loadUnaligned(as: SIMD16<Float>.self) }

    /// `s[b..<b+16]`.
    @inline(__always)
    func s16(_ b: Int) -> SIMD16<Float> { UnsafeRawPointer(s + b).loadUnaligned(as: SIMD16<Float>.self) }
}

extension Fast {
    /// Calls `body` with the widened form of the `blocks` Q8_0 (or Q8_1) activation blocks at `x`.
    /// Stack memory via `withUnsafeTemporaryAllocation`: 72 bytes per block plus 384.
    @inline(__always)
    static func withWidenedActivations<R>(
        _ x: UnsafeRawPointer, blocks: Int, q8_1: Bool, _ body: (WidenedActivations) -> R
    ) -> R {
        let stride = q8_1 ? 36 : 34, qsOffset = q8_1 ? 4 : 2
        let floats = blocks &+ 16
        return withUnsafeTemporaryAllocation(byteCount: blocks &* 64 &+ floats &* 8 &+ 192, alignment: 64) { buf in
            let base = buf.baseAddress.unsafelyUnwrapped  // byteCount >= 320, never nil
            let d = (base + blocks &* 64).bindMemory(to: Float.self, capacity: 2 &* floats)
            let s = d + floats
            for b in 0..<blocks {
                let xb = x + b &* stride
                base.storeBytes(of: widen(xb.loadUnaligned(fromByteOffset: qsOffset, as: SIMD32<Int8>.self)),
                                toByteOffset: b &* 64, as: SIMD32<Int16>.self)
                d[b] = loadHalf(xb, 0)
                s[b] = q8_1 ? loadHalf(xb, 2) : 0
            }
            for k in blocks..<floats {
                d[k] = 0
                s[k] = 0
            }
            let scratch = UnsafeMutableRawPointer(s + floats)
            return body(WidenedActivations(q: UnsafeRawPointer(base), d: d, s: s, scratch: scratch))
        }
    }
}
