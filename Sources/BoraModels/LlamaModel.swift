import BoraFormats
import BoraKernels

/// A loaded Llama/Mistral decoder: configuration plus memory-mapped weights. Immutable and shareable
/// across sessions; each session owns a `DecoderSession` (cache and scratch).
public final class LlamaModel: Sendable {
    public let config: LlamaConfig
    public let weights: LlamaWeights
    public let gguf: GGUFFile
    /// RoPE inverse frequencies, one per rotated pair: theta^(-2i/d) / factor_i / linear factor.
    let inverseFrequencies: [Float]

    public init(gguf: GGUFFile) throws(FormatError) {
        let config = try LlamaConfig(gguf: gguf)
        self.gguf = gguf
        self.config = config
        weights = try LlamaWeights(gguf: gguf, config: config)
        let pairs = config.ropeDimensions / 2
        var freqs: [Float] = []
        for i in 0..<pairs {
            var f = pow(config.ropeTheta, -2.0 * Double(i) / Double(config.ropeDimensions))
            if let factors = weights.ropeFrequencyFactors { f /= Double(factors[i]) }
            freqs.append(Float(f / config.ropeLinearFactor))
        }
        inverseFrequencies = freqs
    }

    public convenience init(path: String) throws(FormatError) {
        try self.init(gguf: GGUFFile(path: path))
    }

    /// Bytes of weights in the file (what a decode step reads at most once).
    public var weightBytes: Int { gguf.tensors.reduce(0) { $0 + $1.byteCount } }

    /// Number of parameters (elements of all tensors).
    public var parameterCount: Int { gguf.tensors.reduce(0) { $0 + $1.elementCount } }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
