import BoraEngine
import BoraFormats
import BoraModels
import Foundation
import Testing

/// Ministral 3 in Mistral's native layout (`params.json` with `yarn` and `llama_4_scaling`, as llama.cpp's
/// converter reads them; `consolidated.safetensors` with mistral-inference's names and Q/K in adjacent
/// pairs), written here from the family golden's Hugging Face directory: Bora runs it as the mistral3
/// family and matches transformers.
@Suite struct MistralNativeFamilyTests {
    /// mistral-inference's names for transformers' (Llama layout).
    static func nativeName(_ hf: String) -> String? {
        let map = ["model.embed_tokens.weight": "tok_embeddings.weight", "model.norm.weight": "norm.weight", "lm_head.weight": "output.weight"]
        if let n = map[hf] { return n }
        let parts = hf.split(separator: ".").map(String.init)
        guard parts.count >= 5, parts[0] == "model", parts[1] == "layers" else { return nil }
        let rest = parts[3...].joined(separator: ".")
        let layer = ["input_layernorm.weight": "attention_norm.weight", "post_attention_layernorm.weight": "ffn_norm.weight",
                     "self_attn.q_proj.weight": "attention.wq.weight", "self_attn.k_proj.weight": "attention.wk.weight",
                     "self_attn.v_proj.weight": "attention.wv.weight", "self_attn.o_proj.weight": "attention.wo.weight",
                     "mlp.gate_proj.weight": "feed_forward.w1.weight", "mlp.down_proj.weight": "feed_forward.w2.weight",
                     "mlp.up_proj.weight": "feed_forward.w3.weight"]
        return layer[rest].map { "layers.\(parts[2]).\($0)" }
    }

    static func writeNative(into dir: URL, applyScale: Bool = false) throws {
        let hf = try SafetensorsFile(path: TestPaths.fixture("families/ministral3/hf/model.safetensors"))
        var writer = SafetensorsWriter()
        let headDim = 16, heads = ["wq": 4, "wk": 2]
        for name in hf.tensorNames.sorted() {
            guard let native = nativeName(name), let t = hf.tensorRef(name), t.type == .f32 else { continue }
            let rows = t.shape.count == 2 ? t.shape[1] : 1, cols = t.shape[0]
            let source = UnsafeBufferPointer(start: t.data.assumingMemoryBound(to: Float.self), count: t.elementCount)
            var values = Array(source)
            if let h = heads.first(where: { native.hasSuffix("attention.\($0.key).weight") })?.value {
                // Hugging Face's halves RoPE layout to the adjacent pairs of Mistral's checkpoints.
                for r in 0..<rows {
                    let from = QKPermutation.halvesRow(forPairsRow: r, headDim: rows / h)
                    for c in 0..<cols { values[r * cols + c] = source[from * cols + c] }
                }
                #expect(rows / h == headDim)
            }
            writer.add(native, type: .f32, shape: Array(t.shape.reversed()), bytes: values.withUnsafeBytes { Array($0) })
        }
        try Data(writer.serialize()).write(to: dir.appendingPathComponent("consolidated.safetensors"))
        let params = """
        {"dim": 64, "n_layers": 2, "head_dim": 16, "hidden_dim": 128, "n_heads": 4, "n_kv_heads": 2, "norm_eps": 1e-06,
         "vocab_size": 320, "rope_theta": 1000000.0, "max_seq_len": 256,
         "yarn": {"factor": 16.0, "beta": 32.0, "alpha": 1.0, "original_max_position_embeddings": 16, "apply_scale": \(applyScale)},
         "llama_4_scaling": {"beta": 0.1, "original_max_position_embeddings": 16},
         "vision_encoder": {"hidden_size": 32}}
        """
        try Data(params.utf8).write(to: dir.appendingPathComponent("params.json"))
    }

    @Test func ministral3FromMistralsNativeLayout() throws {
        let dir = try ConvertFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.writeNative(into: dir)
        let config = try DecoderConfig(path: dir.path)
        #expect(config.architecture == "mistral3" && config.attentionTemperature?.beta == 0.1)
        let (tokens, logits) = try ConvertFamilyTests.golden("ministral3")
        let worst = ConvertFixtures.maxDifference(try ConvertFixtures.logits(dir.path, tokens), logits)
        #expect(worst < 1e-4, "native Ministral 3 vs transformers: \(worst)")
    }

    @Test func latentAttentionInTheNativeLayoutIsAClearError() throws {
        let dir = try ConvertFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(#"{"dim": 64, "n_layers": 2, "hidden_dim": 128, "n_heads": 4, "vocab_size": 320, "kv_lora_rank": 32}"#.utf8)
            .write(to: dir.appendingPathComponent("params.json"))
        #expect { _ = try DecoderConfig(path: dir.path) } throws: { "\($0)".contains("kv_lora_rank") && "\($0)".contains("Hugging Face checkpoint or a GGUF") }
    }
}
