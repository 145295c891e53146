// Prefill GEMM for the legacy 32-element formats (Q4_0 x Q8_0, Q4_1 x Q8_1, Q8_0 x Q8_0).
//
// A tile of up to 4 tokens is prepared once per call: each token's Q8 activation blocks are dequantized to
// floats (q * d, exactly the values the integer dot product stands for), interleaved by block so that block
// b of the 4 tokens is 512 contiguous bytes. Each weight block is then decoded once to 32 floats (quants
// times its scale d_w) and multiplied into 8 float accumulators (4 tokens x 2 halves of the block): two FMAs
// per token and block, against ~8 integer operations per token and block in the matvec (widen, multiply,
// pair-sum, convert, scale, FMA), whose decoding is repeated for every token.
//
// Q4_1's offset term m_w * s_x (ggml: x.m * y.s, with y.s the fp16-rounded d * sum q) is accumulated per
// block for the 4 tokens at once, as in the matvec. Float rounding differs from the integer path only in
// order: one rounding for q_w * d_w, one for q_x * d_x, then FMAs (errors ~1e-6 of sum |w x|).

extension Fast {
    /// `tokens` (1...4) activation rows at `x` (stride `xStride`) times weight rows `rows`;
    /// y[t * yStride + r - rows.lowerBound].
    static func matmulLegacy(
        _ type: GGMLType, _ w: UnsafeRawPointer, cols: Int, rows: Range<Int>,
        x: UnsafeRawPointer, xStride: Int, tokens: Int, y: UnsafeMutablePointer<Float>, yStride: Int
    ) {
        let nb = cols / 32
        let q8_1 = type == .q4_1
        // 512 bytes of floats per block (4 tokens x 32), then 4 offsets s per block.
        withUnsafeTemporaryAllocation(byteCount: nb &* 528 &+ 64, alignment: 64) { buf in
            let xf = UnsafeMutableRawPointer(buf.baseAddress.unsafelyUnwrapped)
            let xs = xf + nb &* 512
            dequantizeTile(x, xStride: xStride, tokens: tokens, blocks: nb, q8_1: q8_1, into: xf, offsets: xs)
            let tile = Tile(x: UnsafeRawPointer(xf), s: UnsafeRawPointer(xs), tokens: tokens, y: y, yStride: yStride)
            switch type {
            case .q4_0: tile.run(Q4_0Block.self, w, rows: rows, blocks: nb)
            case .q4_1: tile.run(Q4_1Block.self, w, rows: rows, blocks: nb)
            default: tile.run(Q8_0Block.self, w, rows: rows, blocks: nb)
            }
        }
    }

    /// Token t's activation block b (Q8_0 {d, qs} or Q8_1 {d, s, qs}) as 32 floats q * d at
    /// `xf + (4 b + t) * 128`; s at `xs + (4 b + t) * 4`. Tokens past `tokens` are zeros.
    @inline(__always)
    static func dequantizeTile(
        _ x: UnsafeRawPointer, xStride: Int, tokens: Int, blocks nb: Int, q8_1: Bool,
        into xf: UnsafeMutableRawPointer, offsets xs: UnsafeMutableRawPointer
    ) {
        let stride = q8_1 ? 36 : 34, qsOffset = q8_1 ? 4 : 2
        for t in 0..<4 {
            let xt = x + t &* xStride
            for b in 0..<nb {
                let dst = xf + (b &* 4 &+ t) &* 128
                if t < tokens {
                    let xb = xt + b &* stride
                    let d = SIMD16<Float>(repeating: loadHalf(xb, 0))
                    let lo = toFloat(widen32(xb.loadUnaligned(fromByteOffset: qsOffset, as: SIMD16<Int8>.self)))
                    let hi = toFloat(widen32(xb.loadUnaligned(fromByteOffset: qsOffset &+ 16, as: SIMD16<Int8>.self)))
                    dst.storeBytes(of: lo * d, as: SIMD16<Float>.self)
                    dst.storeBytes(of: hi * d, toByteOffset: 64, as: SIMD16<Float>.self)
                    xs.storeBytes(of: q8_1 ? loadHalf(xb, 2) : 0, toByteOffset: (b &* 4 &+ t) &* 4, as: Float.self)
                } else {
                    dst.storeBytes(of: SIMD16<Float>(), as: SIMD16<Float>.self)
                    dst.storeBytes(of: SIMD16<Float>(), toByteOffset: 64, as: SIMD16<Float>.self)
                    xs.storeBytes(of: 0, toByteOffset: (b &* 4 &+ t) &* 4, as: Float.self)
                }
            }
        }
    }
}

/// A 32-element weight block decoded to floats: (elements 0..<16, 16..<32, each quant times d; offset m).
/// A protocol rather than a closure so that `Tile.run` is specialized and the decoding inlined (a closure
/// argument stayed an out-of-line call per block).
protocol LegacyBlock {
    static var bytes: Int { get }
    static func decode(_ p: UnsafeRawPointer) -> (SIMD16<Float>, SIMD16<Float>, Float)
}

/// Q4_0 block {d, qs[16]}: elements (q & 15) - 8 then (q >> 4) - 8, times d; no offset.
enum Q4_0Block: LegacyBlock {
    static var bytes: Int { 18 }
    @inline(__always)
    static func decode(_ p: UnsafeRawPointer) -> (SIMD16<Float>, SIMD16<Float>, Float) {
        let q = widen32(p.loadUnaligned(fromByteOffset: 2, as: SIMD16<UInt8>.self))
        let d = SIMD16<Float>(repeating: loadHalf(p, 0)), eight = SIMD16<Int32>(repeating: 8)
        return (toFloat((q & SIMD16<Int32>(repeating: 15)) &- eight) * d,
                toFloat((q &>> SIMD16<Int32>(repeating: 4)) &- eight) * d, 0)
    }
}

/// Q4_1 block {d, m, qs[16]}: elements q & 15 then q >> 4, times d; offset m.
enum Q4_1Block: LegacyBlock {
    static var bytes: Int { 20 }
    @inline(__always)
    static func decode(_ p: UnsafeRawPointer) -> (SIMD16<Float>, SIMD16<Float>, Float) {
        let q = widen32(p.loadUnaligned(fromByteOffset: 4, as: SIMD16<UInt8>.self))
        let d = SIMD16<Float>(repeating: loadHalf(p, 0))
        return (toFloat(q & SIMD16<Int32>(repeating: 15)) * d, toFloat(q &>> SIMD16<Int32>(repeating: 4)) * d,
                loadHalf(p, 2))
    }
}

/// Q8_0 block {d, qs[32]}.
enum Q8_0Block: LegacyBlock {
    static var bytes: Int { 34 }
    @inline(__always)
    static func decode(_ p: UnsafeRawPointer) -> (SIMD16<Float>, SIMD16<Float>, Float) {
        let d = SIMD16<Float>(repeating: loadHalf(p, 0))
        return (toFloat(widen32(p.loadUnaligned(fromByteOffset: 2, as: SIMD16<Int8>.self))) * d,
                toFloat(widen32(p.loadUnaligned(fromByteOffset: 18, as: SIMD16<Int8>.self))) * d, 0)
    }
}

/// Dequantized activations of up to 4 tokens and where their results go.
struct Tile {
    let x: UnsafeRawPointer, s: UnsafeRawPointer
    let tokens: Int
    let y: UnsafeMutablePointer<Float>, yStride: Int

    /// For each row: 8 accumulators (token t, half h), one FMA each per block; the offsets of the 4 tokens
    /// in one SIMD4 FMA per block.
    @inline(__always)
    func run<B: LegacyBlock>(_: B.Type, _ w: UnsafeRawPointer, rows: Range<Int>, blocks nb: Int) {
        let blockBytes = B.bytes, rowBytes = nb &* blockBytes
        for r in rows {
            let row = w + r &* rowBytes
            var a0 = SIMD16<Float>(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0
            var m = SIMD4<Float>()
            for b in 0..<nb {
                let (lo, hi, mw) = B.decode(row + b &* blockBytes)
                let xb = x + b &* 512
                a0.addProduct(lo, xb.loadUnaligned(as: SIMD16<Float>.self))
                b0.addProduct(hi, xb.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self))
                a1.addProduct(lo, xb.loadUnaligned(fromByteOffset: 128, as: SIMD16<Float>.self))
                b1.addProduct(hi, xb.loadUnaligned(fromByteOffset: 192, as: SIMD16<Float>.self))
                a2.addProduct(lo, xb.loadUnaligned(fromByteOffset: 256, as: SIMD16<Float>.self))
                b2.addProduct(hi, xb.loadUnaligned(fromByteOffset: 320, as: SIMD16<Float>.self))
                a3.addProduct(lo, xb.loadUnaligned(fromByteOffset: 384, as: SIMD16<Float>.self))
                b3.addProduct(hi, xb.loadUnaligned(fromByteOffset: 448, as: SIMD16<Float>.self))
                m.addProduct(SIMD4<Float>(repeating: mw), s.loadUnaligned(fromByteOffset: b &* 16, as: SIMD4<Float>.self))
            }
            let i = r &- rows.lowerBound
            let sums = SIMD4<Float>(hsum(a0 + b0), hsum(a1 + b1), hsum(a2 + b2), hsum(a3 + b3)) + m
            for t in 0..<tokens { y[t &* yStride &+ i] = sums[t] }
        }
    }
}

/// Zero-extends 16 bytes to 32-bit lanes (one `vpmovzxbd`).
@inline(__always)
func widen32(_ v: SIMD16<UInt8>) -> SIMD16<Int32> {
    SIMD16<Int32>(
        Int32(v[0]), Int32(v[1]), Int32(v[2]), Int32(v[3]), Int32(v[4]), Int32(v[5]), Int32(v[6]), Int32(v[7]),
        Int32(v[8]), Int32(v[9]), Int32(v[10]), Int32(v[11]), Int32(v[12]), Int32(v[13]), Int32(v[14]), Int32(v[15]))
}

/// Sign-extends 16 bytes to 32-bit lanes (one `vpmovsxbd`).
@inline(__always)
func widen32(_ v: SIMD16<Int8>) -> SIMD16<Int32> {
    SIMD16<Int32>(
        Int32(v[0]), Int32(v[1]), Int32(v[2]), Int32(v[3]), Int32(v[4]), Int32(v[5]), Int32(v[6]), Int32(v[7]),
        Int32(v[8]), Int32(v[9]), Int32(v[10]), Int32(v[11]), Int32(v[12]), Int32(v[13]), Int32(v[14]), Int32(v[15]))
}
