import BoraKernels

/// A memory-mapped GGUF file (versions 2 and 3): metadata, tensor infos, and the tensor bytes in place.
/// Layout (GGUF spec): magic "GGUF", u32 version, u64 tensor count, u64 key-value count, the key-values,
/// the tensor infos, padding to `general.alignment` (default 32), then the tensor data.
/// Every count, offset and size is checked against the file before use.
public final class GGUFFile: Sendable {
    public let path: String
    public let version: UInt32
    public let metadata: [String: GGUFValue]
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    public let dataOffset: Int
    let file: MappedFile
    let tensorIndex: [String: Int]

    static let maxDimensions = 4
    static let maxArrayDepth = 8

    public convenience init(path: String) throws(FormatError) {
        try self.init(mapped: MappedFile(path: path))
    }

    init(mapped file: MappedFile) throws(FormatError) {
        self.file = file
        self.path = file.path
        guard let base = file.base, file.count >= 4 else {
            throw FormatError.notGGUF(path: file.path, magic: "an empty or tiny file (\(file.count) bytes)")
        }
        var r = ByteReader(base: base, count: file.count, path: file.path)
        let magic = try r.read(UInt32.self, "the magic number")
        guard magic == 0x4655_4747 else {  // "GGUF" little-endian
            throw FormatError.notGGUF(path: path, magic: Self.describeMagic(base, count: file.count))
        }
        version = try r.read(UInt32.self, "the version")
        guard version == 2 || version == 3 else {
            throw FormatError.unsupportedVersion(path: path, version: version)
        }
        let tensorCount = try r.read(UInt64.self, "the tensor count")
        let kvCount = try r.read(UInt64.self, "the metadata count")
        // Each key-value takes at least 12 bytes and each tensor info at least 24.
        guard kvCount <= UInt64(r.remaining / 12), tensorCount <= UInt64(r.remaining / 24) else {
            throw FormatError.invalid(path: path, what: "it claims \(kvCount) metadata entries and \(tensorCount) tensors, more than the file can hold")
        }

        var metadata: [String: GGUFValue] = [:]
        var keys: [String] = []
        keys.reserveCapacity(Int(kvCount))
        for i in 0..<Int(kvCount) {
            let key = try r.readString("metadata key #\(i)")
            let rawType = try r.read(UInt32.self, "the type of '\(key)'")
            let value = try Self.readValue(&r, type: rawType, key: key, depth: 0)
            if metadata.updateValue(value, forKey: key) != nil {
                throw FormatError.invalid(path: path, what: "metadata key '\(key)' appears twice")
            }
            keys.append(key)
        }
        self.metadata = metadata
        self.metadataKeys = keys

        var align = 32
        if let a = metadata["general.alignment"] {
            guard let v = a.int, v > 0, v & (v - 1) == 0, v <= 1 << 20 else {
                throw FormatError.invalid(path: path, what: "general.alignment must be a power of two, got \(a.summary())")
            }
            align = v
        }
        alignment = align

        struct RawInfo { let name: String; let shape: [Int]; let type: GGMLType; let offset: UInt64 }
        var raw: [RawInfo] = []
        raw.reserveCapacity(Int(tensorCount))
        for i in 0..<Int(tensorCount) {
            let name = try r.readString("the name of tensor #\(i)")
            let nDims = try r.read(UInt32.self, "the dimension count of '\(name)'")
            guard nDims >= 1, nDims <= UInt32(Self.maxDimensions) else {
                throw FormatError.badTensor(path: path, tensor: name, reason: "has \(nDims) dimensions (1 to \(Self.maxDimensions) allowed)")
            }
            var shape: [Int] = []
            var elements = 1
            for d in 0..<Int(nDims) {
                let dim = try r.read(UInt64.self, "dimension \(d) of '\(name)'")
                guard dim >= 1, dim <= UInt64(Int32.max) else {
                    throw FormatError.badTensor(path: path, tensor: name, reason: "has dimension \(d) of size \(dim)")
                }
                let (e, overflow) = elements.multipliedReportingOverflow(by: Int(dim))
                guard !overflow, e <= Int(1) << 40 else {
                    throw FormatError.badTensor(path: path, tensor: name, reason: "has an absurd element count (shape overflows)")
                }
                elements = e
                shape.append(Int(dim))
            }
            let rawType = try r.read(UInt32.self, "the type of '\(name)'")
            guard let type = GGMLType(rawValue: rawType), type != .q8_1, type != .q8_K else {
                throw FormatError.unknownTensorType(path: path, tensor: name, type: rawType)
            }
            let offset = try r.read(UInt64.self, "the data offset of '\(name)'")
            raw.append(RawInfo(name: name, shape: shape, type: type, offset: offset))
        }

        let dataStart = (r.offset + align - 1) / align * align
        guard dataStart <= file.count || raw.isEmpty else {
            throw FormatError.truncated(path: path, offset: r.offset, needed: dataStart - r.offset, what: "the padding before the tensor data")
        }
        dataOffset = dataStart

        var infos: [GGUFTensorInfo] = []
        var index: [String: Int] = [:]
        infos.reserveCapacity(raw.count)
        for t in raw {
            guard t.shape[0] % t.type.blockSize == 0, let bytes = t.type.byteCount(elements: t.shape.reduce(1, *)) else {
                throw FormatError.badTensor(path: path, tensor: t.name, reason: "has \(t.shape[0]) columns, not a multiple of the \(t.type) block size \(t.type.blockSize)")
            }
            guard t.offset % UInt64(align) == 0 else {
                throw FormatError.badTensor(path: path, tensor: t.name, reason: "has data offset \(t.offset), not a multiple of the alignment \(align)")
            }
            guard t.offset <= UInt64(file.count), dataStart + Int(t.offset) <= file.count - bytes else {
                throw FormatError.badTensor(path: path, tensor: t.name, reason: "lies outside the file (offset \(t.offset) + \(bytes) bytes, but only \(max(0, file.count - dataStart)) bytes of data follow the header): the file is truncated")
            }
            if index.updateValue(infos.count, forKey: t.name) != nil {
                throw FormatError.invalid(path: path, what: "tensor '\(t.name)' appears twice")
            }
            infos.append(GGUFTensorInfo(name: t.name, shape: t.shape, type: t.type, fileOffset: dataStart + Int(t.offset), byteCount: bytes))
        }
        tensors = infos
        tensorIndex = index
    }

    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// Pointer to a tensor's bytes inside the mapping (valid while this object lives).
    public func data(for tensor: GGUFTensorInfo) -> UnsafeRawPointer {
        // fileOffset was checked against the file size in init; a zero-size mapping has no tensors.
        file.base.unsafelyUnwrapped + tensor.fileOffset
    }

    /// Size of the mapped file in bytes.
    public var fileSize: Int { file.count }

    static func describeMagic(_ base: UnsafeRawPointer, count: Int) -> String {
        let bytes = (0..<min(4, count)).map { base.load(fromByteOffset: $0, as: UInt8.self) }
        let printable = bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7f }
        if printable { return "\"" + String(decoding: bytes, as: UTF8.self) + "\"" }
        return bytes.map { "0x" + String($0, radix: 16) }.joined(separator: " ")
    }

    static func readValue(_ r: inout ByteReader, type: UInt32, key: String, depth: Int) throws(FormatError) -> GGUFValue {
        let what = "the value of '\(key)'"
        switch type {
        case 0: return .uint8(try r.read(UInt8.self, what))
        case 1: return .int8(try r.read(Int8.self, what))
        case 2: return .uint16(try r.read(UInt16.self, what))
        case 3: return .int16(try r.read(Int16.self, what))
        case 4: return .uint32(try r.read(UInt32.self, what))
        case 5: return .int32(try r.read(Int32.self, what))
        case 6: return .float32(try r.readFloat(what))
        case 7:
            let b = try r.read(UInt8.self, what)
            guard b <= 1 else { throw FormatError.invalid(path: r.path, what: "boolean '\(key)' has value \(b)") }
            return .bool(b == 1)
        case 8: return .string(try r.readString(what))
        case 9:
            guard depth < maxArrayDepth else {
                throw FormatError.invalid(path: r.path, what: "'\(key)' nests arrays deeper than \(maxArrayDepth) levels")
            }
            let elemType = try r.read(UInt32.self, "the element type of '\(key)'")
            let n = try r.read(UInt64.self, "the length of '\(key)'")
            let minSize: Int
            switch elemType {
            case 0, 1, 7: minSize = 1
            case 2, 3: minSize = 2
            case 4, 5, 6: minSize = 4
            case 8, 10, 11, 12: minSize = 8
            case 9: minSize = 12
            default: throw FormatError.unknownValueType(path: r.path, key: key, type: elemType)
            }
            guard n <= UInt64(r.remaining / minSize) else {
                throw FormatError.truncated(path: r.path, offset: r.offset, needed: Int(clamping: n), what: "the \(n) elements of '\(key)'")
            }
            var items: [GGUFValue] = []
            items.reserveCapacity(Int(n))
            for _ in 0..<Int(n) {
                items.append(try readValue(&r, type: elemType, key: key, depth: depth + 1))
            }
            return .array(items)
        case 10: return .uint64(try r.read(UInt64.self, what))
        case 11: return .int64(try r.read(Int64.self, what))
        case 12: return .float64(try r.readDouble(what))
        default: throw FormatError.unknownValueType(path: r.path, key: key, type: type)
        }
    }
}
