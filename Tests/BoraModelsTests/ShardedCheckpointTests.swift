import BoraFormats
import BoraKernels
import BoraModels
import Foundation
import Testing

/// A checkpoint split into shards with `model.safetensors.index.json`, in F16 and BF16, gives the logits
/// of the single-file F32 checkpoint (within the rounding of the narrower weights).
@Suite struct ShardedCheckpointTests {
    static let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/mistral/mistral-tiny/hf")

    /// Rewrites the F32 fixture as `shards` files of `type`, with an index.
    func shard(_ type: GGMLType, shards: Int) throws -> URL {
        let original = try SafetensorsFile(path: Self.source.appendingPathComponent("model.safetensors").path)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bora-shards-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.source.appendingPathComponent("config.json"), to: dir.appendingPathComponent("config.json"))
        var writers = [SafetensorsWriter](repeating: SafetensorsWriter(), count: shards)
        var map: [String: String] = [:]
        for (i, name) in original.tensorNames.enumerated() {
            let t = try #require(original.tensorRef(name))
            let floats = (0..<t.elementCount).map { t.data.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) }
            var bytes: [UInt8] = []
            for f in floats {
                let bits: UInt16 = type == .f16 ? Float16(f).bitPattern : UInt16(truncatingIfNeeded: (f.bitPattern &+ 0x7FFF &+ ((f.bitPattern >> 16) & 1)) >> 16)
                withUnsafeBytes(of: bits.littleEndian) { bytes += $0 }
            }
            let file = "model-\(i % shards + 1)-of-\(shards).safetensors"
            writers[i % shards].add(name, type: type, shape: Array(t.shape.reversed()), bytes: bytes)
            map[name] = file
        }
        for (k, w) in writers.enumerated() {
            try Data(w.serialize()).write(to: dir.appendingPathComponent("model-\(k + 1)-of-\(shards).safetensors"))
        }
        try JSONSerialization.data(withJSONObject: ["metadata": [:], "weight_map": map]).write(to: dir.appendingPathComponent("model.safetensors.index.json"))
        return dir
    }

    func logits(_ path: String, _ tokens: [Int]) throws -> [[Float]] {
        let session = DecoderSession(model: try DecoderModel(path: path), contextLength: 64, threads: 2)
        var out: [[Float]] = []
        try session.evaluate(tokens, logitsFor: .all) { _, row in out.append(Array(row)) }
        return out
    }

    @Test(arguments: [GGMLType.f16, .bf16])
    func shardedNarrowWeights(_ type: GGMLType) throws {
        let tokens = (0..<24).map { ($0 * 29 + 5) % 128 }
        let reference = try logits(Self.source.path, tokens)
        let sharded = try logits(try shard(type, shards: 3).path, tokens)
        let worst = zip(reference, sharded).map { zip($0, $1).map { abs($0 - $1) }.max() ?? 0 }.max() ?? 0
        let scale = reference.flatMap { $0 }.map(abs).max() ?? 1
        // F16 keeps ~11 bits, BF16 ~8: relative errors of about 1e-3 and 1e-2 of the logit scale.
        #expect(worst / scale < (type == .f16 ? 5e-3 : 5e-2), "\(type): max difference \(worst) at scale \(scale)")
        #expect(worst > 0)
    }
}
