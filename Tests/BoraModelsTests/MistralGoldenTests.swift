import BoraModels
import Foundation
import Testing

/// Tiny random Mistral (sliding window 8), Mixtral (4 experts, top-2) and a v0.3-style model made with
/// transformers by scripts/make_mistral_goldens.py: Bora matches the logits at every position within 1e-4
/// and the greedy continuations exactly, from Hugging Face safetensors, Mistral's native layout and GGUF.
@Suite struct MistralGoldenTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/mistral")

    static let cases: [(String, String)] = ["mistral-tiny", "mixtral-tiny"].flatMap { model in
        ["hf", "native", "model.gguf"].map { (model, $0) }
    } + [("mistral-v03-tiny", "hf"), ("mistral-v03-tiny", "native")]

    @Test(arguments: cases)
    func matchesTransformers(model name: String, source: String) throws {
        let dir = Self.root.appendingPathComponent(name)
        let golden = try Golden(contentsOf: dir.appendingPathComponent("golden.json"))
        try golden.check(try DecoderModel(path: dir.appendingPathComponent(source).path), label: "\(name)/\(source)")
    }
}
