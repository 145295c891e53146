import BoraKernelsC
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Q4_0, Q4_1, Q5_0, Q8_0, Q4_K or Q6_K matrix repacked once at load, 16 rows at a time, for the C VNNI kernels
/// (`bora_gemm_x16`; layouts in Sources/BoraKernelsC/include/BoraKernelsC.h): in each group of 16 rows, one
/// record per block: each scale field of the block (d; m for Q4_1; Q5_0's qh as its low and high halves;
/// Q4_K's d, dmin and its 12 scale bytes as three words; Q6_K's d and its 16 scales as four words) as 16
/// contiguous values, then the quants in 64-byte chunks of 4 bytes per row (a chunk is a vector with one row
/// per 32-bit lane), so a group streams in order.
/// The rows % 16 last rows stay in the plain format. Same size as the GGUF tensor; quant bytes are copied
/// unchanged, except Q8_0's, stored as unsigned q + 128 (the operand `vpdpbusd` multiplies unsigned), and
/// Q6_K's, re-encoded (`encodeQ6K`).
///
/// The idea follows llama.cpp's load-time repacking (ggml-cpu `repack.cpp`, rows interleaved); the layouts
/// and kernels are Bora's own. Owns its memory; immutable after `init`, so shared read-only across threads.
public final class RepackedRows: @unchecked Sendable {
    /// Rows per group.
    public static let interleave = 16

    public let type: GGMLType
    public let rows: Int
    public let cols: Int
    /// Bytes of the repacked data (equal to the plain tensor's).
    public let byteCount: Int
    let base: UnsafeMutableRawPointer
    private let format: Format

    /// The plain block of a repackable type: its scale fields (16-bit fp16 values, or 32-bit words of packed
    /// scales), each at `offset` in the plain block and repacked as 16 contiguous values, then its
    /// `quantBytes` quant bytes, contiguous at `quantStart` in the plain block.
    struct Format {
        let fields: [(offset: Int, width: Int)]
        let quantStart: Int
        let quantBytes: Int
        /// Elements per block (32; 256 for the K-quants).
        let blockElements: Int
        /// XORed into each quant byte when repacking (and again when gathering back).
        let flip: UInt8
        /// Q6_K: the quant bytes are re-encoded (`encodeQ6K`) before they are interleaved.
        var recoded: Bool = false
        var blockBytes: Int { fields.reduce(quantBytes) { $0 &+ $1.width } }

        /// Offset of quant byte j of row i (of 16) within a block's repacked quants: 64-byte chunks, each
        /// holding bytes 4c..<4c+4 of every row, row i at 4 i.
        @inline(__always)
        func quantOffset(row i: Int, _ j: Int) -> Int {
            (j >> 2) &* 64 &+ i &* 4 &+ (j & 3)
        }

        init?(_ type: GGMLType) {
            let half = 2
            switch type {
            case .q4_0: (fields, quantStart, quantBytes, blockElements, flip) = ([(0, half)], 2, 16, 32, 0)
            case .q4_1: (fields, quantStart, quantBytes, blockElements, flip) = ([(0, half), (2, half)], 4, 16, 32, 0)
            case .q5_0: (fields, quantStart, quantBytes, blockElements, flip) = ([(0, half), (2, half), (4, half)], 6, 16, 32, 0)
            case .q8_0: (fields, quantStart, quantBytes, blockElements, flip) = ([(0, half)], 2, 32, 32, 0x80)
            // d, dmin, then the 12 bytes of 6-bit scales and mins as three words.
            case .q4_K: (fields, quantStart, quantBytes, blockElements, flip) = ([(0, half), (2, half), (4, 4), (8, 4), (12, 4)], 16, 128, 256, 0)
            // d (at the end of the plain block), the 16 int8 scales as four words; ql and qh as one run.
            case .q6_K:
                (fields, quantStart, quantBytes, blockElements, flip) = ([(208, half), (192, 4), (196, 4), (200, 4), (204, 4)], 0, 192, 256, 0)
                recoded = true
            default: return nil
            }
        }
    }

    /// True when the repacked kernels run on this CPU (AVX512-VNNI, and `BORA_KERNELS` is not `swift`): the
    /// only case where repacking pays. Elsewhere callers keep the plain layout and its Swift kernels.
    public static var isUseful: Bool { Native.available }

    /// Whether `type` has a repacked layout.
    public static func supports(_ type: GGMLType) -> Bool { Format(type) != nil }

    /// Repacks `rows` rows of `cols` elements (a whole number of blocks) of `type` read from `src` (GGUF row-major
    /// layout); nil for a type without a repacked layout. `src` is only read during the call.
    public init?(repacking src: UnsafeRawPointer, type: GGMLType, rows: Int, cols: Int) {
        guard let format = Format(type), rows >= 0, cols >= 0, cols % format.blockElements == 0 else { return nil }
        self.type = type
        self.format = format
        self.rows = rows
        self.cols = cols
        let nb = cols / format.blockElements, blockBytes = format.blockBytes, rowBytes = nb &* blockBytes
        byteCount = rows &* rowBytes
        base = Self.allocate(byteCount)
        let groups = rows / Self.interleave, groupBytes = rowBytes &* Self.interleave
        let q = format.quantBytes, record = format.blockBytes &* Self.interleave
        let quantStart = record &- q &* Self.interleave
        let flip = UInt32(format.flip) &* 0x0101_0101
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: q, alignment: 16)
        defer { scratch.deallocate() }
        for g in 0..<groups {
            let dst = base + g &* groupBytes
            for i in 0..<Self.interleave {
                let row = src + (g &* Self.interleave &+ i) &* rowBytes
                for b in 0..<nb {
                    let blk = row + b &* blockBytes
                    var at = b &* record
                    for f in format.fields {
                        (dst + (at &+ i &* f.width)).copyMemory(from: blk + f.offset, byteCount: f.width)
                        at &+= f.width &* Self.interleave
                    }
                    let quants = dst + (b &* record &+ quantStart)
                    var from = UnsafeRawPointer(blk + format.quantStart)
                    if format.recoded {
                        Self.encodeQ6K(from, scratch)
                        from = UnsafeRawPointer(scratch)
                    }
                    for j in stride(from: 0, to: q, by: 4) {  // 4-byte runs stay contiguous
                        let v = from.loadUnaligned(fromByteOffset: j, as: UInt32.self)
                        quants.storeBytes(of: v ^ flip, toByteOffset: format.quantOffset(row: i, j), as: UInt32.self)
                    }
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
        if bytes >= hugePage, let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
           p != MAP_FAILED {
            _ = madvise(p, bytes, Int32(MADV_HUGEPAGE))
            return p
        }
        #endif
        return .allocate(byteCount: Swift.max(bytes, 1), alignment: 64)
    }

    private static func deallocate(_ p: UnsafeMutableRawPointer, _ bytes: Int) {
        #if os(Linux)
        if bytes >= hugePage {
            _ = munmap(p, bytes)
            return
        }
        #endif
        p.deallocate()
    }

    private static let hugePage = 2 << 20

    /// Row r (0 <= r < rows) in the plain format into `dst`.
    package func gatherRow(_ r: Int, into dst: UnsafeMutableRawPointer) {
        let nb = cols / format.blockElements, blockBytes = format.blockBytes, rowBytes = nb &* blockBytes
        let groups = rows / Self.interleave
        guard r < groups &* Self.interleave else {
            dst.copyMemory(from: base + r &* rowBytes, byteCount: rowBytes)
            return
        }
        let q = format.quantBytes, record = format.blockBytes &* Self.interleave
        let quantStart = record &- q &* Self.interleave
        let flip = UInt32(format.flip) &* 0x0101_0101
        let g = base + (r / Self.interleave) &* rowBytes &* Self.interleave, i = r % Self.interleave
        for b in 0..<nb {
            let blk = dst + b &* blockBytes
            var at = b &* record
            for f in format.fields {
                (blk + f.offset).copyMemory(from: g + (at &+ i &* f.width), byteCount: f.width)
                at &+= f.width &* Self.interleave
            }
            let quants = g + (b &* record &+ quantStart)
            let plain = blk + format.quantStart
            withUnsafeTemporaryAllocation(byteCount: q, alignment: 16) { buf in
                guard let scratch = buf.baseAddress else { return }
                let to = format.recoded ? scratch : plain
                for j in stride(from: 0, to: q, by: 4) {
                    let v = quants.loadUnaligned(fromByteOffset: format.quantOffset(row: i, j), as: UInt32.self)
                    to.storeBytes(of: v ^ flip, toByteOffset: j, as: UInt32.self)
                }
                if format.recoded { Self.decodeQ6K(UnsafeRawPointer(scratch), plain) }
            }
        }
    }

    /// Q6_K's 192 quant bytes of one block (ql[128], qh[64]) as the repacked kernel reads them (see
    /// `group_q6_K` in Sources/BoraKernelsC/repacked_x16.c). With q[e] the 6-bit value of element e (ggml's
    /// order: in half h, element 128h + 32k + l has the low or high nibble of ql[64h + 32(k % 2) + l] and bits
    /// 2k, 2k + 1 of qh[32h + l]), bytes 12m + 4k + i (k < 3, m < 16, i < 4) are q[64k + 4m + i] | bits
    /// 2k, 2k + 1 of q[192 + 4m + i] << 6: three masks give three values, and the top bits of three bytes the
    /// fourth.
    static func encodeQ6K(_ src: UnsafeRawPointer, _ dst: UnsafeMutableRawPointer) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 256) { q in
            for h in 0..<2 {
                for l in 0..<32 {
                    let a = src.load(fromByteOffset: 64 &* h &+ l, as: UInt8.self)
                    let b = src.load(fromByteOffset: 64 &* h &+ 32 &+ l, as: UInt8.self)
                    let hb = src.load(fromByteOffset: 128 &+ 32 &* h &+ l, as: UInt8.self)
                    let e = 128 &* h &+ l
                    q[e] = a & 0x0F | (hb & 3) << 4
                    q[e &+ 32] = b & 0x0F | (hb >> 2 & 3) << 4
                    q[e &+ 64] = a >> 4 | (hb >> 4 & 3) << 4
                    q[e &+ 96] = b >> 4 | (hb >> 6) << 4
                }
            }
            for m in 0..<16 {
                for i in 0..<4 {
                    let j = 4 &* m &+ i, top = q[192 &+ j]
                    for k in 0..<3 {
                        let v = q[64 &* k &+ j] | (top >> (2 &* k) & 3) << 6
                        dst.storeBytes(of: v, toByteOffset: 12 &* m &+ 4 &* k &+ i, as: UInt8.self)
                    }
                }
            }
        }
    }

    /// The inverse of `encodeQ6K`.
    static func decodeQ6K(_ src: UnsafeRawPointer, _ dst: UnsafeMutableRawPointer) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 256) { q in
            for m in 0..<16 {
                for i in 0..<4 {
                    let j = 4 &* m &+ i
                    var top: UInt8 = 0
                    for k in 0..<3 {
                        let v = src.load(fromByteOffset: 12 &* m &+ 4 &* k &+ i, as: UInt8.self)
                        q[64 &* k &+ j] = v & 0x3F
                        top |= (v >> 6) << (2 &* k)
                    }
                    q[192 &+ j] = top
                }
            }
            for h in 0..<2 {
                for l in 0..<32 {
                    let e = 128 &* h &+ l
                    let (q0, q1, q2, q3) = (q[e], q[e &+ 32], q[e &+ 64], q[e &+ 96])
                    dst.storeBytes(of: q0 & 0x0F | (q2 & 0x0F) << 4, toByteOffset: 64 &* h &+ l, as: UInt8.self)
                    dst.storeBytes(of: q1 & 0x0F | (q3 & 0x0F) << 4, toByteOffset: 64 &* h &+ 32 &+ l, as: UInt8.self)
                    dst.storeBytes(of: q0 >> 4 | (q1 >> 4) << 2 | (q2 >> 4) << 4 | (q3 >> 4) << 6,
                                   toByteOffset: 128 &+ 32 &* h &+ l, as: UInt8.self)
                }
            }
        }
    }

    /// Dequantizes row r into dst[0..<cols] (the same floats as the plain row).
    public func dequantizeRow(_ r: Int, into dst: UnsafeMutablePointer<Float>) {
        withPlainRow(r) { Quant.dequantize(type, $0, dst, count: cols) }
    }

    private func withPlainRow(_ r: Int, _ body: (UnsafeRawPointer) -> Void) {
        withUnsafeTemporaryAllocation(byteCount: cols / format.blockElements &* format.blockBytes &+ 1, alignment: 16) { buf in
            guard let row = buf.baseAddress else { return }
            gatherRow(r, into: row)
            body(row)
        }
    }

    /// The `Quant.matmul` contract on the repacked rows: y[t * yStride + (r - rows.lowerBound)] = dot(row r,
    /// token t) for `tokens` activation rows at `x` (stride `xStride`) quantized for `type`. One token is
    /// the matvec.
    public func matmul(rows range: Range<Int>, x: UnsafeRawPointer, xStride: Int, tokens: Int,
                       y: UnsafeMutablePointer<Float>, yStride: Int) {
        matmul(rows: range, x: x, xStride: xStride, tokens: tokens, y: y, yStride: yStride, path: .best)
    }

    /// `matmul` on the chosen path: `.best` runs the C kernel where `isUseful`, else (and for `.swift`) the
    /// scalar reference `matmulReference`.
    package func matmul(rows range: Range<Int>, x: UnsafeRawPointer, xStride: Int, tokens: Int,
                        y: UnsafeMutablePointer<Float>, yStride: Int, path: KernelPath) {
        guard path == .best, Native.available, let kind = Native.kind(type, .best) else {
            matmulReference(rows: range, x: x, xStride: xStride, tokens: tokens, y: y, yStride: yStride)
            return
        }
        bora_gemm_x16(kind, base, cols / format.blockElements, rows, range.lowerBound, range.upperBound, x, xStride, tokens, y, yStride)
    }

    /// Scalar reference: each row gathered back to the plain format and dotted by `Quant.matvecReference`.
    package func matmulReference(rows range: Range<Int>, x: UnsafeRawPointer, xStride: Int, tokens: Int,
                                 y: UnsafeMutablePointer<Float>, yStride: Int) {
        for r in range {
            withPlainRow(r) { row in
                for t in 0..<tokens {
                    Quant.matvecReference(type, weights: row, cols: cols, rows: 0..<1, x: x + t &* xStride,
                                          y: y + (t &* yStride &+ (r &- range.lowerBound)))
                }
            }
        }
    }
}

