import BoraFormats
import BoraModels
import Foundation
import Testing

/// Bad checkpoints of the new families: the message names the file, the key or tensor and what is
/// supported (from the registry), never a crash.
@Suite struct FamilyErrorTests {
    static let families = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/families")

    /// A scratch copy of a family golden's Hugging Face directory, its config.json edited.
    func copy(_ family: String, _ edit: (inout [String: Any]) -> Void) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bora-family-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Self.families.appendingPathComponent("\(family)/hf"), to: dir)
        let url = dir.appendingPathComponent("config.json")
        var obj = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        edit(&obj)
        try JSONSerialization.data(withJSONObject: obj).write(to: url)
        return dir
    }

    func message(_ dir: URL) throws -> String {
        defer { try? FileManager.default.removeItem(at: dir) }
        return try #require(throws: FormatError.self) { try DecoderModel(path: dir.path) }.description
    }

    @Test func unsupportedArchitectureListsTheRegistry() throws {
        let m = try message(try copy("qwen3") { $0["model_type"] = "phi3"; $0["architectures"] = ["Phi3ForCausalLM"] })
        #expect(m.contains("model_type 'phi3'") && m.contains(ArchitectureRegistry.supported) && m.contains("config.json"), "\(m)")
    }

    @Test func mlaRankThatDoesNotMatchTheTensors() throws {
        let m = try message(try copy("mistral4") { obj in
            var text = obj["text_config"] as? [String: Any] ?? [:]
            text["kv_lora_rank"] = 24
            obj["text_config"] = text
        })
        #expect(m.contains("kv_a_proj_with_mqa") && m.contains("shape"), "\(m)")
    }

    @Test func missingFamilyKey() throws {
        let m = try message(try copy("qwen3moe") { $0.removeValue(forKey: "moe_intermediate_size") })
        #expect(m.contains("moe_intermediate_size") && m.contains("config.json"), "\(m)")
    }

    @Test func contradictoryRouting() throws {
        let m = try message(try copy("qwen3moe") { $0["num_experts_per_tok"] = 9 })
        #expect(m.contains("experts used per token (9)"), "\(m)")
    }

    @Test func unknownRopeType() throws {
        let m = try message(try copy("ministral3") { obj in
            var r = obj["rope_parameters"] as? [String: Any] ?? [:]
            r["rope_type"] = "longrope"
            obj["rope_parameters"] = r
        })
        #expect(m.contains("rope_type 'longrope'") && m.contains("yarn"), "\(m)")
    }

    @Test func gemmaAttentionSoftcappingIsRefused() throws {
        let m = try message(try copy("gemma3") { $0["attn_logit_softcapping"] = 50.0 })
        #expect(m.contains("attn_logit_softcapping"), "\(m)")
    }

    @Test func unsupportedGGUFArchitectureListsTheRegistry() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bora-arch-\(UUID().uuidString).gguf").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var w = GGUFWriter()
        w.set("general.architecture", .string("phi3"))
        try Data(w.serialize()).write(to: URL(fileURLWithPath: path))
        let m = try #require(throws: FormatError.self) { try DecoderConfig(gguf: GGUFFile(path: path)) }.description
        #expect(m.contains("'phi3'") && m.contains(ArchitectureRegistry.supportedGGUF), "\(m)")
    }
}
