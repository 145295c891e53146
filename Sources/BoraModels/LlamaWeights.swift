import BoraFormats
import BoraKernels

/// A SwiGLU feed-forward: down(silu(gate x) * up x).
public struct FeedForwardWeights: Sendable {
    public let gate: WeightMatrix // (ffn, embedding)
    public let up: WeightMatrix   // (ffn, embedding)
    public let down: WeightMatrix // (embedding, ffn)
}

/// A layer's feed-forward: one dense SwiGLU, or a router over experts (Mixtral: the top-k router logits,
/// softmaxed among themselves, weight the chosen experts' outputs).
public enum FeedForward: Sendable {
    case dense(FeedForwardWeights)
    case experts(router: WeightMatrix, experts: [FeedForwardWeights], perToken: Int) // router: (n_expert, embedding)
}

/// The weights of one decoder block.
public struct LlamaLayerWeights: Sendable {
    public let attentionNorm: [Float]
    public let wq: WeightMatrix   // (queryDim, embedding)
    public let wk: WeightMatrix   // (kvDim, embedding)
    public let wv: WeightMatrix   // (kvDim, embedding)
    public let wo: WeightMatrix   // (embedding, queryDim)
    public let ffnNorm: [Float]
    public let feedForward: FeedForward
}

/// All weights of a Llama/Mistral/Mixtral checkpoint, bound in place to the mapped files (no copy).
public struct LlamaWeights: Sendable {
    public let tokenEmbedding: WeightMatrix  // (vocab, embedding)
    public let layers: [LlamaLayerWeights]
    public let outputNorm: [Float]
    /// The output projection, or the token embedding when tied.
    public let output: WeightMatrix          // (vocab, embedding)
    /// Per-dimension RoPE frequency divisors (`rope_freqs.weight`, Llama 3.1 GGUFs), if present.
    public let ropeFrequencyFactors: [Float]?

    public init(store: TensorStore, layout: CheckpointLayout, config c: LlamaConfig) throws(FormatError) {
        let e = c.embeddingLength
        tokenEmbedding = try WeightMatrix(store, layout.embedding, rows: c.vocabularySize, cols: e,
                                          repack: !store.contains(layout.output))  // repacked when tied
        var layers: [LlamaLayerWeights] = []
        for l in 0..<c.blockCount {
            func m(_ t: CheckpointLayout.LayerTensor, rows: Int, cols: Int) throws(FormatError) -> WeightMatrix {
                try WeightMatrix(store, layout.layer(l, t), rows: rows, cols: cols)
            }
            let ffn: FeedForward
            if c.expertCount > 0 {
                let routerName = layout == .huggingFace && store.contains(CheckpointLayout.fusedRouter(l))
                    ? CheckpointLayout.fusedRouter(l) : layout.layer(l, .router)
                ffn = .experts(router: try WeightMatrix(store, routerName, rows: c.expertCount, cols: e),
                               experts: try Self.experts(store, layout, layer: l, config: c), perToken: c.expertsPerToken)
            } else {
                ffn = .dense(FeedForwardWeights(gate: try m(.gate, rows: c.feedForwardLength, cols: e),
                                                up: try m(.up, rows: c.feedForwardLength, cols: e),
                                                down: try m(.down, rows: e, cols: c.feedForwardLength)))
            }
            layers.append(LlamaLayerWeights(
                attentionNorm: try loadVector(store, layout.layer(l, .attentionNorm), count: e),
                wq: try m(.q, rows: c.queryDim, cols: e),
                wk: try m(.k, rows: c.kvDim, cols: e),
                wv: try m(.v, rows: c.kvDim, cols: e),
                wo: try m(.o, rows: e, cols: c.queryDim),
                ffnNorm: try loadVector(store, layout.layer(l, .ffnNorm), count: e),
                feedForward: ffn))
        }
        self.layers = layers
        outputNorm = try loadVector(store, layout.outputNorm, count: e)
        output = store.contains(layout.output)
            ? try WeightMatrix(store, layout.output, rows: c.vocabularySize, cols: e)
            : tokenEmbedding
        ropeFrequencyFactors = store.contains("rope_freqs.weight")
            ? try loadVector(store, "rope_freqs.weight", count: c.ropeDimensions / 2) : nil
    }

    /// The experts of layer l: GGUF's stacked 3-D tensors (sliced per expert, no copy), or one tensor each.
    static func experts(_ store: TensorStore, _ layout: CheckpointLayout, layer l: Int,
                        config c: LlamaConfig) throws(FormatError) -> [FeedForwardWeights] {
        let e = c.embeddingLength, f = c.feedForwardLength, n = c.expertCount
        if layout == .gguf, store.contains(layout.stackedExperts(l, .gate)) {
            let gate = try store.require(layout.stackedExperts(l, .gate), shape: [e, f, n])
            let up = try store.require(layout.stackedExperts(l, .up), shape: [e, f, n])
            let down = try store.require(layout.stackedExperts(l, .down), shape: [f, e, n])
            try WeightMatrix.checkRows(gate, store: store, cols: e)
            try WeightMatrix.checkRows(up, store: store, cols: e)
            try WeightMatrix.checkRows(down, store: store, cols: f)
            return (0..<n).map { x in
                FeedForwardWeights(gate: WeightMatrix(gate, rows: f, cols: e, firstRow: x * f),
                                   up: WeightMatrix(up, rows: f, cols: e, firstRow: x * f),
                                   down: WeightMatrix(down, rows: e, cols: f, firstRow: x * e))
            }
        }
        if layout == .huggingFace, store.contains(CheckpointLayout.fusedExperts(l, gateUp: true)) {
            // transformers 5: gate and up stacked as (n_expert, 2 ffn, embedding), down as (n_expert, embedding, ffn).
            let gateUp = try store.require(CheckpointLayout.fusedExperts(l, gateUp: true), shape: [e, 2 * f, n])
            let down = try store.require(CheckpointLayout.fusedExperts(l, gateUp: false), shape: [f, e, n])
            try WeightMatrix.checkRows(gateUp, store: store, cols: e)
            try WeightMatrix.checkRows(down, store: store, cols: f)
            return (0..<n).map { x in
                FeedForwardWeights(gate: WeightMatrix(gateUp, rows: f, cols: e, firstRow: 2 * x * f),
                                   up: WeightMatrix(gateUp, rows: f, cols: e, firstRow: 2 * x * f + f),
                                   down: WeightMatrix(down, rows: e, cols: f, firstRow: x * e))
            }
        }
        var out: [FeedForwardWeights] = []
        for x in 0..<n {
            out.append(FeedForwardWeights(
                gate: try WeightMatrix(store, layout.expert(l, x, .gate), rows: f, cols: e),
                up: try WeightMatrix(store, layout.expert(l, x, .up), rows: f, cols: e),
                down: try WeightMatrix(store, layout.expert(l, x, .down), rows: e, cols: f)))
        }
        return out
    }
}
