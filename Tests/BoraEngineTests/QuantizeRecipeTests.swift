import BoraEngine
import BoraKernels
import Foundation
import Testing

/// The per-tensor type choice against llama.cpp's (Tests/Fixtures/quant/smollm2_recipe.json, written by
/// scripts/check_quantize_vs_llamacpp.py from `llama_model_quantize` on SmolLM2 in F32).
@Suite struct QuantizeRecipeTests {
    struct Golden: Decodable {
        let names: [String]
        let shapes: [[Int]]
        let block_count: Int
        let types: [String: [String]]
    }

    static func golden() throws -> Golden {
        try JSONDecoder().decode(Golden.self, from: Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("quant/smollm2_recipe.json"))))
    }

    @Test(arguments: ["Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K_M", "Q5_K_M", "Q6_K"])
    func matchesLlamaCpp(_ name: String) throws {
        let g = try Self.golden()
        let target = try #require(QuantizeTarget(name: name))
        let expected = try #require(g.types[name])
        let tensors = zip(g.names, g.shapes).map { QuantizationRecipe.Tensor(name: $0, shape: $1, type: .f32) }
        let types = try QuantizationRecipe.types(for: tensors, target: target, blockCount: g.block_count, expertCount: 0)
        let wrong = g.names.indices.filter { types[$0].name != expected[$0] }
        #expect(wrong.isEmpty, "\(name): \(wrong.count) tensors differ, e.g. \(wrong.prefix(3).map { "\(g.names[$0]): \(types[$0]) vs \(expected[$0])" })")
    }

    @Test func legacyTypeRejectsRowsThatAreNotWholeBlocks() {
        let t = [QuantizationRecipe.Tensor(name: "blk.0.attn_q.weight", shape: [48, 4], type: .f32)]
        #expect(throws: ConversionError.shapeNotAllowed(tensor: "blk.0.attn_q.weight", columns: 48, type: .q4_0, target: .q4_0)) {
            try QuantizationRecipe.types(for: t, target: .q4_0, blockCount: 1, expertCount: 0)
        }
    }

    @Test func kTypesFallBack() throws {
        let t = [
            QuantizationRecipe.Tensor(name: "blk.0.attn_q.weight", shape: [96, 4], type: .f32),
            QuantizationRecipe.Tensor(name: "blk.0.ffn_up.weight", shape: [48, 4], type: .f32),
            QuantizationRecipe.Tensor(name: "blk.0.attn_norm.weight", shape: [96], type: .f32),
        ]
        let types = try QuantizationRecipe.types(for: t, target: .q4_K_M, blockCount: 1, expertCount: 0)
        #expect(types == [.q5_0, .f16, .f32])
    }

    /// llama.cpp's 8-expert rules: attn_v and attn_k in Q8_0, Q4_K_M's attn_output in Q5_K, ffn_down's layer
    /// read from the name.
    @Test func eightExpertRules() throws {
        let t = [
            QuantizationRecipe.Tensor(name: "blk.0.attn_v.weight", shape: [256, 4], type: .f32),
            QuantizationRecipe.Tensor(name: "blk.0.attn_k.weight", shape: [256, 4], type: .f32),
            QuantizationRecipe.Tensor(name: "blk.0.ffn_down_exps.weight", shape: [256, 4, 8], type: .f32),
            QuantizationRecipe.Tensor(name: "blk.0.attn_output.weight", shape: [256, 4], type: .f32),
            QuantizationRecipe.Tensor(name: "blk.0.ffn_gate_inp.weight", shape: [256, 8], type: .f32),
        ]
        let types = try QuantizationRecipe.types(for: t, target: .q4_K_M, blockCount: 1, expertCount: 8)
        #expect(types == [.q8_0, .q8_0, .q6_K, .q5_K, .f32])
    }

    @Test func typeNamesParseIgnoringCase() {
        #expect(QuantizeTarget(name: "q4_k_m") == .q4_K_M)
        #expect(QuantizeTarget(name: "Q3_K") == nil)
        #expect(ConversionError.unknownType("Q3_K").description.contains("Q4_K_M"))
    }
}
