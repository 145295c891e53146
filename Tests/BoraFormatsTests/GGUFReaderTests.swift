import BoraFormats
import BoraKernels
import Foundation
import Testing

@Suite struct GGUFReaderTests {
    @Test func roundTripsEveryValueType() throws {
        let w = sampleWriter()
        let f = try GGUFFile(path: try temporaryFile(w.serialize()))
        #expect(f.version == 3)
        for (key, value) in w.metadata {
            #expect(f.metadata[key] == value, "key \(key)")
        }
        #expect(f.metadataKeys == w.metadata.map(\.0))
        #expect(f.metadata["u32"]?.int == 4_000_000_000)
        #expect(f.metadata["f32"]?.double == 1.5)
        let mat = try #require(f.tensor(named: "mat"))
        #expect(mat.shape == [32, 2])
        #expect(mat.rows == 2 && mat.columns == 32 && mat.rowBytes == 128)
        #expect(mat.fileOffset % 32 == 0)
        let p = f.data(for: mat)
        #expect(p.loadUnaligned(fromByteOffset: 4 * 63, as: Float.self) == 63)
    }

    @Test(arguments: [32, 64, 256])
    func honoursAlignment(_ alignment: Int) throws {
        var w = sampleWriter()
        w.alignment = alignment
        let f = try GGUFFile(path: try temporaryFile(w.serialize()))
        #expect(f.alignment == alignment)
        for t in f.tensors { #expect((t.fileOffset - f.dataOffset) % alignment == 0) }
        #expect(f.data(for: try #require(f.tensor(named: "vec"))).loadUnaligned(fromByteOffset: 8, as: Float.self) == 3)
    }

    /// Every prefix of a valid file is rejected with a FormatError, never a crash.
    @Test func everyTruncationIsAnError() throws {
        let bytes = sampleWriter().serialize()
        for cut in stride(from: 0, to: bytes.count, by: 1) {
            let path = try temporaryFile(Array(bytes[..<cut]))
            #expect(throws: FormatError.self, "cut at \(cut) of \(bytes.count)") { try GGUFFile(path: path) }
        }
    }

    @Test func notGGUF() throws {
        let path = try temporaryFile(Array("This is a README, not a model.\n".utf8), name: "README.md")
        let e = try #require(throws: FormatError.self) { try GGUFFile(path: path) }
        #expect(e.description.contains("not a GGUF file"))
        #expect(e.description.contains(path))
        let empty = try temporaryFile([])
        #expect(throws: FormatError.self) { try GGUFFile(path: empty) }
        #expect(throws: FormatError.self) { try GGUFFile(path: "/nonexistent/model.gguf") }
        #expect(throws: FormatError.self) { try GGUFFile(path: FileManager.default.temporaryDirectory.path) }
    }

    @Test func readsVersion2() throws {
        var bytes = sampleWriter().serialize()
        withUnsafeBytes(of: UInt32(2).littleEndian) { bytes.replaceSubrange(4..<8, with: $0) }
        let f = try GGUFFile(path: try temporaryFile(bytes))
        #expect(f.version == 2)
        #expect(f.tensors.count == 2)
    }

    @Test(arguments: [UInt32(1), 4, 0xFFFF_FFFF])
    func unsupportedVersion(_ version: UInt32) throws {
        var bytes = sampleWriter().serialize()
        withUnsafeBytes(of: version.littleEndian) { bytes.replaceSubrange(4..<8, with: $0) }
        let e = try #require(throws: FormatError.self) { try GGUFFile(path: try temporaryFile(bytes)) }
        #expect(e == .unsupportedVersion(path: e.path, version: version))
    }

    @Test func absurdCounts() throws {
        var bytes = sampleWriter().serialize()
        withUnsafeBytes(of: UInt64.max.littleEndian) { bytes.replaceSubrange(8..<16, with: $0) }
        #expect(throws: FormatError.self) { try GGUFFile(path: try temporaryFile(bytes)) }
        bytes = sampleWriter().serialize()
        withUnsafeBytes(of: (UInt64(1) << 60).littleEndian) { bytes.replaceSubrange(16..<24, with: $0) }
        #expect(throws: FormatError.self) { try GGUFFile(path: try temporaryFile(bytes)) }
    }

    @Test func hugeArrayLength() throws {
        var w = GGUFWriter()
        w.set("a", .array([.uint8(1)]))
        var bytes = w.serialize()
        // magic 4, version 4, counts 16, key len 8 + "a", type 4, elem type 4, then the u64 length.
        let at = 24 + 8 + 1 + 4 + 4
        withUnsafeBytes(of: UInt64.max.littleEndian) { bytes.replaceSubrange(at..<at + 8, with: $0) }
        #expect(throws: FormatError.self) { try GGUFFile(path: try temporaryFile(bytes)) }
    }

    @Test func unknownValueType() throws {
        var w = GGUFWriter()
        w.set("k", .uint8(1))
        var bytes = w.serialize()
        let at = 24 + 8 + 1
        withUnsafeBytes(of: UInt32(99).littleEndian) { bytes.replaceSubrange(at..<at + 4, with: $0) }
        let e = try #require(throws: FormatError.self) { try GGUFFile(path: try temporaryFile(bytes)) }
        #expect(e.description.contains("unknown value type 99"))
    }

    @Test func deeplyNestedArrays() throws {
        var v = GGUFValue.int32(1)
        for _ in 0..<20 { v = .array([v]) }
        var w = GGUFWriter()
        w.set("deep", v)
        #expect(throws: FormatError.self) { try GGUFFile(path: try temporaryFile(w.serialize())) }
    }

    @Test func badTensors() throws {
        func file(_ t: GGUFWriter.Tensor) throws -> String {
            var w = GGUFWriter()
            w.tensors = [t]
            return try temporaryFile(w.serialize())
        }
        // A Q4_0 row of 10 elements is not whole blocks.
        #expect(throws: FormatError.self) { try GGUFFile(path: try file(.init(name: "t", shape: [10], type: .q4_0, bytes: [UInt8](repeating: 0, count: 18)))) }
        // Data past the end of the file.
        #expect(throws: FormatError.self) { try GGUFFile(path: try file(.init(name: "t", shape: [1024, 1024], type: .f32, bytes: [0, 0, 0, 0]))) }
        // Dimensions that overflow.
        #expect(throws: FormatError.self) { try GGUFFile(path: try file(.init(name: "t", shape: [1 << 30, 1 << 30, 1 << 30], type: .f32, bytes: []))) }
        // A zero dimension and too many dimensions.
        #expect(throws: FormatError.self) { try GGUFFile(path: try file(.init(name: "t", shape: [0], type: .f32, bytes: []))) }
        #expect(throws: FormatError.self) { try GGUFFile(path: try file(.init(name: "t", shape: [1, 1, 1, 1, 1], type: .f32, bytes: [0, 0, 0, 0]))) }
    }

    @Test func unknownTensorType() throws {
        var w = GGUFWriter()
        w.addF32("t", shape: [1], [1])
        var bytes = w.serialize()
        // header 24, name 8+1, n_dims 4, dim 8, then the type.
        let at = 24 + 9 + 4 + 8
        withUnsafeBytes(of: UInt32(77).littleEndian) { bytes.replaceSubrange(at..<at + 4, with: $0) }
        let e = try #require(throws: FormatError.self) { try GGUFFile(path: try temporaryFile(bytes)) }
        #expect(e.description.contains("tensor type 77"))
    }

    @Test func misalignedOffset() throws {
        var w = GGUFWriter()
        w.addF32("t", shape: [1], [1])
        var bytes = w.serialize()
        let at = 24 + 9 + 4 + 8 + 4
        withUnsafeBytes(of: UInt64(3).littleEndian) { bytes.replaceSubrange(at..<at + 8, with: $0) }
        #expect(throws: FormatError.self) { try GGUFFile(path: try temporaryFile(bytes)) }
    }

    @Test func missingAndMistypedKeys() throws {
        let f = try GGUFFile(path: try temporaryFile(sampleWriter().serialize()))
        let e = try #require(throws: FormatError.self) { try f.int("llama.block_count") }
        #expect(e.description.contains("llama.block_count"))
        #expect(throws: FormatError.self) { try f.int("str") }
        #expect(throws: FormatError.self) { try f.tensor("mat", shape: [2, 32]) }
        #expect(throws: FormatError.self) { try f.tensor("absent", shape: [1]) }
    }
}

extension FormatError {
    var path: String {
        switch self {
        case let .cannotOpen(p, _), let .notGGUF(p, _), let .unsupportedVersion(p, _), let .truncated(p, _, _, _),
             let .invalid(p, _), let .unknownValueType(p, _, _), let .unknownTensorType(p, _, _), let .badTensor(p, _, _),
             let .missingKey(p, _), let .wrongKeyType(p, _, _), let .missingTensor(p, _), let .tensorShape(p, _, _, _):
            return p
        }
    }
}
