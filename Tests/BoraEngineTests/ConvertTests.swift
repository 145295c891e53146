import BoraEngine
import BoraFormats
import BoraModels
import Foundation
import Testing

/// Shared helpers of the `bora convert` tests: the tiny random Mistral / Mixtral checkpoints of
/// Tests/Fixtures/mistral (scripts/make_mistral_goldens.py) and Bora's logits on them.
enum ConvertFixtures {
    static func checkpoint(_ model: String, _ source: String) -> String { TestPaths.fixture("mistral/\(model)/\(source)") }

    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bora-convert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Longer than mistral-tiny's sliding window (8), so the window is exercised.
    static let tokens = (0..<20).map { ($0 * 37 + 5) % 128 }

    /// Logits after every token, by Bora, of a GGUF file or a checkpoint directory.
    static func logits(_ path: String, _ tokens: [Int]) throws -> [[Float]] {
        let model = try DecoderModel(path: path)
        // F32 keys and values: llama.cpp's logits to compare with are computed with an F32 cache.
        let session = DecoderSession(model: model, contextLength: 128, threads: 2, maxBatch: 16, cacheType: .f32)
        var rows: [[Float]] = []
        try session.evaluate(tokens, logitsFor: .all) { _, row in rows.append(Array(row)) }
        return rows
    }

    static func maxDifference(_ a: [[Float]], _ b: [[Float]]) -> Float {
        var worst: Float = a.count == b.count ? 0 : .infinity
        for (rowA, rowB) in zip(a, b) {
            for (x, y) in zip(rowA, rowB) { worst = max(worst, abs(x - y)) }
        }
        return worst
    }
}

/// `CheckpointConverter`: the GGUF it writes runs in Bora like the checkpoint it came from, has llama.cpp's
/// metadata keys and tensor names, and holds the same tensors as the fixture GGUF that
/// scripts/make_mistral_goldens.py wrote with the `gguf` package and llama.cpp's Q/K permutation.
@Suite struct ConvertTests {
    static let sources: [(String, String)] = [
        ("mistral-tiny", "hf"), ("mistral-tiny", "native"), ("mixtral-tiny", "hf"), ("mixtral-tiny", "native"),
        ("mistral-v03-tiny", "hf"),
    ]

    /// f32: the same logits as the checkpoint within 1e-4. q8_0: within 0.3 (measured 0.25-0.26 on the
    /// tiny Mistral and Mixtral, 0.06 on the v0.3-style model whose 8-wide rows fall back to F16: Bora's
    /// quantized products also round the activations to 8 bits, as ggml does).
    @Test(arguments: sources, [ConvertTarget.f32, .q8_0])
    func sameLogitsAsTheCheckpoint(_ checkpoint: (String, String), _ target: ConvertTarget) throws {
        let dir = try ConvertFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = ConvertFixtures.checkpoint(checkpoint.0, checkpoint.1)
        let output = dir.appendingPathComponent("out.gguf").path
        _ = try CheckpointConverter.convert(directory: input, output: output, target: target)
        let tokens = ConvertFixtures.tokens
        let expected = try ConvertFixtures.logits(input, tokens)
        let actual = try ConvertFixtures.logits(output, tokens)
        #expect(actual.count == tokens.count)
        let worst = ConvertFixtures.maxDifference(expected, actual)
        let bound: Float = target == .f32 ? 1e-4 : 0.3
        #expect(worst < bound, "\(checkpoint) \(target): max |logit difference| \(worst)")
    }

    /// A Hugging Face checkpoint in two BF16 shards (`model.safetensors.index.json`) converts to BF16 with
    /// the checkpoint's logits (the same BF16 values: within 1e-4).
    @Test func shardedBF16Checkpoint() throws {
        let dir = try ConvertFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = ConvertFixtures.checkpoint("mistral-tiny", "hf")
        let input = dir.appendingPathComponent("sharded")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: source + "/config.json", toPath: input.appendingPathComponent("config.json").path)
        let original = try SafetensorsFile(path: source + "/model.safetensors")
        var writers = [SafetensorsWriter(), SafetensorsWriter()]
        var map: [String: String] = [:]
        for (i, name) in original.tensorNames.enumerated() {
            let t = try #require(original.tensorRef(name))
            var bytes: [UInt8] = []
            for k in 0..<t.elementCount {
                let bits = UInt16(t.data.loadUnaligned(fromByteOffset: k * 4, as: UInt32.self) >> 16)  // truncated to BF16
                withUnsafeBytes(of: bits.littleEndian) { bytes += $0 }
            }
            writers[i % 2].add(name, type: .bf16, shape: Array(t.shape.reversed()), bytes: bytes)
            map[name] = "model-\(i % 2 + 1)-of-2.safetensors"
        }
        for (k, w) in writers.enumerated() {
            try Data(w.serialize()).write(to: input.appendingPathComponent("model-\(k + 1)-of-2.safetensors"))
        }
        try JSONSerialization.data(withJSONObject: ["weight_map": map])
            .write(to: input.appendingPathComponent("model.safetensors.index.json"))
        let output = dir.appendingPathComponent("out.gguf").path
        _ = try CheckpointConverter.convert(directory: input.path, output: output, target: .bf16)
        #expect(try GGUFFile(path: output).tensor(named: "blk.0.attn_q.weight")?.type == .bf16)
        let worst = ConvertFixtures.maxDifference(try ConvertFixtures.logits(input.path, ConvertFixtures.tokens),
                                                  try ConvertFixtures.logits(output, ConvertFixtures.tokens))
        #expect(worst < 1e-4, "max |logit difference| \(worst)")
    }

    /// Hugging Face (Q/K permuted by the converter) and Mistral-native (already adjacent pairs) checkpoints
    /// of one model convert to the tensors the `gguf` package wrote with llama.cpp's permutation.
    @Test(arguments: ["mistral-tiny", "mixtral-tiny"], ["hf", "native"])
    func sameTensorsAsTheReferenceGGUF(_ model: String, _ source: String) throws {
        let dir = try ConvertFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = dir.appendingPathComponent("out.gguf").path
        _ = try CheckpointConverter.convert(directory: ConvertFixtures.checkpoint(model, source), output: output, target: .f32)
        let ours = try GGUFFile(path: output)
        let reference = try GGUFFile(path: TestPaths.fixture("mistral/\(model)/model.gguf"))
        #expect(Set(ours.tensors.map(\.name)) == Set(reference.tensors.map(\.name)))
        for t in reference.tensors {
            let o = try #require(ours.tensor(named: t.name))
            #expect(o.shape == t.shape && o.type == t.type, "\(t.name): \(o.shape) \(o.type) vs \(t.shape) \(t.type)")
            let a = UnsafeBufferPointer(start: ours.data(for: o).assumingMemoryBound(to: Float.self), count: o.elementCount)
            let b = UnsafeBufferPointer(start: reference.data(for: t).assumingMemoryBound(to: Float.self), count: t.elementCount)
            let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
            #expect(worst == 0, "\(model)/\(source) \(t.name): max difference \(worst)")
        }
    }

    @Test func metadataKeysAndTensorNamesAreLlamaCpps() throws {
        let dir = try ConvertFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let moe = dir.appendingPathComponent("moe.gguf").path, dense = dir.appendingPathComponent("dense.gguf").path
        _ = try CheckpointConverter.convert(directory: ConvertFixtures.checkpoint("mixtral-tiny", "hf"), output: moe, target: .q8_0)
        _ = try CheckpointConverter.convert(directory: ConvertFixtures.checkpoint("mistral-tiny", "native"), output: dense, target: .f32)
        let m = try GGUFFile(path: moe)
        let expected: [String: GGUFValue] = [
            "general.architecture": .string("llama"), "llama.vocab_size": .uint32(128), "llama.context_length": .uint32(128),
            "llama.embedding_length": .uint32(64), "llama.block_count": .uint32(2), "llama.feed_forward_length": .uint32(128),
            "llama.attention.head_count": .uint32(4), "llama.attention.head_count_kv": .uint32(2),
            "llama.rope.freq_base": .float32(10_000), "llama.attention.layer_norm_rms_epsilon": .float32(1e-5),
            "llama.rope.dimension_count": .uint32(16), "llama.expert_count": .uint32(4), "llama.expert_used_count": .uint32(2),
            "general.file_type": .uint32(7), "general.quantization_version": .uint32(2),
        ]
        for (key, value) in expected { #expect(m.metadata[key] == value, "\(key): \(String(describing: m.metadata[key]))") }
        #expect(m.metadata["llama.attention.sliding_window"] == nil)
        let types = Dictionary(uniqueKeysWithValues: m.tensors.map { ($0.name, $0.type) })
        #expect(types["token_embd.weight"] == .q8_0 && types["output.weight"] == .q8_0)
        #expect(types["blk.1.attn_q.weight"] == .q8_0 && types["blk.1.ffn_down_exps.weight"] == .q8_0)
        #expect(types["blk.1.ffn_gate_inp.weight"] == .f32 && types["blk.1.attn_norm.weight"] == .f32)
        #expect(types["output_norm.weight"] == .f32)
        #expect(m.tensor(named: "blk.0.ffn_gate_exps.weight")?.shape == [64, 128, 4])
        #expect(m.tensor(named: "blk.0.ffn_down_exps.weight")?.shape == [128, 64, 4])

        let d = try GGUFFile(path: dense)
        #expect(d.metadata["llama.attention.sliding_window"] == .uint32(8))
        #expect(d.metadata["general.file_type"] == .uint32(0))
        #expect(d.metadata["general.quantization_version"] == nil)
        #expect(d.tensor(named: "blk.1.ffn_gate.weight")?.shape == [64, 128])
        #expect(d.tensor(named: "blk.1.ffn_down.weight")?.shape == [128, 64])
    }

    /// Tied embeddings write no output.weight; q8_0 matrices with rows of 8 values fall back to F16.
    @Test func tiedEmbeddingAndNarrowRows() throws {
        let dir = try ConvertFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = dir.appendingPathComponent("out.gguf").path
        _ = try CheckpointConverter.convert(directory: ConvertFixtures.checkpoint("mistral-v03-tiny", "hf"), output: output, target: .q8_0)
        let f = try GGUFFile(path: output)
        #expect(f.tensor(named: "output.weight") == nil)
        #expect(f.tensor(named: "token_embd.weight")?.type == .f16)
        #expect(f.tensor(named: "blk.0.attn_q.weight")?.type == .f16)
        #expect(f.metadata["llama.vocab_size"] == .uint32(32768))
    }

    /// Output row r of a permuted Q/K matrix comes from the halves layout's row: pairs (i, i + d/2) become
    /// (2i, 2i + 1) within each head.
    @Test func halvesToPairsPermutation() {
        let d = 8
        let rows = (0..<2 * d).map { QKPermutation.halvesRow(forPairsRow: $0, headDim: d) }
        #expect(rows == [0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15])
    }
}
