import BoraModels
import Foundation
import Testing

/// Golden logits and greedy continuations from transformers (scripts/make_mistral_goldens.py,
/// scripts/make_family_goldens.py), and the check both golden suites run.
struct Golden: Decodable {
    struct Sequence: Decodable {
        let tokens: [Int]
        /// Position of the first row of `logits` (the v0.3-style model records only the last).
        let logitsFrom: Int
        let logits: [[Double]]
        let greedy: [Int]
        enum CodingKeys: String, CodingKey { case tokens, logitsFrom = "logits_from", logits, greedy }
    }
    let sequences: [Sequence]

    init(contentsOf url: URL) throws {
        self = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
    }

    /// Bora's logits within 1e-4 of the golden at every recorded position (F32 cache, as transformers keeps
    /// its keys, chunks of 16 so the sequences cross chunk boundaries), and the same greedy continuation,
    /// one cached step at a time.
    func check(_ model: DecoderModel, label: String) throws {
        let session = DecoderSession(model: model, contextLength: 128, threads: 2, maxBatch: 16, cacheType: .f32)
        for seq in sequences {
            session.reset()
            var worst = 0.0
            var compared = 0
            try session.evaluate(seq.tokens, logitsFor: .all) { i, row in
                guard i >= seq.logitsFrom else { return }
                compared += 1
                for (a, b) in zip(row, seq.logits[i - seq.logitsFrom]) { worst = max(worst, abs(Double(a) - b)) }
            }
            #expect(compared == seq.logits.count)
            #expect(worst < 1e-4, "\(label), \(seq.tokens.count) tokens: max |logit difference| \(worst)")
            session.reset()
            var logits = try session.next(seq.tokens)
            var produced: [Int] = []
            for _ in seq.greedy {
                let next = logits.indices.max { logits[$0] < logits[$1] || (logits[$0] == logits[$1] && $0 > $1) } ?? 0
                produced.append(next)
                logits = try session.next([next])
            }
            #expect(produced == seq.greedy, "\(label): greedy continuation")
        }
    }
}
