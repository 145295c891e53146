import BoraKernels
import Testing

/// Dequantization against gguf-py's (Tests/Fixtures/quant, scripts/make_quant_goldens.py), and fast vs reference.
@Suite struct DequantizeTests {
    @Test func fixturesCoverEveryWeightType() throws {
        let names = Set(try Fixtures.index().types.map(\.type))
        #expect(names == Set(TestData.weightTypes.map(\.name)))
    }

    /// Both paths must reproduce gguf-py's float32 values exactly (same float operations in the same order).
    @Test(arguments: TestData.weightTypes)
    func matchesGGUFGolden(_ type: GGMLType) throws {
        let entry = try #require(try Fixtures.index().types.first { $0.type == type.name })
        #expect(entry.id == type.rawValue)
        let raw = try Fixtures.bytes("\(type.name).bin")
        let expected = try Fixtures.floats("\(type.name).f32")
        try #require(expected.count == entry.elements)
        try #require(raw.count == type.byteCount(elements: entry.elements))

        for fast in [false, true] {
            var out = [Float](repeating: .nan, count: expected.count)
            raw.withUnsafeBytes { src in
                out.withUnsafeMutableBufferPointer {
                    if fast {
                        Quant.dequantize(type, src.baseAddress!, $0.baseAddress!, count: expected.count)
                    } else {
                        Quant.dequantizeReference(type, src.baseAddress!, $0.baseAddress!, count: expected.count)
                    }
                }
            }
            let mismatches = (0..<expected.count).filter { out[$0] != expected[$0] }
            #expect(mismatches.isEmpty, "\(type) \(fast ? "fast" : "reference"): \(mismatches.count) mismatches, first at \(mismatches.first.map { "\($0): \(out[$0]) vs \(expected[$0])" } ?? "")")
        }
    }

    /// Fast and reference dequantization agree bit for bit on random blocks, incl. counts with a tail.
    @Test(arguments: TestData.weightTypes)
    func fastEqualsReference(_ type: GGMLType) {
        var rng = SeededRandom(seed: 7 + UInt64(type.rawValue))
        for count in [type.blockSize, 17 * type.blockSize, 1536] where count % type.blockSize == 0 {
            let raw = TestData.randomWeights(type, rows: 1, cols: count, rng: &rng)
            let reference = TestData.dequantized(type, raw, count: count)
            var fast = [Float](repeating: .nan, count: count)
            raw.withUnsafeBytes { src in
                fast.withUnsafeMutableBufferPointer { Quant.dequantize(type, src.baseAddress!, $0.baseAddress!, count: count) }
            }
            #expect(fast.map(\.bitPattern) == reference.map(\.bitPattern), "\(type) count \(count)")
        }
    }
}
