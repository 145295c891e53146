import BoraFormats
import BoraKernels

/// A gated feed-forward: down(act(gate x) * up x), act SiLU (SwiGLU) or tanh GELU (GeGLU).
public struct FeedForwardWeights: Sendable {
    public let gate: WeightMatrix // (ffn, embedding)
    public let up: WeightMatrix   // (ffn, embedding)
    public let down: WeightMatrix // (embedding, ffn)
}

/// A layer's feed-forward: one dense gated feed-forward, or a router over experts (softmax over the
/// router logits, the top k within the best groups, optionally renormalized and scaled:
/// `DecoderConfig.expertRouting`), plus an always-used shared expert (Mistral 4).
public enum FeedForward: Sendable {
    case dense(FeedForwardWeights)
    case experts(router: WeightMatrix, experts: [FeedForwardWeights], perToken: Int, shared: FeedForwardWeights?) // router: (n_expert, embedding)
}

/// Grouped-query attention's projections (every family but Mistral 4).
public struct StandardAttentionWeights: Sendable {
    public internal(set) var wq: WeightMatrix   // (queryDim, embedding)
    public internal(set) var wk: WeightMatrix   // (kvDim, embedding)
    public internal(set) var wv: WeightMatrix   // (kvDim, embedding)
    /// q, k and v biases (queryDim, kvDim, kvDim), with the `qkvBias` trait.
    public internal(set) var qkvBias: (q: [Float], k: [Float], v: [Float])?
    /// Per-head RMSNorm weights of q and k (headDim each), with the `qkNorm` trait.
    public internal(set) var qkNorm: (q: [Float], k: [Float])?
}

/// Multi-head latent attention's projections (DeepSeek V2/V3, Mistral Small 4), in the absorbed form the
/// decoder runs: keys and values of all heads are one latent row per token (`LatentAttention`).
public struct LatentAttentionWeights: Sendable {
    /// q_a_proj (queryRank, embedding) and its RMSNorm, when queries are low-rank; nil: `query` reads x.
    public let queryA: WeightMatrix?
    public let queryANorm: [Float]?
    /// q_b_proj or q_proj: (heads * (nope + rope), queryRank or embedding).
    public let query: WeightMatrix
    /// kv_a_proj_with_mqa (kvRank + rope, embedding) and the latent's RMSNorm (kvRank).
    public let kvA: WeightMatrix
    public let kvANorm: [Float]
    /// The key half of kv_b_proj per head, transposed for absorbing into the query: head h's
    /// (kvRank, nope) F32 matrix at h * kvRank * nope (llama.cpp's `attn_k_b`).
    public let keyAbsorb: [Float]
    /// The value half of kv_b_proj per head: head h's (value, kvRank) F32 matrix at h * value * kvRank
    /// (llama.cpp's `attn_v_b`).
    public let valueUp: [Float]
}

/// How a layer attends: grouped-query attention, or latent attention (a different kind, behind the same seam).
public enum AttentionWeights: Sendable {
    case standard(StandardAttentionWeights)
    case latent(LatentAttentionWeights)
}

/// The weights of one decoder block. Which optional ones are present follows the family's traits.
public struct LayerWeights: Sendable {
    public internal(set) var attentionNorm: [Float]
    public internal(set) var attention: AttentionWeights
    public internal(set) var wo: WeightMatrix   // (embedding, queryDim or heads * value)
    /// Norms of the attention output and of the feed-forward output (embedding each), with sandwich norms.
    public internal(set) var postNorms: (attention: [Float], feedForward: [Float])?
    public internal(set) var ffnNorm: [Float]
    public internal(set) var feedForward: FeedForward

    /// Grouped-query attention's projections, nil for latent attention.
    public var standard: StandardAttentionWeights? {
        if case let .standard(a) = attention { return a }
        return nil
    }

    /// Every matrix a decode step of this layer reads (the chosen experts only: `expertsPerToken` of them).
    public func matricesPerToken() -> [WeightMatrix] {
        var out: [WeightMatrix] = [wo]
        switch attention {
        case let .standard(a): out += [a.wq, a.wk, a.wv]
        case let .latent(a): out += [a.query, a.kvA] + (a.queryA.map { [$0] } ?? [])
        }
        switch feedForward {
        case let .dense(f): out += [f.gate, f.up, f.down]
        case let .experts(router, experts, perToken, shared):
            out.append(router)
            for f in experts.prefix(perToken) + (shared.map { [$0] } ?? []) { out += [f.gate, f.up, f.down] }
        }
        return out
    }

    /// Every matrix of the layer.
    public var allMatrices: [WeightMatrix] {
        var out = matricesPerToken()
        if case let .experts(_, experts, perToken, _) = feedForward {
            for f in experts.dropFirst(perToken) { out += [f.gate, f.up, f.down] }
        }
        return out
    }
}

/// All weights of a checkpoint, bound in place to the mapped files (no copy), named as its family says.
public struct DecoderWeights: Sendable {
    public let tokenEmbedding: WeightMatrix  // (vocab, embedding)
    public internal(set) var layers: [LayerWeights]
    public let outputNorm: [Float]
    /// The output projection, or the token embedding when tied.
    public let output: WeightMatrix          // (vocab, embedding)
    /// Per-dimension RoPE frequency divisors (`rope_freqs.weight`, Llama 3.1 GGUFs), if present.
    public let ropeFrequencyFactors: [Float]?

    public init(store: TensorStore, layout: CheckpointLayout, config c: DecoderConfig) throws(FormatError) {
        let names = TensorNaming(layout: layout, names: c.family?.tensorNames ?? .llama, store: store)
        try self.init(store: store, names: names, config: c)
    }

    init(store: TensorStore, names n: TensorNaming, config c: DecoderConfig) throws(FormatError) {
        let e = c.embeddingLength
        let traits = c.traits
        // Hugging Face checkpoints of (1 + w) families store w; GGUF files store 1 + w already.
        let normOffset: Float = traits.normForm == .onePlusWeight && n.layout != .gguf ? 1 : 0
        func norm(_ name: String, _ count: Int) throws(FormatError) -> [Float] {
            let v = try loadVector(store, name, count: count)
            return normOffset == 0 ? v : v.map { $0 + normOffset }
        }
        tokenEmbedding = try WeightMatrix(store, n.embedding, rows: c.vocabularySize, cols: e,
                                          repack: !store.contains(n.output))  // repacked when tied
        var layers: [LayerWeights] = []
        for l in 0..<c.blockCount {
            func m(_ t: LayerTensor, rows: Int, cols: Int) throws(FormatError) -> WeightMatrix {
                try WeightMatrix(store, n.layer(l, t), rows: rows, cols: cols)
            }
            let ffn: FeedForward
            if c.expertCount > 0, l >= c.leadingDenseLayers {
                let routerName = n.layout == .huggingFace && store.contains(n.fusedRouter(l)) ? n.fusedRouter(l) : n.layer(l, .router)
                var shared: FeedForwardWeights?
                if c.sharedExpertFeedForwardLength > 0 {
                    let f = c.sharedExpertFeedForwardLength
                    shared = FeedForwardWeights(gate: try m(.sharedGate, rows: f, cols: e), up: try m(.sharedUp, rows: f, cols: e),
                                                down: try m(.sharedDown, rows: e, cols: f))
                }
                ffn = .experts(router: try WeightMatrix(store, routerName, rows: c.expertCount, cols: e),
                               experts: try Self.experts(store, n, layer: l, config: c), perToken: c.expertsPerToken, shared: shared)
            } else {
                ffn = .dense(FeedForwardWeights(gate: try m(.gate, rows: c.feedForwardLength, cols: e),
                                                up: try m(.up, rows: c.feedForwardLength, cols: e),
                                                down: try m(.down, rows: e, cols: c.feedForwardLength)))
            }
            let attention: AttentionWeights
            let outputWidth: Int
            if let latent = c.latentAttention {
                attention = .latent(try LatentAttentionWeights(store, n, layer: l, config: c, latent: latent))
                outputWidth = c.headCount * latent.valueDim
            } else {
                var bias: (q: [Float], k: [Float], v: [Float])?
                if traits.qkvBias {
                    bias = (try loadVector(store, n.layer(l, .q, bias: true), count: c.queryDim),
                            try loadVector(store, n.layer(l, .k, bias: true), count: c.kvDim),
                            try loadVector(store, n.layer(l, .v, bias: true), count: c.kvDim))
                }
                var qk: (q: [Float], k: [Float])?
                if traits.qkNorm {
                    qk = (try norm(n.layer(l, .qNorm), c.headDim), try norm(n.layer(l, .kNorm), c.headDim))
                }
                attention = .standard(StandardAttentionWeights(
                    wq: try m(.q, rows: c.queryDim, cols: e), wk: try m(.k, rows: c.kvDim, cols: e),
                    wv: try m(.v, rows: c.kvDim, cols: e), qkvBias: bias, qkNorm: qk))
                outputWidth = c.queryDim
            }
            var post: (attention: [Float], feedForward: [Float])?
            if traits.normPlacement == .sandwich {
                post = (try norm(n.layer(l, .postAttentionNorm), e), try norm(n.layer(l, .postFeedForwardNorm), e))
            }
            layers.append(LayerWeights(
                attentionNorm: try norm(n.layer(l, .attentionNorm), e),
                attention: attention,
                wo: try m(.o, rows: e, cols: outputWidth),
                postNorms: post,
                ffnNorm: try norm(n.layer(l, .ffnNorm), e),
                feedForward: ffn))
        }
        self.layers = layers
        outputNorm = try norm(n.outputNorm, e)
        output = store.contains(n.output)
            ? try WeightMatrix(store, n.output, rows: c.vocabularySize, cols: e)
            : tokenEmbedding
        ropeFrequencyFactors = store.contains("rope_freqs.weight")
            ? try loadVector(store, "rope_freqs.weight", count: c.ropeDimensions / 2) : nil
    }

    /// The experts of layer l: GGUF's stacked 3-D tensors (sliced per expert, no copy), transformers 5's
    /// fused tensors, or one tensor each.
    static func experts(_ store: TensorStore, _ n: TensorNaming, layer l: Int,
                        config c: DecoderConfig) throws(FormatError) -> [FeedForwardWeights] {
        let e = c.embeddingLength, f = c.expertFeedForwardLength, count = c.expertCount
        if n.layout == .gguf, store.contains(n.stackedExperts(l, .gate)) {
            let gate = try store.require(n.stackedExperts(l, .gate), shape: [e, f, count])
            let up = try store.require(n.stackedExperts(l, .up), shape: [e, f, count])
            let down = try store.require(n.stackedExperts(l, .down), shape: [f, e, count])
            try WeightMatrix.checkRows(gate, store: store, cols: e)
            try WeightMatrix.checkRows(up, store: store, cols: e)
            try WeightMatrix.checkRows(down, store: store, cols: f)
            return (0..<count).map { x in
                FeedForwardWeights(gate: WeightMatrix(gate, rows: f, cols: e, firstRow: x * f, repack: true),
                                   up: WeightMatrix(up, rows: f, cols: e, firstRow: x * f, repack: true),
                                   down: WeightMatrix(down, rows: e, cols: f, firstRow: x * e, repack: true))
            }
        }
        // Gate and up fused as (n_expert, 2 ffn, embedding), each expert's gate rows then its up rows, down as
        // (n_expert, embedding, ffn): transformers 5 (`mlp.experts.gate_up_proj`), and llama.cpp's files of
        // Mistral 4, which keep them fused (`ffn_gate_up_exps`).
        let fused: (gateUp: String, down: String)? = switch n.layout {
        case .gguf where store.contains(n.stackedGateUp(l)): (n.stackedGateUp(l), n.stackedExperts(l, .down))
        case .huggingFace where store.contains(n.fusedExperts(l, gateUp: true)): (n.fusedExperts(l, gateUp: true), n.fusedExperts(l, gateUp: false))
        default: nil
        }
        if let fused {
            let gateUp = try store.require(fused.gateUp, shape: [e, 2 * f, count])
            let down = try store.require(fused.down, shape: [f, e, count])
            try WeightMatrix.checkRows(gateUp, store: store, cols: e)
            try WeightMatrix.checkRows(down, store: store, cols: f)
            return (0..<count).map { x in
                FeedForwardWeights(gate: WeightMatrix(gateUp, rows: f, cols: e, firstRow: 2 * x * f, repack: true),
                                   up: WeightMatrix(gateUp, rows: f, cols: e, firstRow: 2 * x * f + f, repack: true),
                                   down: WeightMatrix(down, rows: e, cols: f, firstRow: x * e, repack: true))
            }
        }
        let qwenStyle = n.layout == .huggingFace && store.contains(n.expert(l, 0, .gate, qwenStyle: true))
        var out: [FeedForwardWeights] = []
        for x in 0..<count {
            out.append(FeedForwardWeights(
                gate: try WeightMatrix(store, n.expert(l, x, .gate, qwenStyle: qwenStyle), rows: f, cols: e),
                up: try WeightMatrix(store, n.expert(l, x, .up, qwenStyle: qwenStyle), rows: f, cols: e),
                down: try WeightMatrix(store, n.expert(l, x, .down, qwenStyle: qwenStyle), rows: e, cols: f)))
        }
        return out
    }
}
