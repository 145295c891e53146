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

extension DecoderWeights {
    /// These weights with `adapters` merged: every adapted matrix becomes an F32 copy of
    /// W + sum(scale * adapter.scale * B A) (quantized matrices are dequantized first), the others stay
    /// mapped. Q and K factors are permuted when the adapter's RoPE layout differs from the model's.
    func merging(_ adapters: [ScaledAdapter], config c: DecoderConfig, into owned: OwnedMatrices, path: String) throws(FormatError) -> DecoderWeights {
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
                    let permute = heads > 0 && adapter.ropeStyle != c.ropeStyle
                    let merged = owned.make(rows: w.rows, cols: w.cols)
                    for r in 0..<w.rows { w.row(r, into: merged + r * w.cols) }
                    let s = sa.scale * adapter.scale
                    for r in 0..<w.rows {
                        let br = permute ? f.sourceRow(r, heads: heads, model: c.ropeStyle) : r
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
        var merged = self
        merged.layers = layers
        return merged
    }

}

extension LoRAAdapter.Factors {
    /// The row of B (in the adapter's RoPE layout) that feeds row `r` of a Q or K matrix in the model's
    /// layout `model`: llama.cpp's converter permutation (halves to pairs) or its inverse, per head.
    @inline(__always) func sourceRow(_ r: Int, heads: Int, model: RopeStyle) -> Int {
        let dim = rows / heads, half = dim / 2
        let h = r / dim, rem = r % dim
        switch model {
        case .adjacentPairs: return h * dim + (rem % 2) * half + rem / 2   // model pairs <- adapter halves
        case .halves: return h * dim + 2 * (rem % half) + rem / half        // model halves <- adapter pairs
        }
    }
}

extension LayerWeights {
    /// The matrix an adapter target names (an error for the feed-forward of a mixture-of-experts layer).
    public func matrix(_ t: LoRAAdapter.Target, adapter: String) throws(FormatError) -> WeightMatrix {
        if t == .o { return wo }
        guard let a = standard else {
            throw FormatError.invalid(path: adapter, what: "the adapter changes \(t) of a latent-attention layer; LoRA on latent attention's q/k/v is not supported")
        }
        switch t {
        case .q: return a.wq
        case .k: return a.wk
        case .v: return a.wv
        case .o: return wo
        case .gate, .up, .down:
            guard case let .dense(f) = feedForward else {
                throw FormatError.invalid(path: adapter, what: "the adapter changes the feed-forward of a mixture-of-experts layer; LoRA on experts is not supported")
            }
            return t == .gate ? f.gate : t == .up ? f.up : f.down
        }
    }

    mutating func replace(_ t: LoRAAdapter.Target, with m: WeightMatrix) {
        switch t {
        case .q, .k, .v:
            guard case var .standard(a) = attention else { return }
            switch t {
            case .q: a.wq = m
            case .k: a.wk = m
            default: a.wv = m
            }
            attention = .standard(a)
        case .o: wo = m
        case .gate, .up, .down:
            if case let .dense(f) = feedForward {
                feedForward = .dense(FeedForwardWeights(gate: t == .gate ? m : f.gate, up: t == .up ? m : f.up, down: t == .down ? m : f.down))
            }
        }
    }
}
