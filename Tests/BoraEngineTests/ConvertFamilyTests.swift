import BoraEngine
import BoraFormats
import BoraModels
import Foundation
import Testing

/// `bora convert` on the family goldens' Hugging Face directories (Tests/Fixtures/families,
/// scripts/make_family_goldens.py): the GGUF it writes has exactly the tensors llama.cpp's own converter
/// wrote for the same directory (names, shapes, types, values: Gemma's (1 + w) norms, Qwen's biases and
/// QK-norms, Q/K permuted only for the families llama.cpp rotates in adjacent pairs, Qwen 3 MoE's stacked
/// experts, Llama 3.1's rope_freqs, Mistral 4's attn_k_b / attn_v_b and fused experts), runs in Bora like
/// transformers, and llama.cpp gives transformers' logits on it.
@Suite struct ConvertFamilyTests {
    static let families = ["llama3", "qwen2", "qwen3", "qwen3moe", "gemma3", "ministral3", "mistral3", "mistral4"]

    static func convert(_ family: String, into dir: URL) throws -> String {
        let output = dir.appendingPathComponent("\(family).gguf").path
        _ = try CheckpointConverter.convert(directory: TestPaths.fixture("families/\(family)/hf"), output: output, target: .f32)
        return output
    }

    static func golden(_ family: String) throws -> (tokens: [Int], logits: [[Float]]) {
        struct Golden: Decodable {
            struct Sequence: Decodable { let tokens: [Int]; let logits: [[Float]] }
            let sequences: [Sequence]
        }
        let g = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("families/\(family)/golden.json"))))
        let s = try #require(g.sequences.first)
        return (s.tokens, s.logits)
    }

    @Test(arguments: families)
    func sameTensorsAsLlamaCppsConverterAndTransformersLogits(_ family: String) throws {
        let dir = try ConvertFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ours = try GGUFFile(path: try Self.convert(family, into: dir))
        let reference = try GGUFFile(path: TestPaths.fixture("families/\(family)/model.gguf"))
        #expect(ours.metadata["general.architecture"]?.string == reference.metadata["general.architecture"]?.string)
        #expect(Set(ours.tensors.map(\.name)) == Set(reference.tensors.map(\.name)))
        for t in reference.tensors {
            let o = try #require(ours.tensor(named: t.name))
            #expect(o.shape == t.shape && o.type == t.type, "\(family) \(t.name): \(o.shape) \(o.type) vs \(t.shape) \(t.type)")
            guard o.shape == t.shape, o.type == .f32, t.type == .f32 else { continue }
            let a = UnsafeBufferPointer(start: ours.data(for: o).assumingMemoryBound(to: Float.self), count: o.elementCount)
            let b = UnsafeBufferPointer(start: reference.data(for: t).assumingMemoryBound(to: Float.self), count: t.elementCount)
            #expect(zip(a, b).allSatisfy { $0 == $1 }, "\(family) \(t.name): values differ")
        }
        let (tokens, logits) = try Self.golden(family)
        let worst = ConvertFixtures.maxDifference(try ConvertFixtures.logits(ours.path, tokens), logits)
        #expect(worst < 1e-4, "\(family): Bora on the converted file vs transformers \(worst)")
    }

    /// llama.cpp runs the converted file like transformers (Gemma within 2e-3: ggml's GELU uses a lookup table).
    @Test(.enabled(if: QuantizeCLITests.hasLlamaCpp, "llama-cpp-python is not installed"), arguments: families)
    func llamaCppGivesTransformersLogits(_ family: String) throws {
        let dir = try ConvertFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = try Self.convert(family, into: dir)
        let (tokens, logits) = try Self.golden(family)
        let llama = try LlamaCppLogits.run(output, tokens)
        let worst = ConvertFixtures.maxDifference(llama, logits)
        #expect(worst < (family == "gemma3" ? 2e-3 : 1e-4), "\(family): llama.cpp on Bora's conversion vs transformers \(worst)")
    }
}

/// llama.cpp's (llama-cpp-python's) logits after every token of `tokens`, F32 KV cache.
enum LlamaCppLogits {
    static func run(_ path: String, _ tokens: [Int]) throws -> [[Float]] {
        let script = """
        import json, sys, llama_cpp
        llm = llama_cpp.Llama(model_path=sys.argv[1], n_ctx=128, n_batch=128, logits_all=True, verbose=False, n_threads=2,
                        type_k=0, type_v=0)  # F32 K/V cache
        tokens = json.loads(sys.argv[2])
        llm.eval(tokens)
        print(json.dumps([[float(x) for x in row] for row in llm.scores[:len(tokens)]]))
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, path, "\(tokens)"]
        let pipe = Pipe(), errors = Pipe()
        p.standardOutput = pipe
        p.standardError = errors
        try p.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "llama.cpp failed: \(err)")
        return try JSONDecoder().decode([[Float]].self, from: out)
    }
}
