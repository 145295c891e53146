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

    static func golden(_ family: String) throws -> MistralGoldenTests.Golden {
        try JSONDecoder().decode(MistralGoldenTests.Golden.self,
                                 from: Data(contentsOf: root.appendingPathComponent(family).appendingPathComponent("golden.json")))
    }

    @Test(arguments: cases)
    func matchesTransformers(family: String, source: String) throws {
        let golden = try Self.golden(family)
        let model = try DecoderModel(path: Self.root.appendingPathComponent(family).appendingPathComponent(source).path)
        #expect(model.config.family != nil)
        // Chunks of 16: the sequences cross chunk boundaries, windows and the temperature's steps.
        let session = DecoderSession(model: model, contextLength: 128, threads: 2, maxBatch: 16, cacheType: .f32)
        for seq in golden.sequences {
            session.reset()
            var worst = 0.0
            var compared = 0
            try session.evaluate(seq.tokens, logitsFor: .all) { i, row in
                guard i >= seq.logitsFrom else { return }
                compared += 1
                for (a, b) in zip(row, seq.logits[i - seq.logitsFrom]) { worst = max(worst, abs(Double(a) - b)) }
            }
            #expect(compared == seq.logits.count)
            #expect(worst < 1e-4, "\(family)/\(source), \(seq.tokens.count) tokens: max |logit difference| \(worst)")
            session.reset()
            var logits = try session.next(seq.tokens)
            var produced: [Int] = []
            for _ in seq.greedy {
                let next = logits.indices.max { logits[$0] < logits[$1] || (logits[$0] == logits[$1] && $0 > $1) } ?? 0
                produced.append(next)
                logits = try session.next([next])
            }
            #expect(produced == seq.greedy, "\(family)/\(source): greedy continuation")
        }
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
