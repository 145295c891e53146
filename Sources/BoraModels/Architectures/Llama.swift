import BoraFormats
import Foundation

extension Architecture {
    /// Llama 1-3.x, Mistral 7B (sliding window), Mixtral (experts), SmolLM: llama.cpp's `llama` (older
    /// files: `mistral`). Llama 3.1's RoPE scaling comes from config.json's `rope_scaling` (type `llama3`)
    /// or GGUF's `rope_freqs.weight`.
    public static let llama = Architecture(
        name: "llama", models: "Llama, Mistral 7B, Mixtral, SmolLM",
        ggufNames: ["llama", "mistral"],
        huggingFaceModelTypes: ["llama", "mistral", "mixtral"],
        huggingFaceClasses: ["LlamaForCausalLM", "MistralForCausalLM", "MixtralForCausalLM"])
}
