import BoraKernels
import Testing

/// Block sizes as ggml-common.h asserts them (`static_assert(sizeof(block_q4_0) == sizeof(ggml_half) + QK4_0 / 2, ...)`).
@Suite struct BlockLayoutTests {
    static let half = 2, qk = 32, qkK = 256, kScaleSize = 12

    static let expected: [(GGMLType, elements: Int, bytes: Int)] = [
        (.f32, 1, 4),
        (.f16, 1, half),
        (.bf16, 1, 2),
        (.q4_0, qk, half + qk / 2),                                   // 18
        (.q4_1, qk, 2 * half + qk / 2),                               // 20
        (.q5_0, qk, half + 4 + qk / 2),                               // 22
        (.q5_1, qk, 2 * half + 4 + qk / 2),                           // 24
        (.q8_0, qk, half + qk),                                       // 34
        (.q8_1, qk, 2 * half + qk),                                   // 36
        (.q2_K, qkK, 2 * half + qkK / 16 + qkK / 4),                  // 84
        (.q3_K, qkK, half + qkK / 4 + qkK / 8 + 12),                  // 110
        (.q4_K, qkK, 2 * half + kScaleSize + qkK / 2),                // 144
        (.q5_K, qkK, 2 * half + kScaleSize + qkK / 2 + qkK / 8),      // 176
        (.q6_K, qkK, half + qkK / 16 + 3 * qkK / 4),                  // 210
        (.q8_K, qkK, 4 + qkK + qkK / 16 * 2),                         // 292
    ]

    @Test(arguments: expected.map(\.0))
    func blockSizeAndBytes(_ type: GGMLType) {
        let e = Self.expected.first { $0.0 == type }!
        #expect(type.blockSize == e.elements)
        #expect(type.blockBytes == e.bytes)
        #expect(type.byteCount(elements: 2 * e.elements) == 2 * e.bytes)
    }

    @Test func everyTypeIsCovered() {
        #expect(Set(Self.expected.map(\.0)) == Set(GGMLType.allCases))
    }

    @Test(arguments: TestData.weightTypes)
    func activationFormat(_ type: GGMLType) {
        let a = Quant.activationType(for: type)
        switch type {
        case .f32, .f16, .bf16: #expect(a == .f32)
        case .q4_0, .q5_0, .q8_0: #expect(a == .q8_0)
        case .q4_1, .q5_1: #expect(a == .q8_1)
        default: #expect(a == .q8_K)
        }
        #expect(Quant.activationBytes(for: type, count: 1536) == 1536 / a.blockSize * a.blockBytes)
    }
}
