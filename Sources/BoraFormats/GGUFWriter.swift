import BoraKernels

/// Serializes a GGUF (version 3) file into memory: metadata in insertion order, then tensor infos and
/// the tensor data, each aligned to `alignment`. Used to write models and to build test files.
public struct GGUFWriter {
    public struct Tensor {
        public var name: String
        public var shape: [Int]
        public var type: GGMLType
        public var bytes: [UInt8]
        public init(name: String, shape: [Int], type: GGMLType, bytes: [UInt8]) {
            self.name = name; self.shape = shape; self.type = type; self.bytes = bytes
        }
    }

    public var metadata: [(String, GGUFValue)] = []
    public var tensors: [Tensor] = []
    public var alignment = 32

    public init() {}

    public mutating func set(_ key: String, _ value: GGUFValue) {
        if let i = metadata.firstIndex(where: { $0.0 == key }) { metadata[i].1 = value } else { metadata.append((key, value)) }
    }

    /// Adds an F32 tensor from floats (shape in ggml order).
    public mutating func addF32(_ name: String, shape: [Int], _ values: [Float]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        tensors.append(Tensor(name: name, shape: shape, type: .f32, bytes: bytes))
    }

    /// The file's bytes.
    public func serialize() -> [UInt8] {
        var out = Self.header(metadata: metadata, tensors: tensors.map { ($0.name, $0.shape, $0.type, $0.bytes.count) }, alignment: alignment)
        for t in tensors {
            out += t.bytes
            while out.count % alignment != 0 { out.append(0) }
        }
        return out
    }

    /// Everything before the tensor data: magic, version, counts, metadata, tensor infos (each tensor's
    /// data offset is the sum of the padded sizes before it), padding to `alignment`.
    public static func header(
        metadata: [(String, GGUFValue)], tensors: [(name: String, shape: [Int], type: GGMLType, byteCount: Int)], alignment: Int
    ) -> [UInt8] {
        var out: [UInt8] = []
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func str(_ s: String) { u64(UInt64(s.utf8.count)); out += Array(s.utf8) }

        out += Array("GGUF".utf8)
        u32(3)
        u64(UInt64(tensors.count))
        var meta = metadata
        if alignment != 32, !meta.contains(where: { $0.0 == "general.alignment" }) {
            meta.append(("general.alignment", .uint32(UInt32(alignment))))
        }
        u64(UInt64(meta.count))
        for (key, value) in meta {
            str(key)
            u32(typeID(value))
            write(value, into: &out)
        }
        var offset = 0
        for t in tensors {
            str(t.name)
            u32(UInt32(t.shape.count))
            for d in t.shape { u64(UInt64(d)) }
            u32(t.type.rawValue)
            u64(UInt64(offset))
            offset += (t.byteCount + alignment - 1) / alignment * alignment
        }
        while out.count % alignment != 0 { out.append(0) }
        return out
    }

    static func typeID(_ v: GGUFValue) -> UInt32 {
        switch v {
        case .uint8: return 0
        case .int8: return 1
        case .uint16: return 2
        case .int16: return 3
        case .uint32: return 4
        case .int32: return 5
        case .float32: return 6
        case .bool: return 7
        case .string: return 8
        case .array: return 9
        case .uint64: return 10
        case .int64: return 11
        case .float64: return 12
        }
    }

    static func write(_ v: GGUFValue, into out: inout [UInt8]) {
        func put<T: FixedWidthInteger>(_ x: T) { withUnsafeBytes(of: x.littleEndian) { out += $0 } }
        switch v {
        case let .uint8(x): put(x)
        case let .int8(x): put(x)
        case let .uint16(x): put(x)
        case let .int16(x): put(x)
        case let .uint32(x): put(x)
        case let .int32(x): put(x)
        case let .float32(x): put(x.bitPattern)
        case let .bool(x): put(UInt8(x ? 1 : 0))
        case let .string(s): put(UInt64(s.utf8.count)); out += Array(s.utf8)
        case let .uint64(x): put(x)
        case let .int64(x): put(x)
        case let .float64(x): put(x.bitPattern)
        case let .array(items):
            // Element type of an empty array: uint8 by convention.
            put(items.first.map(typeID) ?? 0)
            put(UInt64(items.count))
            for item in items { write(item, into: &out) }
        }
    }
}
