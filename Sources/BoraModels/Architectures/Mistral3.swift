import BoraFormats
import Foundation

extension Architecture {
    /// Ministral 3 (3B/8B/14B), Devstral 2, Devstral Small 2, Magistral, Mistral Small 3.x: the text decoder
    /// of transformers' `ministral3` and `Mistral3ForConditionalGeneration` (llama.cpp `mistral3`). Llama's
    /// block with YaRN RoPE scaling and Llama 4's attention temperature (`llama_4_scaling_beta`).
    /// Vision-tower and projector tensors of a checkpoint are not read.
    public static let mistral3 = Architecture(
        name: "mistral3", models: "Ministral 3, Devstral 2, Magistral, Mistral Small 3",
        ggufNames: ["mistral3"],
        huggingFaceModelTypes: ["ministral3", "mistral3"],
        huggingFaceClasses: ["Ministral3ForCausalLM", "Mistral3ForConditionalGeneration"],
        tensorNames: TensorNames.llama.overriding(huggingFacePrefixes: [
            ("model.language_model.", "lm_head.weight"), ("language_model.model.", "language_model.lm_head.weight"),
            ("model.", "lm_head.weight"),
        ]),
        readGGUF: { c, gguf, p throws(FormatError) in
            if let kind = try gguf.optionalString(p + "rope.scaling.type"), kind == "yarn" {
                let factor = try gguf.optionalDouble(p + "rope.scaling.factor") ?? 1
                let logMul = try gguf.optionalDouble(p + "rope.scaling.yarn_log_multiplier")
                // llama.cpp (`llama_context`): mscale is taken as 1 and yarn_log_multiplier as mscale_all_dim.
                var factorOfAttention = RopeScaling.yarnAttentionFactor(factor: factor, mscale: logMul.map { _ in 1 }, mscaleAllDim: logMul)
                factorOfAttention *= try gguf.optionalDouble(p + "rope.scaling.attn_factor") ?? 1
                c.rope.scaling = .yarn(
                    factor: factor,
                    originalContext: try gguf.optionalInt(p + "rope.scaling.original_context_length") ?? c.contextLength,
                    betaFast: try gguf.optionalDouble(p + "rope.scaling.yarn_beta_fast") ?? 32,
                    betaSlow: try gguf.optionalDouble(p + "rope.scaling.yarn_beta_slow") ?? 1,
                    attentionFactor: factorOfAttention)
            }
            if let beta = try gguf.optionalDouble(p + "attention.temperature_scale"), beta != 0 {
                let original = try gguf.optionalInt(p + "rope.scaling.original_context_length") ?? c.contextLength
                c.attentionTemperature = AttentionTemperature(beta: beta, originalContext: original)
            }
        },
        readHuggingFace: { c, data, path throws(FormatError) in
            let h = try DecoderConfig.decode(HuggingFaceConfig.self, from: data, path: path)
            if let r = h.ropeObject(), let beta = r.llama4ScalingBeta {
                guard let original = r.originalMaxPositionEmbeddings else {
                    throw FormatError.missingKey(path: path, key: "rope_parameters.original_max_position_embeddings")
                }
                c.attentionTemperature = AttentionTemperature(beta: beta, originalContext: original)
            }
        })
}
