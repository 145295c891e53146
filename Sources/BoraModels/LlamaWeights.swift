import BoraFormats
import BoraKernels

/// The weights of one decoder block (llama.cpp tensor names `blk.N.*`).
public struct LlamaLayerWeights: Sendable {
    public let attentionNorm: [Float]
    public let wq: WeightMatrix   // (queryDim, embedding)
    public let wk: WeightMatrix   // (kvDim, embedding)
    public let wv: WeightMatrix   // (kvDim, embedding)
    public let wo: WeightMatrix   // (embedding, queryDim)
    public let ffnNorm: [Float]
    public let gate: WeightMatrix // (ffn, embedding)
    public let up: WeightMatrix   // (ffn, embedding)
    public let down: WeightMatrix // (embedding, ffn)
}

/// All weights of a Llama/Mistral GGUF, bound in place to the mapped file (no dequantized copy).
public struct LlamaWeights: Sendable {
    public let tokenEmbedding: WeightMatrix  // (vocab, embedding)
    public let layers: [LlamaLayerWeights]
    public let outputNorm: [Float]
    /// The output projection: `output.weight`, or the token embedding when tied.
    public let output: WeightMatrix          // (vocab, embedding)
    /// Per-dimension RoPE frequency divisors (`rope_freqs.weight`, Llama 3.1), if present.
    public let ropeFrequencyFactors: [Float]?

    public init(gguf: GGUFFile, config c: LlamaConfig) throws(FormatError) {
        let e = c.embeddingLength
        tokenEmbedding = try WeightMatrix(gguf: gguf, name: "token_embd.weight", cols: e, rows: c.vocabularySize)
        var layers: [LlamaLayerWeights] = []
        for i in 0..<c.blockCount {
            let p = "blk.\(i)."
            layers.append(LlamaLayerWeights(
                attentionNorm: try loadVector(gguf, p + "attn_norm.weight", count: e),
                wq: try WeightMatrix(gguf: gguf, name: p + "attn_q.weight", cols: e, rows: c.queryDim),
                wk: try WeightMatrix(gguf: gguf, name: p + "attn_k.weight", cols: e, rows: c.kvDim),
                wv: try WeightMatrix(gguf: gguf, name: p + "attn_v.weight", cols: e, rows: c.kvDim),
                wo: try WeightMatrix(gguf: gguf, name: p + "attn_output.weight", cols: c.queryDim, rows: e),
                ffnNorm: try loadVector(gguf, p + "ffn_norm.weight", count: e),
                gate: try WeightMatrix(gguf: gguf, name: p + "ffn_gate.weight", cols: e, rows: c.feedForwardLength),
                up: try WeightMatrix(gguf: gguf, name: p + "ffn_up.weight", cols: e, rows: c.feedForwardLength),
                down: try WeightMatrix(gguf: gguf, name: p + "ffn_down.weight", cols: c.feedForwardLength, rows: e)))
        }
        self.layers = layers
        outputNorm = try loadVector(gguf, "output_norm.weight", count: e)
        if gguf.tensor(named: "output.weight") != nil {
            output = try WeightMatrix(gguf: gguf, name: "output.weight", cols: e, rows: c.vocabularySize)
        } else {
            output = tokenEmbedding
        }
        if gguf.tensor(named: "rope_freqs.weight") != nil {
            ropeFrequencyFactors = try loadVector(gguf, "rope_freqs.weight", count: c.ropeDimensions / 2)
        } else {
            ropeFrequencyFactors = nil
        }
    }
}
