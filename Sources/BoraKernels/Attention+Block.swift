import BoraKernelsC

extension Attention {
    /// True when `attendBlock` runs on this CPU (the C kernels' check, `Native.available`).
    public static var blockAvailable: Bool { Native.available }

    /// Floats of scratch `attendBlock` needs for `tokens` x `heads` query vectors of `headDim`: the C kernel's
    /// (`blockKernelScratch`), then the running max and sum of each vector.
    public static func blockScratch(headDim: Int, tokens: Int, heads: Int) -> Int { blockKernelScratch(headDim) + 2 * tokens * heads }

    /// Floats of `bora_attn_f16_block`'s own scratch (a tile's transposed keys, its values, its weights).
    static func blockKernelScratch(_ headDim: Int) -> Int { 64 * headDim + 32 }

    /// `attend` for a block of query vectors at once (a prefill chunk's tokens x the query heads of one KV
    /// head), by the C kernel `bora_attn_f16_block` (attention_block.c): query vector (t, h) at
    /// `queries + t * queryStride + h * headDim` sees the rows of `spans` (each with the position of its first
    /// row) at positions p with positions[t] - window < p <= positions[t] (window 0: no lower bound), and its
    /// output goes to `out + t * outStride + h * headDim`. headDim a multiple of 16; only when `blockAvailable`.
    public static func attendBlock(queries: UnsafePointer<Float>, queryStride: Int, tokens: Int, heads: Int, headDim hd: Int,
                                   positions: UnsafePointer<Int32>, window: Int, scale: Float, spans: [(Span<Float16>, first: Int)],
                                   out: UnsafeMutablePointer<Float>, outStride: Int, scratch: UnsafeMutablePointer<Float>) {
        let m = scratch + blockKernelScratch(hd), l = m + tokens * heads
        m.initialize(repeating: -.infinity, count: tokens * heads)
        l.initialize(repeating: 0, count: tokens * heads)
        for t in 0..<tokens { (out + t * outStride).initialize(repeating: 0, count: heads * hd) }
        for (span, first) in spans where span.count > 0 {
            let k = UnsafeRawPointer(span.keys).assumingMemoryBound(to: UInt16.self)
            let v = UnsafeRawPointer(span.values).assumingMemoryBound(to: UInt16.self)
            bora_attn_f16_block(queries, queryStride, Int32(tokens), Int32(heads), Int32(hd), positions, Int32(window), scale,
                                k, v, span.rowStride, Int32(span.count), Int32(first), out, outStride, m, l, scratch)
        }
        bora_attn_finish(Int32(tokens), Int32(heads), Int32(hd), out, outStride, l)
    }
}
