import BoraTokenizers
import Foundation
import Testing

/// Hugging Face `tokenizer.json` files in the shapes real models use, against the `tokenizers` library
/// (scripts/make_mistral_tokenizer_goldens.py writes both the files and the goldens).
@Suite("Hugging Face tokenizer.json vs tokenizers")
struct HuggingFaceGoldenTests {
    static let kinds = ["gpt2", "smollm", "llama3", "qwen2", "tekken", "llama2", "metaspace", "gemma3"]

    struct Golden: Decodable {
        struct Case: Decodable {
            var text: String
            var ids: [Int]
            var ids_literal: [Int]
            var ids_bos: [Int]
            var decoded: String
            var decoded_keep: String
        }
        var vocabulary_size: Int
        var cases: [Case]
    }

    @Test("encode and decode", arguments: kinds)
    func goldens(_ kind: String) throws {
        let directory = MistralFixtures.directory
        let golden = try JSONDecoder().decode(
            Golden.self, from: Data(contentsOf: URL(fileURLWithPath: "\(directory)/hf-\(kind).goldens.json")))
        let tokenizer = try #require(try loadTokenizer(path: "\(directory)/hf-\(kind).tokenizer.json") as? HuggingFaceTokenizer)
        #expect(tokenizer.vocabularySize == golden.vocabulary_size)
        var agree = 0
        for c in golden.cases {
            let ids = try tokenizer.encode(c.text, addBos: false, parseSpecial: true)
            let literal = try tokenizer.encode(c.text, addBos: false, parseSpecial: false)
            let bos = try tokenizer.encode(c.text, addBos: true, parseSpecial: true)
            #expect(ids == c.ids, "\(kind): \(c.text.debugDescription)")
            #expect(literal == c.ids_literal, "\(kind) literal: \(c.text.debugDescription)")
            #expect(bos == c.ids_bos, "\(kind) with BOS: \(c.text.debugDescription)")
            let decoded = try tokenizer.decode(c.ids)
            let kept = try tokenizer.decode(c.ids, specialTokens: .keep)
            #expect(decoded == c.decoded, "\(kind) decode: \(c.text.debugDescription)")
            #expect(kept == c.decoded_keep, "\(kind) decode keeping specials: \(c.text.debugDescription)")
            if ids == c.ids && literal == c.ids_literal && bos == c.ids_bos && decoded == c.decoded && kept == c.decoded_keep {
                agree += 1
            }
        }
        print("hf-\(kind): \(agree)/\(golden.cases.count) strings agree (ids, literal ids, BOS ids, decode, decode keeping specials)")
    }
}
