import BoraKernels
import Foundation

/// SplitMix64: a tiny seeded generator so every test input is reproducible.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func float(_ range: ClosedRange<Float>) -> Float { Float.random(in: range, using: &self) }
}

enum TestData {
    static let weightTypes: [GGMLType] = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K]

    /// Byte offsets of the fp16 scale fields in one block (ggml-common.h layouts).
    static func halfFields(_ type: GGMLType) -> [Int] {
        switch type {
        case .q4_0, .q5_0, .q8_0: return [0]
        case .q4_1, .q5_1, .q4_K, .q5_K: return [0, 2]
        case .q2_K: return [80, 82]
        case .q3_K: return [108]
        case .q6_K: return [208]
        default: return []
        }
    }

    /// `rows * cols` random weights of `type`: random quant bytes with finite fp16 scales in ±[1e-3, 0.05]
    /// for the block types, random values in [-1, 1] for the float types.
    static func randomWeights(_ type: GGMLType, rows: Int, cols: Int, rng: inout SeededRandom) -> [UInt8] {
        let count = rows * cols
        switch type {
        case .f32:
            return (0..<count).flatMap { _ in withUnsafeBytes(of: rng.float(-1...1)) { Array($0) } }
        case .f16:
            return (0..<count).flatMap { _ in withUnsafeBytes(of: Float16(rng.float(-1...1))) { Array($0) } }
        case .bf16:
            return (0..<count).flatMap { _ in
                withUnsafeBytes(of: UInt16(rng.float(-1...1).bitPattern >> 16)) { Array($0) }
            }
        default:
            let blocks = count / type.blockSize
            var bytes = (0..<blocks * type.blockBytes).map { _ in UInt8.random(in: 0...255, using: &rng) }
            for b in 0..<blocks {
                for field in halfFields(type) {
                    let sign: Float = Bool.random(using: &rng) ? 1 : -1
                    let h = Float16(sign * rng.float(0.001...0.05))
                    withUnsafeBytes(of: h) { bytes[b * type.blockBytes + field] = $0[0]; bytes[b * type.blockBytes + field + 1] = $0[1] }
                }
            }
            return bytes
        }
    }

    /// Activations with a spread of magnitudes, an all-zero block and an outlier.
    static func randomActivations(count: Int, rng: inout SeededRandom) -> [Float] {
        var x = (0..<count).map { _ in rng.float(-1...1) * (Bool.random(using: &rng) ? 1 : 0.1) }
        if count >= 64 { for j in 32..<64 { x[j] = 0 } }
        if count >= 8 { x[count / 2 + 3] = 9.5 }
        return x
    }

    static func dequantized(_ type: GGMLType, _ bytes: [UInt8], count: Int) -> [Float] {
        var out = [Float](repeating: .nan, count: count)
        bytes.withUnsafeBytes { src in
            out.withUnsafeMutableBufferPointer { Quant.dequantizeReference(type, src.baseAddress!, $0.baseAddress!, count: count) }
        }
        return out
    }

    static func quantizedActivations(_ x: [Float], for type: GGMLType) -> [UInt8] {
        var out = [UInt8](repeating: 0xAA, count: Quant.activationBytes(for: type, count: x.count))
        x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBytes { Quant.quantizeActivations(xp.baseAddress!, count: x.count, for: type, into: $0.baseAddress!) }
        }
        return out
    }
}

/// The golden files written by scripts/make_quant_goldens.py.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/quant")

    struct Index: Decodable {
        struct Entry: Decodable { let type: String; let id: UInt32; let elements: Int }
        struct Activations: Decodable {
            let input: String
            let elements: Int
            let Q8_0: String
            let Q8_1: String
        }
        let types: [Entry]
        let activations: Activations
    }

    static func index() throws -> Index {
        try JSONDecoder().decode(Index.self, from: Data(contentsOf: directory.appendingPathComponent("index.json")))
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    static func floats(_ name: String) throws -> [Float] {
        let b = try bytes(name)
        return b.withUnsafeBytes { raw in (0..<b.count / 4).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) } }
    }
}
