#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Attention {
    /// The online softmax of up to 4 heads over tiles of at most `tile` keys. `out` holds the unnormalized
    /// weighted sum of the values seen so far, relative to the running max `m` (per head); `l` the sum of
    /// the weights. A tile with a larger max rescales the old sum by e^(m_old - m_new) as it is reloaded.
    struct Online<E: AttentionElement> {
        let q: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>
        let heads: Int, headDim: Int, scale: Float
        /// (4, tile) scores, then weights, of the current tile.
        let scores: UnsafeMutablePointer<Float>
        var m = SIMD4<Float>(repeating: -.infinity), l = SIMD4<Float>()

        func begin() { out.initialize(repeating: 0, count: heads &* headDim) }

        /// out_h /= l_h.
        func finish() {
            for h in 0..<heads {
                let inv = 1 / l[h]
                for d in 0..<headDim { out[h &* headDim &+ d] *= inv }
            }
        }

        /// All rows of `span`, a tile at a time.
        @inline(__always)
        mutating func add(_ span: Span<E>) {
            var i = 0
            while i < span.count {
                let n = Swift.min(tile, span.count &- i)
                add(keys: span.keys + i &* span.rowStride, values: span.values + i &* span.rowStride,
                    rowStride: span.rowStride, count: n)
                i &+= n
            }
        }

        /// One tile of n (1...tile) rows.
        mutating func add(keys: UnsafePointer<E>, values: UnsafePointer<E>, rowStride: Int, count n: Int) {
            let t = tile
            for i in 0..<n {
                let s = dots(keys + i &* rowStride) * scale
                for h in 0..<heads { scores[h &* t &+ i] = s[h] }
            }
            var c = SIMD4<Float>(repeating: 1)
            let raw = UnsafeMutableRawPointer(scores)
            for h in 0..<heads {
                let s = scores + h &* t
                var mt = m[h]
                for i in 0..<n { mt = Swift.max(mt, s[i]) }
                for i in n..<t { s[i] = -.infinity }
                c[h] = m[h] == -.infinity ? 0 : expf(m[h] - mt)
                let mv = SIMD16<Float>(repeating: mt)
                var sum = SIMD16<Float>()
                for v in 0..<t / 16 {
                    let off = (h &* t &+ 16 &* v) &* 4
                    let e = Ops.exp(raw.loadUnaligned(fromByteOffset: off, as: SIMD16<Float>.self) - mv)
                    raw.storeBytes(of: e, toByteOffset: off, as: SIMD16<Float>.self)
                    sum += e
                }
                l[h] = l[h] * c[h] + hsum(sum)
                m[h] = mt
            }
            weightedSum(values, rowStride: rowStride, count: n, rescale: c)
        }

        /// (q_h . k) for h < heads (lanes past `heads` are 0): each 16-float chunk of k loaded once.
        @inline(__always)
        func dots(_ k: UnsafePointer<E>) -> SIMD4<Float> {
            let rq = UnsafeRawPointer(q), hd = headDim
            var a0 = SIMD16<Float>(), a1 = a0, a2 = a0, a3 = a0
            var d = 0
            while d &+ 16 <= hd {
                let kv = E.load16(k, d)
                a0.addProduct(rq.loadUnaligned(fromByteOffset: d &* 4, as: SIMD16<Float>.self), kv)
                if heads > 1 { a1.addProduct(rq.loadUnaligned(fromByteOffset: (hd &+ d) &* 4, as: SIMD16<Float>.self), kv) }
                if heads > 2 { a2.addProduct(rq.loadUnaligned(fromByteOffset: (2 &* hd &+ d) &* 4, as: SIMD16<Float>.self), kv) }
                if heads > 3 { a3.addProduct(rq.loadUnaligned(fromByteOffset: (3 &* hd &+ d) &* 4, as: SIMD16<Float>.self), kv) }
                d &+= 16
            }
            var r = SIMD4<Float>(hsum(a0), heads > 1 ? hsum(a1) : 0, heads > 2 ? hsum(a2) : 0, heads > 3 ? hsum(a3) : 0)
            while d < hd {
                for h in 0..<heads { r[h] += q[h &* hd &+ d] * E.load(k, d) }
                d &+= 1
            }
            return r
        }

        /// out_h = out_h * c_h + sum_i w_hi v_i, a 16-float chunk of the outputs at a time in registers while
        /// the tile's value rows stream through (each chunk of each row loaded once for all heads).
        @inline(__always)
        func weightedSum(_ values: UnsafePointer<E>, rowStride: Int, count n: Int, rescale c: SIMD4<Float>) {
            let t = tile, hd = headDim
            let ro = UnsafeMutableRawPointer(out)
            var d = 0
            while d &+ 16 <= hd {
                var o0 = ro.loadUnaligned(fromByteOffset: d &* 4, as: SIMD16<Float>.self) * c[0]
                var o1 = SIMD16<Float>(), o2 = o1, o3 = o1
                if heads > 1 { o1 = ro.loadUnaligned(fromByteOffset: (hd &+ d) &* 4, as: SIMD16<Float>.self) * c[1] }
                if heads > 2 { o2 = ro.loadUnaligned(fromByteOffset: (2 &* hd &+ d) &* 4, as: SIMD16<Float>.self) * c[2] }
                if heads > 3 { o3 = ro.loadUnaligned(fromByteOffset: (3 &* hd &+ d) &* 4, as: SIMD16<Float>.self) * c[3] }
                for i in 0..<n {
                    let vv = E.load16(values, i &* rowStride &+ d)
                    o0.addProduct(SIMD16<Float>(repeating: scores[i]), vv)
                    if heads > 1 { o1.addProduct(SIMD16<Float>(repeating: scores[t &+ i]), vv) }
                    if heads > 2 { o2.addProduct(SIMD16<Float>(repeating: scores[2 &* t &+ i]), vv) }
                    if heads > 3 { o3.addProduct(SIMD16<Float>(repeating: scores[3 &* t &+ i]), vv) }
                }
                ro.storeBytes(of: o0, toByteOffset: d &* 4, as: SIMD16<Float>.self)
                if heads > 1 { ro.storeBytes(of: o1, toByteOffset: (hd &+ d) &* 4, as: SIMD16<Float>.self) }
                if heads > 2 { ro.storeBytes(of: o2, toByteOffset: (2 &* hd &+ d) &* 4, as: SIMD16<Float>.self) }
                if heads > 3 { ro.storeBytes(of: o3, toByteOffset: (3 &* hd &+ d) &* 4, as: SIMD16<Float>.self) }
                d &+= 16
            }
            while d < hd {
                for h in 0..<heads {
                    var o = out[h &* hd &+ d] * c[h]
                    for i in 0..<n { o += scores[h &* t &+ i] * E.load(values, i &* rowStride &+ d) }
                    out[h &* hd &+ d] = o
                }
                d &+= 1
            }
        }
    }
}
