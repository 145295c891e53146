import BoraFormats
import BoraModels
import Foundation
import Testing

/// A PEFT adapter on the tiny Mistral and its llama.cpp GGUF form (scripts/make_lora_goldens.py, with
/// transformers + peft): merged at load, in both layouts of the base (Hugging Face and GGUF, whose Q/K
/// rows differ), Bora's logits match peft's within 1e-4 at scale 1 and 0.5.
@Suite struct LoRATests {
    struct Golden: Decodable {
        struct Sequence: Decodable {
            let tokens: [Int]
            let logits: [[Double]]
            let logitsHalf: [[Double]]
            enum CodingKeys: String, CodingKey { case tokens, logits, logitsHalf = "logits_half" }
        }
        let sequences: [Sequence]
    }

    static let dir = MistralGoldenTests.root.appendingPathComponent("mistral-tiny")
    static let lora = dir.appendingPathComponent("lora")

    @Test(arguments: [("hf", ""), ("model.gguf", ""), ("hf", "adapter.gguf"), ("model.gguf", "adapter.gguf")])
    func matchesPeft(base: String, adapterFile: String) throws {
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: Self.lora.appendingPathComponent("golden.json")))
        let adapter = try LoRAAdapter(path: Self.lora.appendingPathComponent(adapterFile).path)
        #expect(adapter.scale == 2) // alpha 8 / r 4
        for (scale, pick) in [(Float(1), \Golden.Sequence.logits), (Float(0.5), \Golden.Sequence.logitsHalf)] {
            let model = try DecoderModel(path: Self.dir.appendingPathComponent(base).path, adapters: [ScaledAdapter(adapter, scale: scale)])
            let session = DecoderSession(model: model, contextLength: 64, threads: 2, cacheType: .f32)  // peft's F32 keys
            for seq in golden.sequences {
                session.reset()
                var worst = 0.0
                try session.evaluate(seq.tokens, logitsFor: .all) { i, row in
                    for (a, b) in zip(row, seq[keyPath: pick][i]) { worst = max(worst, abs(Double(a) - b)) }
                }
                #expect(worst < 1e-4, "\(base) + \(adapterFile.isEmpty ? "peft" : adapterFile) at scale \(scale): \(worst)")
            }
        }
    }

    /// Unmerged, at run time: the same logits as peft, and in one batched step a row with the adapter and
    /// a row without each get their own.
    @Test(arguments: ["hf", "model.gguf"])
    func runtimeAdapterMatchesPeftAndMixesInABatch(base: String) throws {
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: Self.lora.appendingPathComponent("golden.json")))
        let adapter = ScaledAdapter(try LoRAAdapter(path: Self.lora.path), scale: 0.5)
        let model = try DecoderModel(path: Self.dir.appendingPathComponent(base).path)
        let session = DecoderSession(model: model, contextLength: 64, threads: 2, cacheType: .f32)  // peft's F32 keys
        session.adapter = adapter
        let seq = golden.sequences[0]
        var worst = 0.0
        try session.evaluate(seq.tokens, logitsFor: .all) { i, row in
            for (a, b) in zip(row, seq.logitsHalf[i]) { worst = max(worst, abs(Double(a) - b)) }
        }
        #expect(worst < 1e-4, "\(base) run-time adapter: \(worst)")

        // Reference rows: the base alone, and the adapter alone, after the same prefix.
        let prefix = Array(seq.tokens.dropLast()), last = seq.tokens.last ?? 0
        func alone(_ a: ScaledAdapter?) throws -> [Float] {
            let s = DecoderSession(model: model, contextLength: 64, threads: 1)
            s.adapter = a
            return try s.next(seq.tokens)
        }
        let withAdapter = try alone(adapter), without = try alone(nil)
        let engine = DecoderSession(model: model, contextLength: 64, threads: 2)
        let c1 = engine.makeCache(), c2 = engine.makeCache()
        engine.adapter = adapter
        try engine.using(c1) { try engine.evaluate(prefix) }
        engine.adapter = nil
        try engine.using(c2) { try engine.evaluate(prefix) }
        var rows: [[Float]] = [[], []]
        try engine.decode([last, last], caches: [c1, c2], adapters: [adapter, nil]) { i, row in rows[i] = Array(row) }
        #expect(zip(rows[0], withAdapter).allSatisfy { abs($0 - $1) < 1e-4 })
        #expect(zip(rows[1], without).allSatisfy { abs($0 - $1) < 1e-4 })
        #expect(zip(withAdapter, without).contains { abs($0 - $1) > 1e-3 })
    }

    /// Scale 0 is the base model.
    @Test func scaleZeroIsTheBase() throws {
        let base = try DecoderModel(path: Self.dir.appendingPathComponent("hf").path)
        let zero = try DecoderModel(path: Self.dir.appendingPathComponent("hf").path,
                                  adapters: [ScaledAdapter(try LoRAAdapter(path: Self.lora.path), scale: 0)])
        let a = try DecoderSession(model: base, contextLength: 16, threads: 1).next([5, 9, 3])
        let b = try DecoderSession(model: zero, contextLength: 16, threads: 1).next([5, 9, 3])
        #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func adaptersForAnotherModelOrBrokenAreErrors() throws {
        let adapter = try LoRAAdapter(path: Self.lora.path)
        // Another architecture: the v0.3-style model has other shapes; Mixtral has experts.
        for other in ["mistral-v03-tiny/hf", "mixtral-tiny/hf"] {
            let e = try #require(throws: FormatError.self) {
                try DecoderModel(path: MistralGoldenTests.root.appendingPathComponent(other).path, adapters: [ScaledAdapter(adapter)])
            }
            #expect("\(e)".contains("another model") || "\(e)".contains("experts"), "\(e)")
        }
        // A rank that disagrees with adapter_config.json, a missing config, a base model given as adapter.
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("bora-lora-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        try FileManager.default.copyItem(at: Self.lora.appendingPathComponent("adapter_model.safetensors"),
                                         to: tmp.appendingPathComponent("adapter_model.safetensors"))
        #expect(throws: FormatError.self) { try LoRAAdapter(path: tmp.path) }
        try Data(#"{"peft_type": "LORA", "r": 8, "lora_alpha": 16}"#.utf8).write(to: tmp.appendingPathComponent("adapter_config.json"))
        let rank = try #require(throws: FormatError.self) { try LoRAAdapter(path: tmp.path) }
        #expect("\(rank)".contains("rank 4"))
        #expect(throws: FormatError.self) { try LoRAAdapter(path: Self.dir.appendingPathComponent("model.gguf").path) }
        #expect(throws: FormatError.self) { try LoRAAdapter(path: tmp.appendingPathComponent("nope").path) }
    }
}
