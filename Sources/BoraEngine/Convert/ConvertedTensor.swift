import BoraKernels
import BoraModels

/// One tensor of a converted model: its llama.cpp name, ggml shape, output type, and where its values come
/// from in the checkpoint.
struct ConvertedTensor {
    enum Source {
        /// A 1-D tensor (a norm weight), already in floats.
        case vector([Float])
        /// The rows of these matrices, one after the other (several for the stacked expert tensors);
        /// `ropeHeads` > 0 reorders each matrix's rows from the "halves" RoPE layout of Hugging Face
        /// checkpoints to the adjacent-pairs layout of GGUF, with that many heads.
        case rows([WeightMatrix], ropeHeads: Int)
    }

    var name: String
    var shape: [Int]
    var type: GGMLType
    var source: Source

    var elementCount: Int { shape.reduce(1, *) }

    /// Fills `dst` (`elementCount` floats) with the tensor's values in GGUF order.
    func values(into dst: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        switch source {
        case let .vector(v):
            v.withUnsafeBufferPointer { dst.update(from: $0.baseAddress.unsafelyUnwrapped, count: v.count) }
        case let .rows(matrices, heads):
            var base = 0
            for m in matrices {
                let headDim = heads > 0 ? m.rows / heads : 0
                let first = dst + base * m.cols
                pool.parallelFor(m.rows, granularity: 16) { range in
                    for r in range {
                        let source = headDim > 0 ? QKPermutation.halvesRow(forPairsRow: r, headDim: headDim) : r
                        m.row(source, into: first + r * m.cols)
                    }
                }
                base += m.rows
            }
        }
    }
}

extension ConvertedTensor {
    /// The tensors of `model` under llama.cpp's names for its family, in llama.cpp's order (embedding,
    /// blocks, output norm, output); Q/K rows are permuted when the checkpoint is in the halves RoPE layout
    /// (Hugging Face) and the family's GGUF files use adjacent pairs (llama.cpp's NORM RoPE).
    static func plan(_ model: DecoderModel, target: ConvertTarget) -> [ConvertedTensor] {
        let c = model.config, w = model.weights
        let names = TensorNaming(layout: .gguf, names: c.family?.tensorNames ?? .llama)
        let permute = c.ropeStyle == .halves && (c.family?.ggufRopeStyle ?? .adjacentPairs) == .adjacentPairs
        var out: [ConvertedTensor] = []
        func matrix(_ name: String, _ ms: [WeightMatrix], heads: Int = 0, shape given: [Int]? = nil) {
            let shape = given ?? (ms.count == 1 ? [ms[0].cols, ms[0].rows] : [ms[0].cols, ms[0].rows, ms.count])
            out.append(ConvertedTensor(name: name, shape: shape, type: target.type(of: name, shape: shape),
                                       source: .rows(ms, ropeHeads: permute ? heads : 0)))
        }
        func vector(_ name: String, _ v: [Float]) {
            out.append(ConvertedTensor(name: name, shape: [v.count], type: .f32, source: .vector(v)))
        }
        /// A tensor of any shape (ggml order) from floats in that order.
        func floats(_ name: String, _ v: [Float], shape: [Int]) {
            out.append(ConvertedTensor(name: name, shape: shape, type: target.type(of: name, shape: shape), source: .vector(v)))
        }
        matrix("token_embd.weight", [w.tokenEmbedding])
        if case .llama3 = c.rope.scaling {
            // llama.cpp keeps Llama 3.1's scaling as per-pair frequency divisors.
            let base = RopeParameters(theta: c.rope.theta).table(dimensions: c.ropeDimensions).inverseFrequencies
            let scaled = c.rope.table(dimensions: c.ropeDimensions).inverseFrequencies
            vector("rope_freqs.weight", zip(base, scaled).map { $0 / $1 })
        }
        for (l, layer) in w.layers.enumerated() {
            vector(names.layer(l, .attentionNorm), layer.attentionNorm)
            switch layer.attention {
            case let .standard(a):
                matrix(names.layer(l, .q), [a.wq], heads: c.headCount)
                matrix(names.layer(l, .k), [a.wk], heads: c.headCountKV)
                matrix(names.layer(l, .v), [a.wv])
                if let b = a.qkvBias {
                    vector(names.layer(l, .q, bias: true), b.q)
                    vector(names.layer(l, .k, bias: true), b.k)
                    vector(names.layer(l, .v, bias: true), b.v)
                }
                if let qk = a.qkNorm {
                    vector(names.layer(l, .qNorm), qk.q)
                    vector(names.layer(l, .kNorm), qk.k)
                }
            case let .latent(a):
                // llama.cpp's DeepSeek V2 tensors: kv_b_proj split per head into attn_k_b (heads, kv rank,
                // nope) and attn_v_b (heads, value, kv rank), as `LatentAttentionWeights` holds them.
                guard let shape = c.latentAttention else { break }
                if let qa = a.queryA, let qn = a.queryANorm {
                    matrix(names.layer(l, .queryA), [qa])
                    vector(names.layer(l, .queryANorm), qn)
                    matrix(names.layer(l, .queryB), [a.query])
                } else {
                    matrix(names.layer(l, .q), [a.query])
                }
                matrix(names.layer(l, .kvA), [a.kvA])
                vector(names.layer(l, .kvANorm), a.kvANorm)
                floats(names.layer(l, .keyB), a.keyAbsorb, shape: [shape.nopeDim, shape.kvRank, c.headCount])
                floats(names.layer(l, .valueB), a.valueUp, shape: [shape.kvRank, shape.valueDim, c.headCount])
            }
            matrix(names.layer(l, .o), [layer.wo])
            if let post = layer.postNorms { vector(names.layer(l, .postAttentionNorm), post.attention) }
            vector(names.layer(l, .ffnNorm), layer.ffnNorm)
            switch layer.feedForward {
            case let .dense(f):
                matrix(names.layer(l, .gate), [f.gate])
                matrix(names.layer(l, .up), [f.up])
                matrix(names.layer(l, .down), [f.down])
            case let .experts(router, experts, _, shared):
                matrix(names.layer(l, .router), [router])
                if c.latentAttention != nil, let first = experts.first {
                    // llama.cpp keeps Mistral 4's fused experts: each expert's gate rows, then its up rows.
                    matrix(names.stackedGateUp(l), experts.flatMap { [$0.gate, $0.up] },
                           shape: [first.gate.cols, 2 * first.gate.rows, experts.count])
                } else {
                    matrix(names.stackedExperts(l, .gate), experts.map(\.gate))
                    matrix(names.stackedExperts(l, .up), experts.map(\.up))
                }
                matrix(names.stackedExperts(l, .down), experts.map(\.down))
                if let shared {
                    matrix(names.layer(l, .sharedGate), [shared.gate])
                    matrix(names.layer(l, .sharedUp), [shared.up])
                    matrix(names.layer(l, .sharedDown), [shared.down])
                }
            }
            if let post = layer.postNorms { vector(names.layer(l, .postFeedForwardNorm), post.feedForward) }
        }
        vector(names.outputNorm, w.outputNorm)
        if w.output.name != w.tokenEmbedding.name { matrix(names.output, [w.output]) }
        return out
    }
}

/// llama.cpp's Q/K row permutation for Hugging Face checkpoints.
package enum QKPermutation {
    /// The source row of output row `r` when a Q or K matrix goes from the halves layout (rotated pairs
    /// (i, i + d/2) of each head) to adjacent pairs (2i, 2i + 1): llama.cpp's convert_hf_to_gguf.py
    /// `DecoderModel.permute`, reshape (heads, 2, d/2, cols) -> swap axes 1 and 2.
    package static func halvesRow(forPairsRow r: Int, headDim d: Int) -> Int {
        let head = r / d, j = r % d
        return head * d + (j % 2) * (d / 2) + j / 2
    }
}
