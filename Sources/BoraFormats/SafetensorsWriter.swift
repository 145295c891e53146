import BoraKernels
import Foundation

/// Serializes tensors into the safetensors format: u64 header length, the JSON header (tensors in the
/// order added, 8-byte aligned), then the data. Shapes are given in PyTorch order (outermost first).
public struct SafetensorsWriter {
    struct Entry { let name: String; let dtype: String; let shape: [Int]; let bytes: [UInt8] }
    var entries: [Entry] = []
    public var metadata: [String: String] = [:]

    public init() {}

    /// Adds a tensor of F32, F16 or BF16 bytes.
    public mutating func add(_ name: String, type: GGMLType, shape: [Int], bytes: [UInt8]) {
        let dtype = type == .f16 ? "F16" : type == .bf16 ? "BF16" : "F32"
        entries.append(Entry(name: name, dtype: dtype, shape: shape, bytes: bytes))
    }

    public func serialize() -> [UInt8] {
        func quoted(_ s: String) -> String {
            "\"" + s.unicodeScalars.map { c -> String in
                c == "\"" ? "\\\"" : c == "\\" ? "\\\\" : c.value < 0x20 ? String(format: "\\u%04x", c.value) : String(c)
            }.joined() + "\""
        }
        var parts: [String] = []
        if !metadata.isEmpty {
            parts.append("\"__metadata__\":{" + metadata.sorted { $0.key < $1.key }.map { quoted($0.key) + ":" + quoted($0.value) }.joined(separator: ",") + "}")
        }
        var offset = 0
        for e in entries {
            parts.append("\(quoted(e.name)):{\"dtype\":\"\(e.dtype)\",\"shape\":[\(e.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + e.bytes.count)]}")
            offset += e.bytes.count
        }
        var header = Array(("{" + parts.joined(separator: ",") + "}").utf8)
        while (8 + header.count) % 8 != 0 { header.append(0x20) }
        var out: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out += $0 }
        out += header
        for e in entries { out += e.bytes }
        return out
    }
}
