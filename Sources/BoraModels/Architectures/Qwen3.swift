import BoraFormats
import Foundation

extension Architecture {
    /// Qwen 3 dense: Llama's block with an RMSNorm over each head of q and k before RoPE (llama.cpp `qwen3`).
    public static let qwen3 = Architecture(
        name: "qwen3", models: "Qwen 3",
        ggufNames: ["qwen3"],
        huggingFaceModelTypes: ["qwen3"],
        huggingFaceClasses: ["Qwen3ForCausalLM"],
        ggufRopeStyle: .halves,
        traits: DecoderTraits(qkNorm: true),
        readHuggingFace: { c, data, path throws(FormatError) in try QwenWindow.read(&c, data, path) })
}
