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

    /// In-place softmax over n values, with the max subtracted for stability. Vectorized (`Ops.exp`, sums in
    /// float lanes); `OpsReference.softmax` is the scalar reference. At long context this is one exp per
    /// cached position and head per layer, which with libm `expf` cost as much as the attention dot products.
    public static func softmax(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
        let raw = UnsafeMutableRawPointer(x)
        var mv = SIMD16<Float>(repeating: -.infinity)
        var i = 0
        while i &+ 16 <= n {
            let v = raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
            mv = mv.replacing(with: v, where: v .> mv)
            i &+= 16
        }
        var m = mv.max()
        while i < n { m = Swift.max(m, x[i]); i &+= 1 }
        let mm = SIMD16<Float>(repeating: m)
        var s0 = SIMD16<Float>(), s1 = SIMD16<Float>()
        i = 0
        while i &+ 16 <= n {
            let e = exp(raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self) - mm)
            raw.storeBytes(of: e, toByteOffset: i &* 4, as: SIMD16<Float>.self)
            if i & 16 == 0 { s0 += e } else { s1 += e }
            i &+= 16
        }
        var s = hsum(s0 + s1)
        while i < n {
            let e = expf(x[i] - m)
            x[i] = e
            s += e
            i &+= 1
        }
        let inv = 1 / s
        let vinv = SIMD16<Float>(repeating: inv)
        i = 0
        while i &+ 16 <= n {
            raw.storeBytes(of: raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self) * vinv,
                           toByteOffset: i &* 4, as: SIMD16<Float>.self)
            i &+= 16
        }
        while i < n { x[i] *= inv; i &+= 1 }
    }

    /// e^x per lane (Cephes `expf`: x = n ln 2 + r, |r| <= ln 2 / 2, degree-6 polynomial, times 2^n built in
    /// the exponent bits). Relative error ~1.2e-7 (measured against libm over [-87, 88]); inputs below -88
    /// give 0, inputs above 88 give e^88 (~1.7e38). Every operation stays a vector instruction (no per-lane calls).
    @inline(__always)
    public static func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let lo = SIMD16<Float>(repeating: -88), hi = SIMD16<Float>(repeating: 88)
        let xl = x.replacing(with: lo, where: x .< lo)
        let xc = xl.replacing(with: hi, where: xl .> hi)
        let magic = SIMD16<Float>(repeating: 12582912)  // 1.5 * 2^23: adding it rounds to an integer
        let t = xc * SIMD16<Float>(repeating: 1.44269504088896341) + magic
        let n = t - magic
        var r = xc - n * SIMD16<Float>(repeating: 0.693359375)
        r = r - n * SIMD16<Float>(repeating: -2.12194440e-4)
        var p = SIMD16<Float>(repeating: 1.9875691500e-4)
        p = p * r + SIMD16<Float>(repeating: 1.3981999507e-3)
        p = p * r + SIMD16<Float>(repeating: 8.3334519073e-3)
        p = p * r + SIMD16<Float>(repeating: 4.1665795894e-2)
        p = p * r + SIMD16<Float>(repeating: 1.6666665459e-1)
        p = p * r + SIMD16<Float>(repeating: 5.0000001201e-1)
        let y = p * (r * r) + r + SIMD16<Float>(repeating: 1)
        let biased = unsafeBitCast(t, to: SIMD16<Int32>.self) &- unsafeBitCast(magic, to: SIMD16<Int32>.self)
            &+ SIMD16<Int32>(repeating: 127)
        let clamped = biased & ~(biased &>> SIMD16<Int32>(repeating: 31))  // 2^n underflows to 0
        return y * unsafeBitCast(clamped &<< SIMD16<Int32>(repeating: 23), to: SIMD16<Float>.self)
    }

    /// gate[i] = silu(gate[i]) * up[i]  (SwiGLU).
    /// Vectorized with `Ops.exp` (`OpsReference.swiglu` is the scalar reference).
    public static func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, _ n: Int) {
        let rg = UnsafeMutableRawPointer(gate), ru = UnsafeRawPointer(up)
        let one = SIMD16<Float>(repeating: 1)
        var i = 0
        while i &+ 16 <= n {
            let g = rg.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
            let u = ru.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
            rg.storeBytes(of: g / (one + exp(-g)) * u, toByteOffset: i &* 4, as: SIMD16<Float>.self)
            i &+= 16
        }
        while i < n {
            let g = gate[i]
            gate[i] = g / (1 + expf(-g)) * up[i]
            i &+= 1
        }
    }

    /// x[i] += y[i]
    public static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int) {
        for i in 0..<n { x[i] += y[i] }
    }

    /// x *= s.
    public static func scale(_ x: UnsafeMutablePointer<Float>, _ s: Float, _ n: Int) {
        for i in 0..<n { x[i] *= s }
    }

    /// GeGLU in place: gate[i] = gelu(gate[i]) * up[i], GELU's tanh approximation
    /// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (PyTorch `gelu(approximate="tanh")`, Gemma's
    /// `gelu_pytorch_tanh`), computed as x / (1 + exp(-2 sqrt(2/pi) (x + 0.044715 x^3))) (the same function:
    /// 0.5 (1 + tanh u) = sigmoid(2u)), vectorized with `Ops.exp`. `OpsReference.geglu` is the reference.
    public static func geglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, _ n: Int) {
        let rg = UnsafeMutableRawPointer(gate), ru = UnsafeRawPointer(up)
        let one = SIMD16<Float>(repeating: 1), c = SIMD16<Float>(repeating: 0.044715)
        let k = SIMD16<Float>(repeating: -2 * Float((2.0 / Double.pi).squareRoot()))
        var i = 0
        while i &+ 16 <= n {
            let g = rg.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
            let u = ru.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Float>.self)
            let inner = k * (g + c * g * g * g)
            rg.storeBytes(of: g / (one + exp(inner)) * u, toByteOffset: i &* 4, as: SIMD16<Float>.self)
            i &+= 16
        }
        if i < n { OpsReference.geglu(gate + i, up + i, n - i) }
    }

    /// Logit soft-capping in place: x = cap * tanh(x / cap) (Gemma 2's `final_logit_softcapping`).
    public static func softcap(_ x: UnsafeMutablePointer<Float>, cap: Float, _ n: Int) {
        for i in 0..<n { x[i] = cap * tanhf(x[i] / cap) }
    }
}

/// Scalar references of the vectorized `Ops` kernels.
package enum OpsReference {
    /// In-place softmax over n values: max subtracted, libm `expf`, sum in Double.
    package static func softmax(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
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

    /// gate[i] = silu(gate[i]) * up[i] with libm `expf`.
    /// GeGLU with the tanh GELU, element by element in Double with libm's tanh.
    package static func geglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, _ n: Int) {
        let k = (2.0 / Double.pi).squareRoot()
        for i in 0..<n {
            let x = Double(gate[i])
            gate[i] = Float(0.5 * x * (1 + tanh(k * (x + 0.044715 * x * x * x)))) * up[i]
        }
    }

    package static func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, _ n: Int) {
        for i in 0..<n {
            let g = gate[i]
            gate[i] = g / (1 + expf(-g)) * up[i]
        }
    }
}
