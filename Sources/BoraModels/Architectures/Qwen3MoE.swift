import BoraFormats
import Foundation

extension Architecture {
    /// Qwen 3 MoE: Qwen 3's attention, and in every layer a router over `num_experts` experts of width
    /// `moe_intermediate_size`: softmax over all experts, the top k, renormalized when `norm_topk_prob`
    /// (transformers `Qwen3MoeSparseMoeBlock`; llama.cpp `qwen3moe` always renormalizes).
    public static let qwen3MoE = Architecture(
        name: "qwen3moe", models: "Qwen 3 MoE",
        ggufNames: ["qwen3moe"],
        huggingFaceModelTypes: ["qwen3_moe"],
        huggingFaceClasses: ["Qwen3MoeForCausalLM"],
        ggufRopeStyle: .halves,
        traits: DecoderTraits(qkNorm: true),
        tensorNames: TensorNames.llama.overriding(huggingFace: [.router: "mlp.gate"]),
        readHuggingFace: { c, data, path throws(FormatError) in
            try QwenWindow.read(&c, data, path)
            let k = try DecoderConfig.decode(Qwen3MoEKeys.self, from: data, path: path)
            // transformers 5 writes `num_local_experts`, read as the common key; 4.x `num_experts`.
            if let n = k.numExperts { c.expertCount = n }
            guard c.expertCount > 0 else { throw FormatError.missingKey(path: path, key: "num_experts") }
            c.expertsPerToken = k.numExpertsPerTok
            c.expertFeedForwardLength = k.moeIntermediateSize
            c.normalizeExpertWeights = k.normTopkProb ?? false
            if let step = k.decoderSparseStep, step != 1 {
                throw FormatError.invalid(path: path, what: "decoder_sparse_step is \(step); Bora runs Qwen 3 MoE checkpoints with experts in every layer (decoder_sparse_step 1)")
            }
            if let dense = k.mlpOnlyLayers, !dense.isEmpty {
                throw FormatError.invalid(path: path, what: "mlp_only_layers lists dense layers \(dense); Bora runs Qwen 3 MoE checkpoints with experts in every layer")
            }
        })
}

struct Qwen3MoEKeys: Decodable {
    var numExperts: Int?
    var numExpertsPerTok: Int
    var moeIntermediateSize: Int
    var normTopkProb: Bool?
    var decoderSparseStep: Int?
    var mlpOnlyLayers: [Int]?
    enum CodingKeys: String, CodingKey {
        case numExperts = "num_experts", numExpertsPerTok = "num_experts_per_tok", moeIntermediateSize = "moe_intermediate_size"
        case normTopkProb = "norm_topk_prob", decoderSparseStep = "decoder_sparse_step", mlpOnlyLayers = "mlp_only_layers"
    }
}
