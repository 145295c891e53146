import BoraEngine
import BoraModels
import Foundation
import Testing

/// Bora's teacher-forced log-likelihoods on a real text track llama.cpp's on the same GGUF
/// (reference data from scripts/make_llama_reference.py, llama.cpp's default F16 KV cache like Bora's).
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
        let (ref, nll, argmax) = try Self.run("reference/smollm2-apache-2.0.json", model: try TestPaths.smolLM2())
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

    /// Gemma 3 270M (sandwich norms, GeGLU, 5 local layers with a 512-token window for each global one) on
    /// windows of 1,024 tokens: the text's tokens are llama.cpp's, the perplexity within 1%, and top-1 agreement
    /// at least llama.cpp's agreement with itself across two of its code paths (94.6%: F32 KV cache without
    /// flash attention against F16 with it, scripts/check_llamacpp_model.py) less a point.
    @Test func gemma3TracksLlamaCpp() throws {
        let path = try TestPaths.gemma3()
        let (ref, nll, argmax) = try Self.run("reference/gemma3-270m-apache-2.0.json", model: path)
        let loaded = try LoadedModel(path: path)
        let text = try String(contentsOfFile: TestPaths.fixture("text/apache-2.0.txt"), encoding: .utf8)
        #expect(try loaded.tokenize(text) == ref.tokens, "Gemma's tokenizer from the GGUF gives llama.cpp's ids")
        try #require(nll.count == ref.nll.count)
        let ppl = exp(nll.reduce(0, +) / Double(nll.count))
        let relative = abs(ppl - ref.perplexity) / ref.perplexity
        let agreement = Double(zip(argmax, ref.argmax).filter { $0 == $1 }.count) / Double(argmax.count)
        print("gemma3: perplexity bora \(ppl) llama.cpp \(ref.perplexity) (relative \(relative)); top-1 agreement \(agreement)")
        #expect(relative < 0.01)
        #expect(agreement >= 0.936)
    }

    /// Teacher-forced windows of the reference's context over its tokens: NLL of every position but each
    /// window's first, and the argmax before each scored token.
    static func run(_ fixture: String, model path: String) throws -> (Reference, [Double], [Int]) {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture(fixture)))
        let ref = try JSONDecoder().decode(Reference.self, from: data)
        let model = try DecoderModel(path: path)
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
        return (ref, nll, argmax)
    }
}
