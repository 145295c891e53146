/// The element type of key and value rows: `Float`, or `Float16` (a KV cache at half the bytes, as
/// llama.cpp's default F16 cache). The kernel converts F16 rows 16 lanes at a time to Float
/// (`SIMD16<Float>(SIMD16<Float16>)`: one `vcvtph2ps zmm` with `-target-cpu native`, seen in the release
/// binary) and computes in Float.
public protocol AttentionElement: Sendable {
    /// Elements i ..< i + 16 of p, as floats.
    static func load16(_ p: UnsafePointer<Self>, _ i: Int) -> SIMD16<Float>
    /// Element i of p, as a float.
    static func load(_ p: UnsafePointer<Self>, _ i: Int) -> Float
    /// dst[i] = src[i] rounded to this type (to nearest, ties to even), for i < n.
    static func store(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Self>, count n: Int)
    /// `Attention.run` compiled for this type: the generic entry points call it through the protocol, so
    /// other modules reach code specialized for the element type.
    static func attention(_ job: Attention.Job<Self>)
}

extension Float: AttentionElement {
    @inline(__always)
    public static func load16(_ p: UnsafePointer<Float>, _ i: Int) -> SIMD16<Float> {
        UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inline(__always)
    public static func load(_ p: UnsafePointer<Float>, _ i: Int) -> Float { p[i] }

    public static func store(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, count n: Int) {
        dst.update(from: src, count: n)
    }

    public static func attention(_ job: Attention.Job<Float>) { Attention.run(job) }
}

extension Float16: AttentionElement {
    @inline(__always)
    public static func load16(_ p: UnsafePointer<Float16>, _ i: Int) -> SIMD16<Float> {
        SIMD16<Float>(UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<Float16>.self))
    }

    @inline(__always)
    public static func load(_ p: UnsafePointer<Float16>, _ i: Int) -> Float { Float(p[i]) }

    public static func store(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float16>, count n: Int) {
        var i = 0
        while i &+ 16 <= n {
            let x = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(dst + i).storeBytes(of: SIMD16<Float16>(x), as: SIMD16<Float16>.self)
            i &+= 16
        }
        while i < n {
            dst[i] = Float16(src[i])
            i &+= 1
        }
    }

    public static func attention(_ job: Attention.Job<Float16>) { Attention.run(job) }
}
