import BoraKernelsC
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Q4_0 matrix repacked once at load into the "Q4_0x8" layout of the C VNNI kernel (layout in
/// Sources/BoraKernelsC/include/BoraKernelsC.h, `bora_gemm_q4_0x8`): groups of 8 rows whose block b's quants
/// are 128 contiguous bytes (one 64-byte load per 4 rows) and whose scales are 8 contiguous fp16 values,
/// scales and quants alternating in chunks of 4 blocks (one sequential stream); the rows % 8 last rows stay
/// plain Q4_0. Same size as the GGUF tensor; the quant bytes are copied unchanged.
///
/// The idea follows llama.cpp's load-time repacking of Q4_0 (ggml-cpu `repack.cpp`, 8 rows interleaved);
/// the layout and kernel here are Bora's own (the -8 offset is folded into a per-token block sum, not into
/// the nibbles). Owns its memory; immutable after `init`, so shared read-only across threads.
public final class RepackedQ4_0: @unchecked Sendable {
    /// Rows per group.
    public static let interleave = 8

    public let rows: Int
    public let cols: Int
    /// Bytes of the repacked data (equal to the Q4_0 tensor's).
    public let byteCount: Int
    let base: UnsafeMutableRawPointer

    /// True when `matmul` runs the C kernel on this CPU (AVX512-VNNI, and `BORA_KERNELS` is not `swift`):
    /// the only case where repacking pays. Elsewhere callers keep the plain layout and its Swift kernels.
    public static var isUseful: Bool { Native.available }

    /// Repacks `rows` Q4_0 rows of `cols` elements (a multiple of 32) read from `src` (GGUF row-major
    /// layout). `src` is only read during the call.
    public init(repacking src: UnsafeRawPointer, rows: Int, cols: Int) {
        precondition(rows >= 0 && cols >= 0 && cols % 32 == 0, "Q4_0: \(cols) columns is not a whole number of blocks")
        self.rows = rows
        self.cols = cols
        let nb = cols / 32, rowBytes = nb &* 18
        byteCount = rows &* rowBytes
        base = Self.allocate(byteCount)
        let groups = rows / Self.interleave, groupBytes = nb &* 144
        for g in 0..<groups {
            let dst = base + g &* groupBytes
            for i in 0..<Self.interleave {
                let row = src + (g &* Self.interleave &+ i) &* rowBytes
                for b in 0..<nb {
                    let blk = row + b &* 18, (scale, quants) = Self.offsets(block: b, row: i, blocks: nb)
                    dst.storeBytes(of: blk.loadUnaligned(as: UInt16.self), toByteOffset: scale, as: UInt16.self)
                    (dst + quants).storeBytes(of: blk.loadUnaligned(fromByteOffset: 2, as: SIMD16<UInt8>.self),
                                              as: SIMD16<UInt8>.self)
                }
            }
        }
        let tail = groups &* groupBytes
        (base + tail).copyMemory(from: src + tail, byteCount: byteCount &- tail)
    }

    deinit { Self.deallocate(base, byteCount) }

    /// Anonymous memory for the repacked rows, in transparent huge pages where the kernel offers them
    /// (`madvise` mode): decode streams every weight once per token, and with 4 KiB pages the 1B Q4_0 model's
    /// decode ran slower from this copy than from the file mapping. Falls back to the heap.
    private static func allocate(_ bytes: Int) -> UnsafeMutableRawPointer {
        #if os(Linux)
        let huge = 2 << 20
        if bytes >= huge, let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
           p != MAP_FAILED {
            _ = madvise(p, bytes, Int32(MADV_HUGEPAGE))
            return p
        }
        #endif
        return .allocate(byteCount: Swift.max(bytes, 1), alignment: 64)
    }

    private static func deallocate(_ p: UnsafeMutableRawPointer, _ bytes: Int) {
        #if os(Linux)
        if bytes >= 2 << 20 {
            _ = munmap(p, bytes)
            return
        }
        #endif
        p.deallocate()
    }

    /// Row r in plain Q4_0 (`cols / 32` blocks of 18 bytes) into `dst`.
    package func gatherRow(_ r: Int, into dst: UnsafeMutableRawPointer) {
        precondition(r >= 0 && r < rows, "row \(r) of \(rows)")
        let nb = cols / 32, groups = rows / Self.interleave
        guard r < groups &* Self.interleave else {
            dst.copyMemory(from: base + r &* nb &* 18, byteCount: nb &* 18)
            return
        }
        let g = base + (r / Self.interleave) &* nb &* 144, i = r % Self.interleave
        for b in 0..<nb {
            let blk = dst + b &* 18, (scale, quants) = Self.offsets(block: b, row: i, blocks: nb)
            blk.storeBytes(of: g.loadUnaligned(fromByteOffset: scale, as: UInt16.self), as: UInt16.self)
            blk.storeBytes(of: g.loadUnaligned(fromByteOffset: quants, as: SIMD16<UInt8>.self),
                           toByteOffset: 2, as: SIMD16<UInt8>.self)
        }
    }

    /// Byte offsets in a group of block b's fp16 scale and 16 quant bytes for row i of the group.
    @inline(__always)
    static func offsets(block b: Int, row i: Int, blocks nb: Int) -> (scale: Int, quants: Int) {
        let chunk = b / 4 &* 576, j = b % 4, k = Swift.min(4, nb &- b / 4 &* 4)
        return (chunk &+ j &* 16 &+ i &* 2, chunk &+ k &* 16 &+ j &* 128 &+ i &* 16)
    }

    /// Dequantizes row r into dst[0..<cols] (the same floats as the plain row).
    public func dequantizeRow(_ r: Int, into dst: UnsafeMutablePointer<Float>) {
        withUnsafeTemporaryAllocation(byteCount: cols / 32 &* 18 &+ 1, alignment: 16) { buf in
            let row = buf.baseAddress.unsafelyUnwrapped
            gatherRow(r, into: row)
            Quant.dequantize(.q4_0, row, dst, count: cols)
        }
    }

    /// The `Quant.matmul` contract on the repacked rows: y[t * yStride + (r - rows.lowerBound)] = dot(row r,
    /// token t) for `tokens` Q8_0 activation rows at `x` (stride `xStride`). One token is the matvec.
    public func matmul(rows range: Range<Int>, x: UnsafeRawPointer, xStride: Int, tokens: Int,
                       y: UnsafeMutablePointer<Float>, yStride: Int) {
        matmul(rows: range, x: x, xStride: xStride, tokens: tokens, y: y, yStride: yStride, path: .best)
    }

    /// `matmul` on the chosen path: `.best` runs the C kernel where `isUseful`, else (and for `.swift`) the
    /// scalar reference `matmulReference`.
    package func matmul(rows range: Range<Int>, x: UnsafeRawPointer, xStride: Int, tokens: Int,
                        y: UnsafeMutablePointer<Float>, yStride: Int, path: KernelPath) {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "rows \(range) of \(rows)")
        precondition(tokens >= 0, "negative token count \(tokens)")
        guard path == .best, Native.available else {
            matmulReference(rows: range, x: x, xStride: xStride, tokens: tokens, y: y, yStride: yStride)
            return
        }
        bora_gemm_q4_0x8(base, cols / 32, rows, range.lowerBound, range.upperBound, x, xStride, tokens, y, yStride)
    }

    /// Scalar reference: each row gathered back to plain Q4_0 and dotted by `Quant.matvecReference`.
    package func matmulReference(rows range: Range<Int>, x: UnsafeRawPointer, xStride: Int, tokens: Int,
                                 y: UnsafeMutablePointer<Float>, yStride: Int) {
        withUnsafeTemporaryAllocation(byteCount: cols / 32 &* 18 &+ 1, alignment: 16) { buf in
            let row = UnsafeRawPointer(buf.baseAddress.unsafelyUnwrapped)
            for r in range {
                gatherRow(r, into: buf.baseAddress.unsafelyUnwrapped)
                for t in 0..<tokens {
                    Quant.matvecReference(.q4_0, weights: row, cols: cols, rows: 0..<1, x: x + t &* xStride,
                                          y: y + (t &* yStride &+ r &- range.lowerBound))
                }
            }
        }
    }
}
