import BoraKernels
import Foundation
import Testing

/// Quantizers against ggml's reference quantizers (Tests/Fixtures/quant/quantize,
/// scripts/make_quantize_goldens.py): the bytes must be identical.
@Suite struct QuantizeTests {
    static let types: [GGMLType] = [.f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q4_K, .q5_K, .q6_K]
    static let rows = 12
    static let cols = 512

    static func input() throws -> [Float] { try Fixtures.floats("quantize/input.f32") }

    @Test(arguments: types)
    func matchesGGMLGolden(_ type: GGMLType) throws {
        let x = try Self.input()
        try #require(x.count == Self.rows * Self.cols)
        let expected = try Fixtures.bytes("quantize/\(type.name).bin")
        let byteCount = try #require(type.byteCount(elements: x.count))
        try #require(expected.count == byteCount)
        var out = [UInt8](repeating: 0xAA, count: byteCount)
        x.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBytes { dst in
                Quantize.quantizeRows(type, src.baseAddress!, dst.baseAddress!, rows: Self.rows, cols: Self.cols)
            }
        }
        let rowBytes = byteCount / Self.rows
        let badRows = (0..<Self.rows).filter { r in out[r * rowBytes..<(r + 1) * rowBytes] != expected[r * rowBytes..<(r + 1) * rowBytes] }
        let firstByte = (0..<byteCount).first { out[$0] != expected[$0] }
        #expect(badRows.isEmpty, "\(type): rows \(badRows) differ, first byte \(firstByte.map(String.init) ?? "-")")
    }

    /// Quantize then dequantize stays close to the input (a sanity bound independent of the goldens).
    @Test(arguments: types)
    func roundTripIsClose(_ type: GGMLType) throws {
        let x = try Self.input()
        let row = Array(x[0..<Self.cols])  // standard normal
        var q = [UInt8](repeating: 0, count: type.byteCount(elements: Self.cols)!)
        var back = [Float](repeating: 0, count: Self.cols)
        row.withUnsafeBufferPointer { src in
            q.withUnsafeMutableBytes { Quantize.quantizeReference(type, src.baseAddress!, $0.baseAddress!, count: Self.cols) }
        }
        q.withUnsafeBytes { src in
            back.withUnsafeMutableBufferPointer { Quant.dequantizeReference(type, src.baseAddress!, $0.baseAddress!, count: Self.cols) }
        }
        let rms = (zip(row, back).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Float(Self.cols)).squareRoot()
        #expect(rms < 0.15, "\(type): rms error \(rms)")
    }

    /// Threads split rows; the bytes do not depend on the thread count.
    @Test func threadedEqualsSingle() throws {
        let x = try Self.input()
        let pool = ThreadPool(threads: 3)
        for type in [GGMLType.q4_K, .q5_0] {
            let n = type.byteCount(elements: x.count)!
            var a = [UInt8](repeating: 0, count: n), b = a
            x.withUnsafeBufferPointer { src in
                a.withUnsafeMutableBytes { Quantize.quantizeRows(type, src.baseAddress!, $0.baseAddress!, rows: Self.rows, cols: Self.cols) }
                b.withUnsafeMutableBytes { Quantize.quantizeRows(type, src.baseAddress!, $0.baseAddress!, rows: Self.rows, cols: Self.cols, pool: pool) }
            }
            #expect(a == b)
        }
    }
}
