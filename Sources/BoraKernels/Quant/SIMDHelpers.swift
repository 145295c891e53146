// SIMD building blocks shared by the fast kernels.
//
// Written after measurements on the build machine (the compiled code read back): widening and
// int -> float conversions are spelled out lane by lane (the stdlib's generic conversion initializers
// compile to per-lane loops or out-of-line calls inside kernels), pair sums use a bit-cast and shifts,
// horizontal sums are trees, and every helper is `@inline(__always)` so SIMD values stay in registers.

/// Float value of the IEEE half at `p + offset` (unaligned).
@inline(__always)
func loadHalf(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
    Float(p.loadUnaligned(fromByteOffset: offset, as: Float16.self))
}

/// Float value of the bfloat16 at `p + offset` (the upper 16 bits of an IEEE single).
@inline(__always)
func loadBF16(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
    Float(bitPattern: UInt32(p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)) << 16)
}

/// Sign-extends 32 bytes to 16-bit lanes (one `vpmovsxbw`).
@inline(__always)
func widen(_ v: SIMD32<Int8>) -> SIMD32<Int16> {
    SIMD32<Int16>(
        Int16(v[0]), Int16(v[1]), Int16(v[2]), Int16(v[3]), Int16(v[4]), Int16(v[5]), Int16(v[6]), Int16(v[7]),
        Int16(v[8]), Int16(v[9]), Int16(v[10]), Int16(v[11]), Int16(v[12]), Int16(v[13]), Int16(v[14]), Int16(v[15]),
        Int16(v[16]), Int16(v[17]), Int16(v[18]), Int16(v[19]), Int16(v[20]), Int16(v[21]), Int16(v[22]), Int16(v[23]),
        Int16(v[24]), Int16(v[25]), Int16(v[26]), Int16(v[27]), Int16(v[28]), Int16(v[29]), Int16(v[30]), Int16(v[31]))
}

/// The 32 bytes at `p + offset` zero-extended to two 16-lane halves. Kernels do their bit work on these
/// SIMD16 halves: on `SIMD32<Int16>` the bitwise operators `|`, `&` and shifts compiled to per-lane loops
/// (measured: a Q5 kernel 20x slower), while `&+`, `&-`, `&*` with vector operands did not.
@inline(__always)
func widenHalves(_ p: UnsafeRawPointer, _ offset: Int) -> (SIMD16<Int16>, SIMD16<Int16>) {
    (widen(p.loadUnaligned(fromByteOffset: offset, as: SIMD16<UInt8>.self)),
     widen(p.loadUnaligned(fromByteOffset: offset &+ 16, as: SIMD16<UInt8>.self)))
}

/// Zero-extends 16 bytes to 16-bit lanes.
@inline(__always)
func widen(_ v: SIMD16<UInt8>) -> SIMD16<Int16> {
    SIMD16<Int16>(
        Int16(v[0]), Int16(v[1]), Int16(v[2]), Int16(v[3]), Int16(v[4]), Int16(v[5]), Int16(v[6]), Int16(v[7]),
        Int16(v[8]), Int16(v[9]), Int16(v[10]), Int16(v[11]), Int16(v[12]), Int16(v[13]), Int16(v[14]), Int16(v[15]))
}

/// Sign-extends 16 halfwords to 32-bit lanes.
@inline(__always)
func widen(_ v: SIMD16<Int16>) -> SIMD16<Int32> {
    SIMD16<Int32>(
        Int32(v[0]), Int32(v[1]), Int32(v[2]), Int32(v[3]), Int32(v[4]), Int32(v[5]), Int32(v[6]), Int32(v[7]),
        Int32(v[8]), Int32(v[9]), Int32(v[10]), Int32(v[11]), Int32(v[12]), Int32(v[13]), Int32(v[14]), Int32(v[15]))
}

/// Converts 16 halves to floats (one `vcvtph2ps`).
@inline(__always)
func toFloat(_ v: SIMD16<Float16>) -> SIMD16<Float> {
    SIMD16<Float>(
        Float(v[0]), Float(v[1]), Float(v[2]), Float(v[3]), Float(v[4]), Float(v[5]), Float(v[6]), Float(v[7]),
        Float(v[8]), Float(v[9]), Float(v[10]), Float(v[11]), Float(v[12]), Float(v[13]), Float(v[14]), Float(v[15]))
}

/// Converts 16 bfloat16 bit patterns to floats.
@inline(__always)
func bf16ToFloat(_ v: SIMD16<UInt16>) -> SIMD16<Float> {
    let w = SIMD16<UInt32>(
        UInt32(v[0]), UInt32(v[1]), UInt32(v[2]), UInt32(v[3]), UInt32(v[4]), UInt32(v[5]), UInt32(v[6]), UInt32(v[7]),
        UInt32(v[8]), UInt32(v[9]), UInt32(v[10]), UInt32(v[11]), UInt32(v[12]), UInt32(v[13]), UInt32(v[14]), UInt32(v[15]))
    return unsafeBitCast(w &<< 16, to: SIMD16<Float>.self)
}

/// Converts 16 signed 32-bit lanes to floats (one `vcvtdq2ps`).
@inline(__always)
func toFloat(_ v: SIMD16<Int32>) -> SIMD16<Float> {
    SIMD16<Float>(
        Float(v[0]), Float(v[1]), Float(v[2]), Float(v[3]), Float(v[4]), Float(v[5]), Float(v[6]), Float(v[7]),
        Float(v[8]), Float(v[9]), Float(v[10]), Float(v[11]), Float(v[12]), Float(v[13]), Float(v[14]), Float(v[15]))
}

/// Converts 32 signed 16-bit lanes to two float vectors (elements 0..<16, 16..<32).
@inline(__always)
func toFloat(_ v: SIMD32<Int16>) -> (SIMD16<Float>, SIMD16<Float>) {
    (toFloat(widen(v.lowHalf)), toFloat(widen(v.highHalf)))
}

/// p[2i] + p[2i+1] as 32-bit lanes (what `pmaddwd` does after the multiply): bit-cast and shifts.
///
/// Three operations: with l = hi * 2^16 + lo (lo the unsigned low half), l + (l << 16) is
/// (hi + lo_signed) * 2^16 + lo, and the arithmetic shift leaves hi + lo_signed. Requires
/// |p[2i] + p[2i+1]| <= 32767, which holds for every kernel here (at most 2 * 128 * 127 = 32512: quants
/// are at most 8 bits wide and activation quants lie in -127...127).
@inline(__always)
func pairSum(_ p: SIMD32<Int16>) -> SIMD16<Int32> {
    let l = unsafeBitCast(p, to: SIMD16<Int32>.self)
    return (l &+ (l &<< 16)) &>> 16
}

/// Splits 16 bytes of packed nibbles into 32 lanes: low nibbles are elements 0..<16, high nibbles 16..<32
/// (the Q4_0/Q4_1/Q5 layout). Shifts and masks run on 16-bit lanes (x86 has no byte shifts).
@inline(__always)
func nibbles(_ q: SIMD16<UInt8>) -> SIMD32<Int16> {
    let w = widen(q)
    return SIMD32<Int16>(lowHalf: w & SIMD16<Int16>(repeating: 0x0F), highHalf: w &>> SIMD16<Int16>(repeating: 4))
}

/// Tree horizontal sum (`.sum()` on a float vector is a sequential chain).
@inline(__always)
func hsum(_ v: SIMD16<Float>) -> Float {
    let a = v.lowHalf + v.highHalf
    let b = a.lowHalf + a.highHalf
    let c = b.lowHalf + b.highHalf
    return c[0] + c[1]
}
