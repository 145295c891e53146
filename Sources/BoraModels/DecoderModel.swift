import BoraFormats
import BoraKernels
import Foundation

/// A loaded decoder of any family in `ArchitectureRegistry`: configuration plus memory-mapped weights. Immutable and
/// shareable across sessions; each session owns a `DecoderSession` (cache and scratch).
public final class DecoderModel: Sendable {
    public let config: DecoderConfig
    public let weights: DecoderWeights
    /// Keeps the mapped files alive.
    public let store: TensorStore
    public let layout: CheckpointLayout
    /// RoPE tables: the inverse frequency of each rotated pair and the factor on cos and sin, one entry
    /// per distinct `RopeParameters` of the layers (`ropeOfLayer` indexes it).
    let ropeTables: [(inverseFrequencies: [Float], attentionFactor: Float)]
    let ropeOfLayer: [Int]
    /// LoRA-merged matrices, when adapters were applied.
    let owned = OwnedMatrices()
    /// One-line notes for the user about the checkpoint (vision-tower tensors that are not read).
    public let notes: [String]

    /// `adapters` are merged into the weights at load (each adapted matrix becomes an F32 copy).
    public init(store: TensorStore, layout: CheckpointLayout, config: DecoderConfig, adapters: [ScaledAdapter] = []) throws(FormatError) {
        try config.validate(path: store.path)
        self.store = store
        self.layout = layout
        self.config = config
        weights = try DecoderWeights(store: store, layout: layout, config: config)
            .merging(adapters, config: config, into: owned, path: store.path)
        var distinct: [RopeParameters] = []
        var tables: [(inverseFrequencies: [Float], attentionFactor: Float)] = []
        var index: [Int] = []
        let divisors = weights.ropeFrequencyFactors
        for l in 0..<config.blockCount {
            let r = config.rope(layer: l)
            if let i = distinct.firstIndex(of: r) {
                index.append(i)
            } else {
                distinct.append(r)
                tables.append(r.table(dimensions: config.ropeDimensions, divisors: divisors))
                index.append(distinct.count - 1)
            }
        }
        ropeOfLayer = index
        ropeTables = tables
        notes = Self.visionNote(store.tensorNames)
    }

    /// Prefixes of vision encoders and projectors in vision-language checkpoints (transformers' Mistral 3 and
    /// Gemma 3, Mistral's native layout): the text decoder does not read them.
    static let visionPrefixes = ["vision_tower.", "multi_modal_projector.", "model.vision_tower.", "model.multi_modal_projector.",
                                 "vision_encoder.", "vision_language_adapter.", "patch_merger.", "pre_mm_projector_norm."]

    static func visionNote(_ names: [String]) -> [String] {
        var found: [String: Int] = [:]
        for n in names {
            if let p = visionPrefixes.first(where: { n.hasPrefix($0) }) { found[p, default: 0] += 1 }
        }
        guard !found.isEmpty else { return [] }
        let total = found.values.reduce(0, +)
        return ["skipped \(total) vision tensors (\(found.keys.sorted().map { $0 + "*" }.joined(separator: ", "))): Bora runs the text model"]
    }

    /// A GGUF file; `slidingWindow` overrides the file's window (converted Mistral 7B v0.1 GGUFs lack it).
    public convenience init(gguf: GGUFFile, slidingWindow: Int? = nil, adapters: [ScaledAdapter] = []) throws(FormatError) {
        var config = try DecoderConfig(gguf: gguf)
        if let slidingWindow { config.setSlidingWindow(slidingWindow) }
        try self.init(store: gguf, layout: .gguf, config: config, adapters: adapters)
    }

    /// A GGUF file or a checkpoint directory (Hugging Face `config.json` + safetensors, or Mistral's
    /// `params.json` + `consolidated.safetensors`).
    public convenience init(path: String, slidingWindow: Int? = nil, adapters: [ScaledAdapter] = []) throws(FormatError) {
        if let (config, layout) = try DecoderConfig.directoryConfig(path) {
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
