import BoraFormats
import BoraModels

/// The `general.*` and `llama.*` metadata llama.cpp's convert_hf_to_gguf.py writes for a Llama, Mistral or
/// Mixtral checkpoint (all three are llama.cpp's "llama" architecture), with its value types: counts uint32,
/// frequencies and epsilons float32.
enum LlamaGGUFMetadata {
    static func keys(_ c: LlamaConfig, name: String, target: ConvertTarget, path: String) throws(ConversionError) -> [(String, GGUFValue)] {
        func u32(_ v: Int) -> GGUFValue { .uint32(UInt32(clamping: v)) }
        var m: [(String, GGUFValue)] = [
            ("general.architecture", .string("llama")),
            ("general.name", .string(name)),
            ("llama.vocab_size", u32(c.vocabularySize)),
            ("llama.context_length", u32(c.contextLength)),
            ("llama.embedding_length", u32(c.embeddingLength)),
            ("llama.block_count", u32(c.blockCount)),
            ("llama.feed_forward_length", u32(c.feedForwardLength)),
            ("llama.attention.head_count", u32(c.headCount)),
            ("llama.attention.head_count_kv", u32(c.headCountKV)),
            ("llama.rope.freq_base", .float32(Float(c.ropeTheta))),
            ("llama.attention.layer_norm_rms_epsilon", .float32(c.rmsNormEpsilon)),
        ]
        if c.headDim * c.headCount != c.embeddingLength {
            // Mistral Nemo style: heads narrower than embedding / heads.
            m.append(("llama.attention.key_length", u32(c.headDim)))
            m.append(("llama.attention.value_length", u32(c.headDim)))
        }
        m.append(("llama.rope.dimension_count", u32(c.ropeDimensions)))
        if c.ropeLinearFactor != 1 {
            m.append(("llama.rope.scaling.type", .string("linear")))
            m.append(("llama.rope.scaling.factor", .float32(Float(c.ropeLinearFactor))))
        }
        if c.expertCount > 0 {
            m.append(("llama.expert_count", u32(c.expertCount)))
            m.append(("llama.expert_used_count", u32(c.expertsPerToken)))
        }
        let windows = Set(c.slidingWindows)
        if windows.count > 1 {
            throw .unsupportedCheckpoint(path: path, reason: "its layers have different sliding windows (\(c.slidingWindows)), which GGUF's one llama.attention.sliding_window cannot express")
        }
        if let w = windows.first, w > 0 { m.append(("llama.attention.sliding_window", u32(w))) }
        m.append(("general.file_type", .uint32(target.quantizeTarget.fileType)))
        if target == .q8_0 { m.append(("general.quantization_version", .uint32(ModelQuantizer.quantizationVersion))) }
        return m
    }
}
