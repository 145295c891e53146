import BoraFormats
import BoraKernels

/// A LoRA adapter and the scale it is applied with (llama.cpp's `--lora FILE:SCALE`: 1 is the adapter
/// as trained).
public struct ScaledAdapter: Sendable {
    public let adapter: LoRAAdapter
    public let scale: Float

    public init(_ adapter: LoRAAdapter, scale: Float = 1) {
        self.adapter = adapter
        self.scale = scale
    }
}

/// F32 matrices made at load (LoRA-merged weights), owned by the model that uses them.
final class OwnedMatrices: @unchecked Sendable {
    private(set) var buffers: [UnsafeMutablePointer<Float>] = []

    func make(rows: Int, cols: Int) -> UnsafeMutablePointer<Float> {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: rows * cols)
        buffers.append(p)
        return p
    }

    deinit { buffers.forEach { $0.deallocate() } }
}

extension LlamaWeights {
    /// These weights with `adapters` merged: every adapted matrix becomes an F32 copy of
    /// W + sum(scale * adapter.scale * B A) (quantized matrices are dequantized first), the others stay
    /// mapped. Q and K factors are permuted when the adapter's RoPE layout differs from the model's.
    func merging(_ adapters: [ScaledAdapter], config c: LlamaConfig, into owned: OwnedMatrices, path: String) throws(FormatError) -> LlamaWeights {
        guard !adapters.isEmpty else { return self }
        var layers = self.layers
        for sa in adapters {
            let adapter = sa.adapter
            for (l, targets) in adapter.factors {
                guard l >= 0, l < layers.count else {
                    throw FormatError.invalid(path: adapter.path, what: "the adapter changes layer \(l) but '\(path)' has \(layers.count) layers: it was made for another model")
                }
                for (target, f) in targets {
                    var layer = layers[l]
                    let w = try layer.matrix(target, adapter: adapter.path)
                    guard f.rows == w.rows, f.cols == w.cols else {
                        throw FormatError.invalid(path: adapter.path, what: "layer \(l) \(target): the adapter is for a \(f.rows)x\(f.cols) matrix, the model's is \(w.rows)x\(w.cols): it was made for another model")
                    }
                    let heads = target == .q ? c.headCount : target == .k ? c.headCountKV : 0
                    let rowOrder = heads > 0 && adapter.ropeStyle != c.ropeStyle
                        ? Self.ropeRowOrder(rows: f.rows, heads: heads, toPairs: c.ropeStyle == .adjacentPairs) : nil
                    let merged = owned.make(rows: w.rows, cols: w.cols)
                    for r in 0..<w.rows { w.row(r, into: merged + r * w.cols) }
                    let s = sa.scale * adapter.scale
                    for r in 0..<w.rows {
                        let br = rowOrder?[r] ?? r
                        let dst = merged + r * w.cols
                        for k in 0..<f.rank {
                            let coefficient = s * f.b[br * f.rank + k]
                            f.a.withUnsafeBufferPointer { a in
                                if let base = a.baseAddress { Ops.axpy(coefficient, base + k * f.cols, dst, f.cols) }
                            }
                        }
                    }
                    layer.replace(target, with: WeightMatrix(f32: UnsafeRawPointer(merged), name: w.name, rows: w.rows, cols: w.cols))
                    layers[l] = layer
                }
            }
        }
        return LlamaWeights(tokenEmbedding: tokenEmbedding, layers: layers, outputNorm: outputNorm, output: output,
                            ropeFrequencyFactors: ropeFrequencyFactors)
    }

    /// For each row of the model's layout, the row of the adapter's layout it comes from: llama.cpp's
    /// converter permutation (halves to pairs) or its inverse, per head.
    static func ropeRowOrder(rows: Int, heads: Int, toPairs: Bool) -> [Int] {
        let dim = rows / heads, half = dim / 2
        var order = [Int](repeating: 0, count: rows)
        for h in 0..<heads {
            for i in 0..<half {
                for j in 0..<2 {
                    let pairs = h * dim + 2 * i + j, halves = h * dim + j * half + i
                    if toPairs { order[pairs] = halves } else { order[halves] = pairs }
                }
            }
        }
        return order
    }
}

extension LlamaLayerWeights {
    /// The matrix an adapter target names (an error for the feed-forward of a mixture-of-experts layer).
    public func matrix(_ t: LoRAAdapter.Target, adapter: String) throws(FormatError) -> WeightMatrix {
        switch t {
        case .q: return wq
        case .k: return wk
        case .v: return wv
        case .o: return wo
        case .gate, .up, .down:
            guard case let .dense(f) = feedForward else {
                throw FormatError.invalid(path: adapter, what: "the adapter changes the feed-forward of a mixture-of-experts layer; LoRA on experts is not supported")
            }
            return t == .gate ? f.gate : t == .up ? f.up : f.down
        }
    }

    mutating func replace(_ t: LoRAAdapter.Target, with m: WeightMatrix) {
        var q = wq, k = wk, v = wv, o = wo, ffn = feedForward
        switch t {
        case .q: q = m
        case .k: k = m
        case .v: v = m
        case .o: o = m
        case .gate, .up, .down:
            if case let .dense(f) = feedForward {
                ffn = .dense(FeedForwardWeights(gate: t == .gate ? m : f.gate, up: t == .up ? m : f.up, down: t == .down ? m : f.down))
            }
        }
        self = LlamaLayerWeights(attentionNorm: attentionNorm, wq: q, wk: k, wv: v, wo: o, ffnNorm: ffnNorm, feedForward: ffn)
    }
}

extension LlamaWeights {
    init(tokenEmbedding: WeightMatrix, layers: [LlamaLayerWeights], outputNorm: [Float], output: WeightMatrix,
         ropeFrequencyFactors: [Float]?) {
        self.tokenEmbedding = tokenEmbedding
        self.layers = layers
        self.outputNorm = outputNorm
        self.output = output
        self.ropeFrequencyFactors = ropeFrequencyFactors
    }
}
