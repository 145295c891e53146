extension DecoderConfig {
    /// The hyperparameters as `inspect` prints them, one line each.
    public var summaryLines: [String] {
        var lines = [
            "vocabulary: \(vocabularySize)",
            "embedding: \(embeddingLength), layers: \(blockCount), feed-forward: \(feedForwardLength)",
            "heads: \(headCount), kv heads: \(headCountKV), head size: \(headDim), attention scale: \(effectiveAttentionScale)",
            "rope: theta \(rope.theta), dimensions \(ropeDimensions), scaling \(rope.scaling.summary)",
        ]
        if let r = localRope {
            lines.append("local-layer rope: theta \(r.theta), scaling \(r.scaling.summary)")
        }
        let windowed = slidingWindows.filter { $0 > 0 }
        if !windowed.isEmpty {
            let pattern = slidingWindows.map { $0 > 0 ? "L" : "G" }.joined()
            lines.append(windowed.count == blockCount
                ? "sliding window: \(windowed[0]) on every layer"
                : "sliding window: \(Set(windowed).sorted()) on \(windowed.count) of \(blockCount) layers (L local, G global: \(pattern))")
        }
        if let t = attentionTemperature {
            lines.append("attention temperature: beta \(t.beta), original context \(t.originalContext)")
        }
        if let cap = finalLogitSoftcap { lines.append("final logit soft-cap: \(cap)") }
        if expertCount > 0 {
            lines.append("experts: \(expertCount), used per token: \(expertsPerToken), expert feed-forward: \(expertFeedForwardLength), weights \(normalizeExpertWeights ? "renormalized over the chosen" : "softmax over all")")
        }
        lines.append("rms norm epsilon: \(rmsNormEpsilon), context length: \(contextLength)")
        return lines
    }
}
