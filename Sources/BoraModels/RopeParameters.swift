import Foundation

/// RoPE of a group of layers: the base and how positions are scaled beyond the training context.
public struct RopeParameters: Codable, Sendable, Equatable {
    public var theta: Double
    public var scaling: RopeScaling

    public init(theta: Double, scaling: RopeScaling = .none) {
        self.theta = theta
        self.scaling = scaling
    }
}

/// RoPE scaling, as transformers' `rope_parameters` / `rope_scaling` `rope_type` names them.
public enum RopeScaling: Codable, Sendable, Equatable {
    case none
    /// Positions divided by `factor` (every frequency divided by it).
    case linear(factor: Double)
    /// Llama 3.1: low frequencies divided by `factor`, high ones kept, a smooth blend between
    /// (transformers `_compute_llama3_parameters`).
    case llama3(factor: Double, lowFrequencyFactor: Double, highFrequencyFactor: Double, originalContext: Int)
    /// YaRN (transformers `_compute_yarn_parameters`, ggml `rope_yarn`): frequencies blended between
    /// interpolated (divided by `factor`) and extrapolated over a ramp set by `betaFast` / `betaSlow`
    /// rotations in `originalContext`; cos and sin are multiplied by `attentionFactor`.
    case yarn(factor: Double, originalContext: Int, betaFast: Double, betaSlow: Double, attentionFactor: Double)

    /// transformers' YaRN attention factor when the config gives none: 0.1 * mscale * ln(factor) + 1
    /// (`yarn_get_mscale`), as a ratio when both `mscale` and `mscaleAllDim` are given.
    public static func yarnAttentionFactor(factor: Double, mscale: Double?, mscaleAllDim: Double?) -> Double {
        func m(_ s: Double, _ k: Double) -> Double { s <= 1 ? 1 : 0.1 * k * log(s) + 1 }
        if let mscale, let mscaleAllDim, mscale != 0, mscaleAllDim != 0 {
            return m(factor, mscale) / m(factor, mscaleAllDim)
        }
        return m(factor, 1)
    }

    /// One phrase for `inspect`.
    public var summary: String {
        switch self {
        case .none: return "none"
        case let .linear(f): return "linear x\(f)"
        case let .llama3(f, lo, hi, ctx): return "llama3 x\(f) (low \(lo), high \(hi), original context \(ctx))"
        case let .yarn(f, ctx, fast, slow, af): return "yarn x\(f) (original context \(ctx), beta \(fast)/\(slow), attention factor \(af))"
        }
    }
}

extension RopeParameters {
    /// The inverse frequency of each rotated pair (dimensions / 2 of them) and the factor cos and sin are
    /// multiplied by. `divisors` (GGUF `rope_freqs.weight`, Llama 3.1) divide each frequency further.
    public func table(dimensions d: Int, divisors: [Float]? = nil) -> (inverseFrequencies: [Float], attentionFactor: Float) {
        let pairs = d / 2
        var out: [Float] = []
        var attention = 1.0
        for i in 0..<pairs {
            let base = pow(theta, -2.0 * Double(i) / Double(d))
            var f = base
            switch scaling {
            case .none: break
            case let .linear(factor): f = base / factor
            case let .llama3(factor, low, high, context):
                let wavelength = 2 * Double.pi / base
                let lowWavelength = Double(context) / low, highWavelength = Double(context) / high
                if wavelength > lowWavelength {
                    f = base / factor
                } else if wavelength >= highWavelength {
                    let smooth = (Double(context) / wavelength - low) / (high - low)
                    f = (1 - smooth) * base / factor + smooth * base
                }
            case let .yarn(factor, context, fast, slow, af):
                func correction(_ rotations: Double) -> Double {
                    Double(d) * log(Double(context) / (rotations * 2 * Double.pi)) / (2 * log(theta))
                }
                let low = max(floor(correction(fast)), 0), high = min(ceil(correction(slow)), Double(d - 1))
                let ramp = min(1, max(0, (Double(i) - low) / (high == low ? 0.001 : high - low)))
                let extrapolation = 1 - ramp
                f = base / factor * (1 - extrapolation) + base * extrapolation
                attention = af
            }
            if let divisors, i < divisors.count { f /= Double(divisors[i]) }
            out.append(Float(f))
        }
        return (out, Float(attention))
    }
}
