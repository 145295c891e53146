#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Attention of one query position over cached key/value rows: `out_h = softmax(scale * q_h K^T) V` for
/// a group of query heads that share one KV head (grouped-query attention).
///
/// The fast kernel reads every key and value row once per 4 heads of the group (the scores of up to 4
/// heads are computed from one load of each key chunk, the weighted sums from one load of each value
/// chunk), in tiles of 32 keys with an online softmax (running max and sum per head, the output rescaled
/// when the max grows; Milakov & Gimelshein 2018, as in FlashAttention and llama.cpp's
/// `ggml_compute_forward_flash_attn_ext`), so no buffer proportional to the context is needed and long
/// contexts cost one pass over K and V. Rows are Float or Float16 (`AttentionElement`), converted to Float
/// 16 lanes at a time as they are loaded. `attendReference` is the scalar reference (scores, softmax in
/// Double, weighted sum in Double).
public enum Attention {
    /// `count` key rows at `keys + i * rowStride` and value rows at `values + i * rowStride` (elements),
    /// consecutive positions. A cache that wraps (a rolling window) or a chunk whose own keys are not yet
    /// in the cache gives up to three spans; each has its own stride (a cache laid out per KV head: the
    /// head size; a chunk's rows of all KV heads: kvDim).
    public struct Span<Element: AttentionElement> {
        public var keys: UnsafePointer<Element>
        public var values: UnsafePointer<Element>
        public var count: Int
        public var rowStride: Int
        public init(keys: UnsafePointer<Element>, values: UnsafePointer<Element>, count: Int, rowStride: Int) {
            self.keys = keys
            self.values = values
            self.count = count
            self.rowStride = rowStride
        }

        /// Rows `from ..< from + count` of this span.
        func rows(from a: Int, count n: Int) -> Span {
            Span(keys: keys + a &* rowStride, values: values + a &* rowStride, count: n, rowStride: rowStride)
        }
    }

    /// One call of the kernel: `attend` (stats nil) or `attendPart`.
    public struct Job<Element: AttentionElement> {
        let queries: UnsafePointer<Float>, heads: Int, headDim: Int, scale: Float
        let spans: (Span<Element>, Span<Element>, Span<Element>)
        let out: UnsafeMutablePointer<Float>, stats: UnsafeMutablePointer<Float>?
    }

    /// Keys per tile of the online softmax.
    static let tile = 32

    /// For h < heads: `out[h * headDim ..< (h + 1) * headDim] = sum_j p_hj v_j`, p_h = softmax over the
    /// rows j of `spans` (in order) of `scale * q_h . k_j`, with q_h at `queries + h * headDim`. At least one
    /// row in all. Synchronous; no heap allocation (stack buffers: 528 bytes, and 2 x 32 x headDim elements
    /// for tiles across span boundaries).
    public static func attend<E: AttentionElement>(
        queries: UnsafePointer<Float>, heads: Int, headDim hd: Int, scale: Float,
        spans: (Span<E>, Span<E>, Span<E>), out: UnsafeMutablePointer<Float>
    ) {
        E.attention(Job(queries: queries, heads: heads, headDim: hd, scale: scale, spans: spans, out: out, stats: nil))
    }

    /// `attend` over some of the rows, left for `merge`: out_h = sum_j e^(s_hj - m_h) v_j (not divided),
    /// with `stats[2h]` = m_h, the largest score s_hj = scale * q_h . k_j, and `stats[2h + 1]` =
    /// sum_j e^(s_hj - m_h). At least one row.
    public static func attendPart<E: AttentionElement>(
        queries: UnsafePointer<Float>, heads: Int, headDim hd: Int, scale: Float,
        spans: (Span<E>, Span<E>, Span<E>), out: UnsafeMutablePointer<Float>, stats: UnsafeMutablePointer<Float>
    ) {
        E.attention(Job(queries: queries, heads: heads, headDim: hd, scale: scale, spans: spans, out: out, stats: stats))
    }

    /// `attend`'s output from `parts` results of `attendPart` over disjoint rows (in any order): part i's
    /// `heads * headDim` outputs at `parts + i * partStride`, its stats right after them. With M_h the
    /// largest m_h of the parts, out_h = sum_i e^(m_ih - M_h) out_ih / sum_i e^(m_ih - M_h) l_ih.
    public static func merge(_ parts: UnsafePointer<Float>, count: Int, partStride: Int, heads: Int, headDim hd: Int,
                             out: UnsafeMutablePointer<Float>) {
        let statsAt = heads &* hd
        for h in 0..<heads {
            var m = -Float.infinity
            for i in 0..<count { m = Swift.max(m, parts[i &* partStride &+ statsAt &+ 2 &* h]) }
            var total: Float = 0
            let o = out + h &* hd
            o.initialize(repeating: 0, count: hd)
            for i in 0..<count {
                let part = parts + i &* partStride
                let w = expf(part[statsAt &+ 2 &* h] - m)
                total += w * part[statsAt &+ 2 &* h &+ 1]
                Ops.axpy(w, part + h &* hd, o, hd)
            }
            let inv = 1 / total
            for d in 0..<hd { o[d] *= inv }
        }
    }

    /// The rows `from ..< from + count` of `spans` (taken in order).
    public static func slice<E: AttentionElement>(_ spans: (Span<E>, Span<E>, Span<E>), from: Int, count: Int)
        -> (Span<E>, Span<E>, Span<E>) {
        var skip = from, take = count
        func cut(_ s: Span<E>) -> Span<E> {
            let a = Swift.min(skip, s.count), n = Swift.min(take, s.count &- a)
            skip &-= a
            take &-= n
            return s.rows(from: a, count: n)
        }
        let a = cut(spans.0), b = cut(spans.1), c = cut(spans.2)
        return (a, b, c)
    }

    /// The kernel, compiled per element type (called through `AttentionElement.attention`).
    static func run<E: AttentionElement>(_ job: Job<E>) {
        let spans = job.spans, hd = job.headDim, heads = job.heads
        precondition(spans.0.count >= 0 && spans.1.count >= 0 && spans.2.count >= 0, "negative span length")
        precondition(spans.0.count + spans.1.count + spans.2.count > 0, "attention over no rows")
        withUnsafeTemporaryAllocation(of: E.self, capacity: 2 &* tile &* hd) { gatherBuffer in
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 &* tile &+ 4) { buf in
            let scores = buf.baseAddress.unsafelyUnwrapped, gather = gatherBuffer.baseAddress.unsafelyUnwrapped
            var h0 = 0
            while h0 < heads {
                let hn = Swift.min(4, heads &- h0)
                var state = Online<E>(q: job.queries + h0 &* hd, out: job.out + h0 &* hd, heads: hn, headDim: hd,
                                      scale: job.scale, scores: scores)
                state.begin()
                state.add(spans, gather: gather)
                if let stats = job.stats {
                    for h in 0..<hn {
                        stats[2 &* (h0 &+ h)] = state.m[h]
                        stats[2 &* (h0 &+ h) &+ 1] = state.l[h]
                    }
                } else {
                    state.finish()
                }
                h0 &+= hn
            }
        }
        }
    }

    /// Scalar reference of `attend`: every element converted to Double (scores, softmax, weighted sum).
    public static func attendReference<E: AttentionElement>(
        queries: UnsafePointer<Float>, heads: Int, headDim hd: Int, scale: Float,
        spans: (Span<E>, Span<E>, Span<E>), out: UnsafeMutablePointer<Float>
    ) {
        var rows: [(UnsafePointer<E>, UnsafePointer<E>)] = []
        for span in [spans.0, spans.1, spans.2] {
            for i in 0..<span.count { rows.append((span.keys + i * span.rowStride, span.values + i * span.rowStride)) }
        }
        for h in 0..<heads {
            let q = queries + h * hd
            var s = rows.map { row in
                Double(scale) * (0..<hd).reduce(0.0) { $0 + Double(q[$1]) * Double(E.load(row.0, $1)) }
            }
            let m = s.max() ?? 0
            s = s.map { exp($0 - m) }
            let total = s.reduce(0, +)
            for d in 0..<hd {
                var acc = 0.0
                for (j, row) in rows.enumerated() { acc += s[j] * Double(E.load(row.1, d)) }
                out[h * hd + d] = Float(acc / total)
            }
        }
    }
}
