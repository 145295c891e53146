import BoraEngine
import BoraModels
import Foundation
import Testing

/// Bora's teacher-forced log-likelihoods on a real text track llama.cpp's on the same GGUF
/// (reference data from scripts/make_llama_reference.py).
@Suite struct LlamaReferenceTests {
    struct Reference: Decodable {
        let context: Int
        let tokens: [Int]
        let perplexity: Double
        let nll: [Double]
        let argmax: [Int]
        let margin: [Double]
    }

    @Test func smolLM2TracksLlamaCpp() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("reference/smollm2-apache-2.0.json")))
        let ref = try JSONDecoder().decode(Reference.self, from: data)
        let model = try DecoderModel(path: try TestPaths.smolLM2())
        let session = DecoderSession(model: model, contextLength: ref.context, threads: 2)
        var nll: [Double] = []
        var argmax: [Int] = []
        var start = 0
        while start < ref.tokens.count {
            let window = Array(ref.tokens[start..<min(ref.tokens.count, start + ref.context)])
            let s = try session.score(window)
            nll += s.nll
            argmax += s.argmax.dropLast()
            start += ref.context
        }
        try #require(nll.count == ref.nll.count)
        let ppl = exp(nll.reduce(0, +) / Double(nll.count))
        let relative = abs(ppl - ref.perplexity) / ref.perplexity
        var agree = 0, confident = 0, confidentAgree = 0
        for i in argmax.indices {
            if argmax[i] == ref.argmax[i] { agree += 1 }
            if ref.margin[i] > 1.0 {
                confident += 1
                if argmax[i] == ref.argmax[i] { confidentAgree += 1 }
            }
        }
        let agreement = Double(agree) / Double(argmax.count)
        let confidentAgreement = Double(confidentAgree) / Double(max(confident, 1))
        print("perplexity bora \(ppl) llama.cpp \(ref.perplexity) (relative \(relative)); top-1 agreement \(agreement), where margin > 1: \(confidentAgreement) of \(confident)")
        #expect(relative < 0.01)
        #expect(agreement >= 0.95)
        #expect(confidentAgreement >= 0.99)
    }
}
