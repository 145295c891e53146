import BoraKernelsC
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which implementation runs the Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 and K-quant integer dot products (matvec and
/// GEMM).
package enum KernelPath: Sendable, CaseIterable {
    /// The C AVX512-VNNI kernels (Sources/BoraKernelsC) when `Native.available`, else the Swift ones.
    case best
    /// The Swift SIMD kernels, which are the reference the C kernels are tested against.
    case swift
}

/// The C kernels, for the weight types they cover. Swift cannot emit `vpdpbusd` (a block's 32 multiply-adds
/// in one instruction, where the Swift kernels need widen, multiply and a shift pair-sum) nor `vpmaddubsw` /
/// `vpdpwssd` (the K-quants' scaled sums): Swift has no intrinsics for them. The C target
/// selects them per function with `target` attributes, and this run-time CPU check picks the path, so portable
/// builds (BORA_PORTABLE=1) use them too and CPUs without VNNI run the Swift kernels.
enum Native {
    /// True when the CPU has AVX512-VNNI (with AVX512BW/VL, F16C, FMA) and the environment variable
    /// `BORA_KERNELS` is not `swift` (an A/B switch for benchmarks). Read once per process.
    static let available: Bool = {
        guard bora_cpu_has_vnni() == 1 else { return false }
        guard let v = getenv("BORA_KERNELS") else { return true }
        return String(cString: v) != "swift"
    }()

    /// The C kernel's format code for `type`, or nil where there is none.
    @inline(__always)
    static func kind(_ type: GGMLType, _ path: KernelPath) -> Int32? {
        guard path == .best, available else { return nil }
        switch type {
        case .q8_0: return Int32(BORA_Q8_0)
        case .q4_0: return Int32(BORA_Q4_0)
        case .q4_1: return Int32(BORA_Q4_1)
        case .q5_0: return Int32(BORA_Q5_0)
        case .q5_1: return Int32(BORA_Q5_1)
        case .q4_K: return Int32(BORA_Q4_K)
        case .q6_K: return Int32(BORA_Q6_K)
        case .q5_K: return Int32(BORA_Q5_K)
        case .q3_K: return Int32(BORA_Q3_K)
        case .q2_K: return Int32(BORA_Q2_K)
        default: return nil
        }
    }

    /// `y[t * yStride + r - rows.lowerBound] = dot(row r, token t)` (the `Quant.matmul` contract).
    @inline(__always)
    static func gemm(
        _ kind: Int32, _ type: GGMLType, _ w: UnsafeRawPointer, cols: Int, rows: Range<Int>,
        x: UnsafeRawPointer, xStride: Int, tokens: Int, y: UnsafeMutablePointer<Float>, yStride: Int
    ) {
        let gemm = kind >= Int32(BORA_Q5_K) ? bora_gemm_k_lo : bora_gemm_q
        gemm(kind, w, cols / type.blockSize, rows.lowerBound, rows.upperBound, x, xStride, tokens, y, yStride)
    }
}
