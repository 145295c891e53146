import BoraFormats
import BoraKernels

/// Multi-head latent attention's shape (DeepSeek V2, transformers `mistral4`): each token's keys and
/// values for all heads are one latent vector of `kvRank` (after an RMSNorm) plus a RoPE part of
/// `ropeDim` shared by the heads. Head h's key is [K_h c ; k_rot] and its value V_h c, where kv_b_proj
/// holds K_h (nope, kvRank) and V_h (value, kvRank).
///
/// The decoder runs the absorbed form (DeepSeek V2 paper, section 2.1.2; llama.cpp `attn_k_b`/`attn_v_b`):
/// q_h . k_h = (K_h^T q_nope_h) . c + q_rot_h . k_rot, and sum_j p_j V_h c_j = V_h (sum_j p_j c_j), so
/// attention is one KV head of width kvRank + ropeDim over the cached [c ; k_rot] rows, which serve as
/// both keys and values (the cache stores each row once), and V_h applies to the result.
public struct LatentAttention: Codable, Sendable, Equatable {
    /// q_lora_rank; nil when queries come from one projection (q_proj).
    public var queryRank: Int?
    /// kv_lora_rank.
    public var kvRank: Int
    /// qk_nope_head_dim, qk_rope_head_dim, v_head_dim.
    public var nopeDim: Int
    public var ropeDim: Int
    public var valueDim: Int

    /// Width of one head of q and k before absorption (nope + rope).
    public var queryHeadDim: Int { nopeDim + ropeDim }
    /// Width of the cached row and of each absorbed query head.
    public var latentDim: Int { kvRank + ropeDim }

    public init(queryRank: Int?, kvRank: Int, nopeDim: Int, ropeDim: Int, valueDim: Int) {
        self.queryRank = queryRank
        self.kvRank = kvRank
        self.nopeDim = nopeDim
        self.ropeDim = ropeDim
        self.valueDim = valueDim
    }

    /// Sets the configuration's attention view: one KV head of the latent width, RoPE over `ropeDim`.
    func apply(to c: inout DecoderConfig) {
        c.latentAttention = self
        c.headDim = latentDim
        c.headCountKV = 1
        c.ropeDimensions = ropeDim
    }

    func validate(path: String, config c: DecoderConfig) throws(FormatError) {
        guard kvRank > 0, nopeDim > 0, ropeDim > 0, ropeDim % 2 == 0, valueDim > 0, queryRank.map({ $0 > 0 }) ?? true,
              kvRank <= 1 << 14, nopeDim <= 1024, ropeDim <= 1024, valueDim <= 1024 else {
            throw .invalid(path: path, what: "the latent attention ranks are not usable (kv_lora_rank \(kvRank), q_lora_rank \(queryRank.map(String.init) ?? "none"), qk_nope_head_dim \(nopeDim), qk_rope_head_dim \(ropeDim) (even), v_head_dim \(valueDim))")
        }
        guard c.headDim == latentDim, c.headCountKV == 1, c.ropeDimensions == ropeDim else {
            throw .invalid(path: path, what: "the latent attention view (one KV head of kv_lora_rank + qk_rope_head_dim) does not match the head size \(c.headDim)")
        }
    }
}

extension LatentAttentionWeights {
    /// Binds layer l's latent attention: GGUF's `attn_q_a`, `attn_q_a_norm`, `attn_q_b` (or `attn_q`),
    /// `attn_kv_a_mqa`, `attn_kv_a_norm`, `attn_k_b` (heads, kvRank, nope), `attn_v_b` (heads, value, kvRank);
    /// Hugging Face's `q_a_proj`, `q_a_layernorm`, `q_b_proj` (or `q_proj`), `kv_a_proj_with_mqa`,
    /// `kv_a_layernorm`, `kv_b_proj` (heads * (nope + value), kvRank). The per-head matrices are copied to F32.
    init(_ store: TensorStore, _ n: TensorNaming, layer l: Int, config c: DecoderConfig, latent a: LatentAttention) throws(FormatError) {
        let e = c.embeddingLength, heads = c.headCount
        if let r = a.queryRank {
            queryA = try WeightMatrix(store, n.layer(l, .queryA), rows: r, cols: e)
            queryANorm = try loadVector(store, n.layer(l, .queryANorm), count: r)
            query = try WeightMatrix(store, n.layer(l, .queryB), rows: heads * a.queryHeadDim, cols: r)
        } else {
            queryA = nil
            queryANorm = nil
            query = try WeightMatrix(store, n.layer(l, .q), rows: heads * a.queryHeadDim, cols: e)
        }
        kvA = try WeightMatrix(store, n.layer(l, .kvA), rows: a.latentDim, cols: e)
        kvANorm = try loadVector(store, n.layer(l, .kvANorm), count: a.kvRank)
        var keys = [Float](repeating: 0, count: heads * a.kvRank * a.nopeDim)
        var values = [Float](repeating: 0, count: heads * a.valueDim * a.kvRank)
        if n.layout == .gguf {
            let k = try store.require(n.layer(l, .keyB), shape: [a.nopeDim, a.kvRank, heads])
            let v = try store.require(n.layer(l, .valueB), shape: [a.kvRank, a.valueDim, heads])
            try WeightMatrix.checkRows(k, store: store, cols: a.nopeDim)
            try WeightMatrix.checkRows(v, store: store, cols: a.kvRank)
            let km = WeightMatrix(k, rows: heads * a.kvRank, cols: a.nopeDim)
            let vm = WeightMatrix(v, rows: heads * a.valueDim, cols: a.kvRank)
            keys.withUnsafeMutableBufferPointer { b in
                for r in 0..<km.rows { km.row(r, into: b.baseAddress.unsafelyUnwrapped + r * a.nopeDim) }
            }
            values.withUnsafeMutableBufferPointer { b in
                for r in 0..<vm.rows { vm.row(r, into: b.baseAddress.unsafelyUnwrapped + r * a.kvRank) }
            }
        } else {
            let kv = try WeightMatrix(store, n.layer(l, .kvB), rows: heads * (a.nopeDim + a.valueDim), cols: a.kvRank, repack: false)
            var row = [Float](repeating: 0, count: a.kvRank)
            for h in 0..<heads {
                let base = h * (a.nopeDim + a.valueDim)
                for d in 0..<a.nopeDim {
                    row.withUnsafeMutableBufferPointer { kv.row(base + d, into: $0.baseAddress.unsafelyUnwrapped) }
                    for r in 0..<a.kvRank { keys[(h * a.kvRank + r) * a.nopeDim + d] = row[r] }  // transposed
                }
                for d in 0..<a.valueDim {
                    row.withUnsafeMutableBufferPointer { kv.row(base + a.nopeDim + d, into: $0.baseAddress.unsafelyUnwrapped) }
                    for r in 0..<a.kvRank { values[(h * a.valueDim + d) * a.kvRank + r] = row[r] }
                }
            }
        }
        keyAbsorb = keys
        valueUp = values
    }
}
