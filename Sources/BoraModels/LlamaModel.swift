import BoraFormats
import BoraKernels
import Foundation

/// A loaded Llama/Mistral/Mixtral decoder: configuration plus memory-mapped weights. Immutable and
/// shareable across sessions; each session owns a `DecoderSession` (cache and scratch).
public final class LlamaModel: Sendable {
    public let config: LlamaConfig
    public let weights: LlamaWeights
    /// Keeps the mapped files alive.
    public let store: TensorStore
    public let layout: CheckpointLayout
    /// RoPE inverse frequencies, one per rotated pair: theta^(-2i/d) / factor_i / linear factor.
    let inverseFrequencies: [Float]
    /// LoRA-merged matrices, when adapters were applied.
    let owned = OwnedMatrices()

    /// `adapters` are merged into the weights at load (each adapted matrix becomes an F32 copy).
    public init(store: TensorStore, layout: CheckpointLayout, config: LlamaConfig, adapters: [ScaledAdapter] = []) throws(FormatError) {
        try config.validate(path: store.path)
        self.store = store
        self.layout = layout
        self.config = config
        weights = try LlamaWeights(store: store, layout: layout, config: config)
            .merging(adapters, config: config, into: owned, path: store.path)
        let pairs = config.ropeDimensions / 2
        var freqs: [Float] = []
        for i in 0..<pairs {
            var f = pow(config.ropeTheta, -2.0 * Double(i) / Double(config.ropeDimensions))
            if let factors = weights.ropeFrequencyFactors { f /= Double(factors[i]) }
            freqs.append(Float(f / config.ropeLinearFactor))
        }
        inverseFrequencies = freqs
    }

    /// A GGUF file; `slidingWindow` overrides the file's window (converted Mistral 7B v0.1 GGUFs lack it).
    public convenience init(gguf: GGUFFile, slidingWindow: Int? = nil, adapters: [ScaledAdapter] = []) throws(FormatError) {
        var config = try LlamaConfig(gguf: gguf)
        if let slidingWindow { config.setSlidingWindow(slidingWindow) }
        try self.init(store: gguf, layout: .gguf, config: config, adapters: adapters)
    }

    /// A GGUF file or a checkpoint directory (Hugging Face `config.json` + safetensors, or Mistral's
    /// `params.json` + `consolidated.safetensors`).
    public convenience init(path: String, slidingWindow: Int? = nil, adapters: [ScaledAdapter] = []) throws(FormatError) {
        if let (config, layout) = try LlamaConfig.directoryConfig(path) {
            var config = config
            if let slidingWindow { config.setSlidingWindow(slidingWindow) }
            try self.init(store: ShardedSafetensors(directory: path), layout: layout, config: config, adapters: adapters)
        } else {
            try self.init(gguf: GGUFFile(path: path), slidingWindow: slidingWindow, adapters: adapters)
        }
    }

    /// Bytes of weights in the files.
    public var weightBytes: Int {
        store.tensorNames.reduce(0) { $0 + (store.tensorRef($1)?.byteCount ?? 0) }
    }

    /// Number of parameters (elements of all tensors).
    public var parameterCount: Int {
        store.tensorNames.reduce(0) { $0 + (store.tensorRef($1)?.elementCount ?? 0) }
    }
}
