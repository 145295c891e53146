import BoraModels
import Foundation
import Testing

/// Tiny random Mistral (sliding window 8), Mixtral (4 experts, top-2) and a v0.3-style model made with
/// transformers by scripts/make_mistral_goldens.py: Bora matches the logits at every position within 1e-4
/// and the greedy continuations exactly, from Hugging Face safetensors, Mistral's native layout and GGUF.
@Suite struct MistralGoldenTests {
    struct Golden: Decodable {
        struct Sequence: Decodable {
            let tokens: [Int]
            /// Position of the first row of `logits` (the v0.3-style model records only the last).
            let logitsFrom: Int
            let logits: [[Double]]
            enum CodingKeys: String, CodingKey { case tokens, logitsFrom = "logits_from", logits, greedy }
            let greedy: [Int]
        }
        let sequences: [Sequence]
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/mistral")

    static let cases: [(String, String)] = ["mistral-tiny", "mixtral-tiny"].flatMap { model in
        ["hf", "native", "model.gguf"].map { (model, $0) }
    } + [("mistral-v03-tiny", "hf"), ("mistral-v03-tiny", "native")]

    @Test(arguments: cases)
    func matchesTransformers(model name: String, source: String) throws {
        let dir = Self.root.appendingPathComponent(name)
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: dir.appendingPathComponent("golden.json")))
        let model = try DecoderModel(path: dir.appendingPathComponent(source).path)
        let session = DecoderSession(model: model, contextLength: 128, threads: 2, maxBatch: 16,
                                     cacheType: .f32)  // transformers' F32 keys
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
            #expect(worst < 1e-4, "\(name)/\(source), \(seq.tokens.count) tokens: max |logit difference| \(worst)")
            // Greedy continuation, one cached step at a time.
            session.reset()
            var logits = try session.next(seq.tokens)
            var produced: [Int] = []
            for _ in seq.greedy {
                let next = logits.indices.max { logits[$0] < logits[$1] || (logits[$0] == logits[$1] && $0 > $1) } ?? 0
                produced.append(next)
                logits = try session.next([next])
            }
            #expect(produced == seq.greedy, "\(name)/\(source): greedy continuation")
        }
    }
}
