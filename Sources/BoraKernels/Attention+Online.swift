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

        /// All rows of the three spans taken in order, in tiles of `tile` rows counted from the first row
        /// whichever span they are in: a tile across a span boundary is gathered into `gather` (2 x tile x
        /// headDim elements). So the tiles, and with them the rounding of the online softmax, depend only on
        /// which keys a row sees, not on how they are split between the cache and a chunk's own keys: with an
        /// F32 cache, a prompt evaluated after a reused prefix gives the same outputs as evaluated whole.
        mutating func add(_ spans: (Span<E>, Span<E>, Span<E>), gather: UnsafeMutablePointer<E>) {
            @inline(__always) func all(_ i: Int) -> Span<E> { i == 0 ? spans.0 : i == 1 ? spans.1 : spans.2 }
            let total = spans.0.count &+ spans.1.count &+ spans.2.count
            var start = 0
            while start < total {
                let n = Swift.min(tile, total &- start)
                var skip = start, index = 0
                while index < 2, skip >= all(index).count { skip &-= all(index).count; index &+= 1 }
                let span = all(index)
                if skip &+ n <= span.count {
                    add(keys: span.keys + skip &* span.rowStride, values: span.values + skip &* span.rowStride,
                        rowStride: span.rowStride, count: n)
                } else {
                    let hd = headDim, values = gather + tile &* hd
                    var row = 0, s = index, at = skip
                    while row < n {
                        if at >= all(s).count { s &+= 1; at = 0; continue }
                        let src = all(s)
                        (gather + row &* hd).update(from: src.keys + at &* src.rowStride, count: hd)
                        (values + row &* hd).update(from: src.values + at &* src.rowStride, count: hd)
                        row &+= 1
                        at &+= 1
                    }
                    add(keys: UnsafePointer(gather), values: UnsafePointer(values), rowStride: hd, count: n)
                }
                start &+= n
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
