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
        if let a = latentAttention {
            lines.append("latent attention: q rank \(a.queryRank.map(String.init) ?? "none (q_proj)"), kv rank \(a.kvRank), per head nope \(a.nopeDim) + rope \(a.ropeDim), value \(a.valueDim); cached row \(a.latentDim) per token and layer")
        }
        if expertCount > 0 {
            lines.append("experts: \(expertCount), used per token: \(expertsPerToken), expert feed-forward: \(expertFeedForwardLength), weights \(normalizeExpertWeights ? "renormalized over the chosen" : "softmax over all")\(expertWeightsScale != 1 ? " x \(expertWeightsScale)" : "")")
            var more: [String] = []
            if sharedExpertFeedForwardLength > 0 { more.append("shared expert feed-forward \(sharedExpertFeedForwardLength)") }
            if leadingDenseLayers > 0 { more.append("first \(leadingDenseLayers) layers dense") }
            if expertGroups > 1 { more.append("\(expertGroupsUsed) of \(expertGroups) expert groups per token") }
            if !more.isEmpty { lines.append("experts: " + more.joined(separator: ", ")) }
        }
        lines.append("rms norm epsilon: \(rmsNormEpsilon), context length: \(contextLength)")
        return lines
    }
}
