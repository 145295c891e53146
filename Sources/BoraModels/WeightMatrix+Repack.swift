import BoraKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension WeightMatrix {
    /// The repacked copy (`RepackedRows`) of a Q4_0, Q4_1, Q5_0, Q8_0, Q4_K or Q6_K matrix of at least 16 rows,
    /// where the repacked kernels run (`RepackedRows.isUseful`); nil otherwise (other types, `BORA_KERNELS=swift`, CPUs
    /// without VNNI), which keep the plain layout.
    ///
    /// Memory: the copy is made into anonymous memory, then the pages of the source range in the file mapping
    /// are released (`madvise(MADV_DONTNEED)` on the whole pages inside it), so that the weights are resident
    /// once, not twice (peak: all weights plus one tensor). The mapping is private and read-only: a later read
    /// of `data` (a LoRA export) faults the pages back in from the file.
    static func repack(type: GGMLType, _ data: UnsafeRawPointer, rows: Int, cols: Int) -> RepackedRows? {
        guard RepackedRows.supports(type), rows >= RepackedRows.interleave, RepackedRows.isUseful,
              let packed = RepackedRows(repacking: data, type: type, rows: rows, cols: cols) else { return nil }
        releasePages(data, byteCount: packed.byteCount)
        return packed
    }

    /// Drops the resident pages wholly inside [p, p + byteCount) of a file mapping (best effort).
    static func releasePages(_ p: UnsafeRawPointer, byteCount: Int) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard page > 0 else { return }
        let start = (Int(bitPattern: p) + page - 1) / page * page
        let end = (Int(bitPattern: p) + byteCount) / page * page
        guard end > start, let first = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(first, end - start, Int32(MADV_DONTNEED))
    }

    /// y[r - rows.lowerBound] = dot(row r, x) for `x` made by `Quant.quantizeActivations` for `type`.
    @inline(__always)
    public func matvec(rows range: Range<Int>, x: UnsafeRawPointer, y: UnsafeMutablePointer<Float>) {
        if let repacked {
            repacked.matmul(rows: range, x: x, xStride: 0, tokens: 1, y: y, yStride: 0)
        } else {
            Quant.matvec(type, weights: data, cols: cols, rows: range, x: x, y: y)
        }
    }

    /// The `Quant.matmul` contract on this matrix's rows `range`, on the repacked copy when there is one.
    @inline(__always)
    public func matmul(rows range: Range<Int>, x: UnsafeRawPointer, xStride: Int, tokens: Int,
                       y: UnsafeMutablePointer<Float>, yStride: Int) {
        if let repacked {
            repacked.matmul(rows: range, x: x, xStride: xStride, tokens: tokens, y: y, yStride: yStride)
        } else {
            Quant.matmul(type, weights: data, cols: cols, rows: range, x: x, xStride: xStride, tokens: tokens,
                         y: y, yStride: yStride)
        }
    }
}
