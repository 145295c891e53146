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
    /// The tensors of `model` under llama.cpp's names, in llama.cpp's order (embedding, blocks, output
    /// norm, output); `permute` when the checkpoint's Q/K rows are in the halves layout (Hugging Face).
    static func plan(_ model: LlamaModel, target: ConvertTarget) -> [ConvertedTensor] {
        let c = model.config, w = model.weights
        let permute = c.ropeStyle == .halves
        var out: [ConvertedTensor] = []
        func matrix(_ name: String, _ ms: [WeightMatrix], heads: Int = 0) {
            let shape = ms.count == 1 ? [ms[0].cols, ms[0].rows] : [ms[0].cols, ms[0].rows, ms.count]
            out.append(ConvertedTensor(name: name, shape: shape, type: target.type(of: name, shape: shape),
                                       source: .rows(ms, ropeHeads: permute ? heads : 0)))
        }
        func vector(_ name: String, _ v: [Float]) {
            out.append(ConvertedTensor(name: name, shape: [v.count], type: .f32, source: .vector(v)))
        }
        matrix("token_embd.weight", [w.tokenEmbedding])
        for (l, layer) in w.layers.enumerated() {
            let p = "blk.\(l)."
            vector(p + "attn_norm.weight", layer.attentionNorm)
            matrix(p + "attn_q.weight", [layer.wq], heads: c.headCount)
            matrix(p + "attn_k.weight", [layer.wk], heads: c.headCountKV)
            matrix(p + "attn_v.weight", [layer.wv])
            matrix(p + "attn_output.weight", [layer.wo])
            vector(p + "ffn_norm.weight", layer.ffnNorm)
            switch layer.feedForward {
            case let .dense(f):
                matrix(p + "ffn_gate.weight", [f.gate])
                matrix(p + "ffn_up.weight", [f.up])
                matrix(p + "ffn_down.weight", [f.down])
            case let .experts(router, experts, _):
                matrix(p + "ffn_gate_inp.weight", [router])
                matrix(p + "ffn_gate_exps.weight", experts.map(\.gate))
                matrix(p + "ffn_up_exps.weight", experts.map(\.up))
                matrix(p + "ffn_down_exps.weight", experts.map(\.down))
            }
        }
        vector("output_norm.weight", w.outputNorm)
        if w.output.name != w.tokenEmbedding.name { matrix("output.weight", [w.output]) }
        return out
    }
}

/// llama.cpp's Q/K row permutation for Hugging Face checkpoints.
package enum QKPermutation {
    /// The source row of output row `r` when a Q or K matrix goes from the halves layout (rotated pairs
    /// (i, i + d/2) of each head) to adjacent pairs (2i, 2i + 1): llama.cpp's convert_hf_to_gguf.py
    /// `LlamaModel.permute`, reshape (heads, 2, d/2, cols) -> swap axes 1 and 2.
    package static func halvesRow(forPairsRow r: Int, headDim d: Int) -> Int {
        let head = r / d, j = r % d
        return head * d + (j % 2) * (d / 2) + j / 2
    }
}
