import BoraModels
import Foundation
import Testing

/// Tiny random models of each family built with transformers 5 from configs shaped like the released
/// ones (scripts/make_family_goldens.py): Bora's logits are within 1e-4 of transformers at every position
/// and the greedy continuations are identical, from the Hugging Face directory and from the GGUF file
/// llama.cpp's own converter wrote. Windows are shorter than the sequences; the Ministral 3 models' original
/// context (16) is shorter too, so the attention temperature changes along them.
@Suite struct FamilyGoldenTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/families")

    static let families = ["llama3", "qwen2", "qwen3", "qwen3moe", "gemma3", "ministral3", "mistral3", "mistral4"]
    static let cases: [(String, String)] = families.flatMap { f in ["hf", "model.gguf"].map { (f, $0) } }

    static func golden(_ family: String) throws -> Golden {
        try Golden(contentsOf: root.appendingPathComponent(family).appendingPathComponent("golden.json"))
    }

    @Test(arguments: cases)
    func matchesTransformers(family: String, source: String) throws {
        let golden = try Self.golden(family)
        let model = try DecoderModel(path: Self.root.appendingPathComponent(family).appendingPathComponent(source).path)
        #expect(model.config.family?.name == model.config.architecture)
        try golden.check(model, label: "\(family)/\(source)")
    }

    /// The decoder's fast path against the plain Double reference (`naiveLogits`), which reads the same traits.
    @Test(arguments: families)
    func fastPathMatchesReference(family: String) throws {
        let golden = try Self.golden(family)
        let model = try DecoderModel(path: Self.root.appendingPathComponent(family).appendingPathComponent("model.gguf").path)
        let tokens = Array(golden.sequences[0].tokens.prefix(24))
        let reference = naiveLogits(model, tokens)
        let session = DecoderSession(model: model, contextLength: 64, threads: 2, maxBatch: 7, cacheType: .f32)
        var worst = 0.0
        try session.evaluate(tokens, logitsFor: .all) { i, row in
            for (a, b) in zip(row, reference[i]) { worst = max(worst, abs(Double(a) - b)) }
        }
        #expect(worst < 1e-3, "\(family): max |fast - reference| \(worst)")
    }
}
