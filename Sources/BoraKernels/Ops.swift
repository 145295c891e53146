#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Element-wise and reduction kernels on f32 vectors used by the decoder. Each has a scalar reference in
/// `OpsReference` and a differential test.
public enum Ops {
    @inline(__always) static func hsum(_ v: SIMD16<Float>) -> Float {
        let a = v.lowHalf + v.highHalf
        let b = a.lowHalf + a.highHalf
        let c = b.lowHalf + b.highHalf
        return c[0] + c[1]
    }

    /// sum(a[i] * b[i]) over n floats.
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var a0 = SIMD16<Float>(), a1 = SIMD16<Float>()
        var i = 0
        while i + 32 <= n {
            a0.addProduct(ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self),
                          rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self))
            a1.addProduct(ra.loadUnaligned(fromByteOffset: (i &+ 16) &* 4, as: SIMD16<Float>.self),
                          rb.loadUnaligned(fromByteOffset: (i &+ 16) &* 4, as: SIMD16<Float>.self))
            i &+= 32
        }
        while i + 16 <= n {
            a0.addProduct(ra.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self),
                          rb.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self))
            i &+= 16
        }
        var s = hsum(a0 + a1)
        while i < n { s += a[i] * b[i]; i &+= 1 }
        return s
    }

    /// y[i] += a * x[i]
    @inline(__always)
    public static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let rx = UnsafeRawPointer(x), ry = UnsafeMutableRawPointer(y)
        let va = SIMD16<Float>(repeating: a)
        var i = 0
        while i + 16 <= n {
            var v = ry.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
            v.addProduct(va, rx.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self))
            ry.storeBytes(of: v, toByteOffset: i &* 4, as: SIMD16<Float>.self)
            i &+= 16
        }
        while i < n { y[i] += a * x[i]; i &+= 1 }
    }

    /// out = x / sqrt(mean(x^2) + eps) * weight  (RMSNorm, Zhang & Sennrich 2019; llama.cpp's rms_norm then mul).
    public static func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, eps: Float,
                               out: UnsafeMutablePointer<Float>, _ n: Int) {
        // The sum of squares is accumulated in Double, as ggml does (ggml_float).
        var ss: Double = 0
        for i in 0..<n { ss += Double(x[i]) * Double(x[i]) }
        let scale = Float(1.0 / (ss / Double(n) + Double(eps)).squareRoot())
        for i in 0..<n { out[i] = x[i] * scale * weight[i] }
    }

    /// In-place softmax over n values; returns nothing. Uses the max for stability.
    public static func softmax(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
        var m = -Float.infinity
        for i in 0..<n where x[i] > m { m = x[i] }
        var s: Double = 0
        for i in 0..<n {
            let e = expf(x[i] - m)
            x[i] = e
            s += Double(e)
        }
        let inv = Float(1.0 / s)
        for i in 0..<n { x[i] *= inv }
    }

    /// gate[i] = silu(gate[i]) * up[i]  (SwiGLU).
    public static func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, _ n: Int) {
        for i in 0..<n {
            let g = gate[i]
            gate[i] = g / (1 + expf(-g)) * up[i]
        }
    }

    /// x[i] += y[i]
    public static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int) {
        for i in 0..<n { x[i] += y[i] }
    }
}
