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
        readGGUF: { c, gguf, p throws(FormatError) in
            // YaRN is read for every family (DecoderConfig.init(gguf:)); the temperature's length is YaRN's
            // original context, as llama.cpp takes it (n_ctx_orig_yarn).
            if let beta = try gguf.optionalDouble(p + "attention.temperature_scale"), beta != 0 {
                let original = try gguf.optionalInt(p + "rope.scaling.original_context_length") ?? c.contextLength
                c.attentionTemperature = AttentionTemperature(beta: beta, originalContext: original)
            }
        },
        readHuggingFace: { c, data, path throws(FormatError) in
            let h = try DecoderConfig.decode(HuggingFaceConfig.self, from: data, path: path)
            c.attentionTemperature = try h.attentionTemperature(path: path)
        })
}
