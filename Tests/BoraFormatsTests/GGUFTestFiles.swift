import BoraFormats
import BoraKernels
import Foundation

/// Writes bytes to a fresh temporary file and returns its path.
func temporaryFile(_ bytes: [UInt8], name: String = "test.gguf") throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bora-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
}

/// A small valid GGUF with every metadata value type and two tensors.
func sampleWriter() -> GGUFWriter {
    var w = GGUFWriter()
    w.set("general.architecture", .string("llama"))
    w.set("u8", .uint8(200)); w.set("i8", .int8(-5)); w.set("u16", .uint16(60000)); w.set("i16", .int16(-300))
    w.set("u32", .uint32(4_000_000_000)); w.set("i32", .int32(-7)); w.set("f32", .float32(1.5)); w.set("bool", .bool(true))
    w.set("u64", .uint64(1 << 40)); w.set("i64", .int64(-(1 << 40))); w.set("f64", .float64(-2.25))
    w.set("str", .string("héllo\nworld"))
    w.set("nested", .array([.array([.int32(1), .int32(2)]), .array([.int32(3)])]))
    w.set("strings", .array([.string("a"), .string(""), .string("ü")]))
    w.addF32("vec", shape: [4], [1, 2, 3, 4])
    w.addF32("mat", shape: [32, 2], (0..<64).map { Float($0) })
    return w
}
