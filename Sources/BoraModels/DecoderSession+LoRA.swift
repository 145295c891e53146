import BoraKernels

/// LoRA applied at run time, unmerged: after a projection y = W x of an adapted matrix, each row t whose
/// sequence has an adapter gets y_t += scale * alpha/rank * B (A x_t). Rows of one batched step may use
/// different adapters (or none), so one server serves several adapters over the same mapped weights.
extension DecoderSession {
    /// Adds the LoRA deltas of `target` in layer `l` to `out` (rows x outWidth) from the float inputs `x`
    /// (rows x inWidth), for the rows whose adapter changes that matrix.
    func addLoRA(_ target: LoRAAdapter.Target, layer l: Int, input x: UnsafePointer<Float>, inWidth: Int,
                 rows n: Int, out: UnsafeMutablePointer<Float>, outWidth: Int) {
        guard !rowAdapters.isEmpty else { return }
        let c = model.config
        let heads = target == .q ? c.headCount : target == .k ? c.headCountKV : 0
        for t in 0..<n {
            guard let sa = rowAdapters[rowAdapters.count == 1 ? 0 : t], let f = sa.adapter.factors[l]?[target],
                  f.cols == inWidth, f.rows == outWidth else { continue }
            let permute = heads > 0 && sa.adapter.ropeStyle != c.ropeStyle
            let s = sa.scale * sa.adapter.scale
            let xt = x + t * inWidth, yt = out + t * outWidth
            withUnsafeTemporaryAllocation(of: Float.self, capacity: f.rank) { ax in
                f.a.withUnsafeBufferPointer { a in
                    guard let a = a.baseAddress else { return }
                    for k in 0..<f.rank { ax[k] = s * Ops.dot(a + k * f.cols, xt, f.cols) }
                }
                f.b.withUnsafeBufferPointer { b in
                    guard let b = b.baseAddress, let axBase = ax.baseAddress else { return }
                    for r in 0..<f.rows {
                        let br = permute ? f.sourceRow(r, heads: heads, model: c.ropeStyle) : r
                        yt[r] += Ops.dot(b + br * f.rank, axBase, f.rank)
                    }
                }
            }
        }
    }
}
