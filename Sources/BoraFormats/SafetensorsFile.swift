import BoraKernels

/// A memory-mapped safetensors file: u64 little-endian header length N, N bytes of JSON
/// `{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}`, then the data
/// (offsets relative to its start). Every entry is checked against the file before use.
public final class SafetensorsFile: TensorStore {
    public let path: String
    public let metadata: [String: String]
    let file: MappedFile
    let entries: [String: TensorRef]
    public let tensorNames: [String]

    static let maxHeader = 100 << 20

    public init(path: String) throws(FormatError) {
        file = try MappedFile(path: path)
        self.path = path
        guard let base = file.base, file.count >= 8 else {
            throw FormatError.truncated(path: path, offset: 0, needed: 8, what: "the safetensors header length")
        }
        let n = UInt64(littleEndian: base.loadUnaligned(as: UInt64.self))
        guard n <= UInt64(Self.maxHeader), Int(n) <= file.count - 8 else {
            throw FormatError.invalid(path: path, what: "the safetensors header claims \(n) bytes, but the file has \(file.count - 8) after the length (is this a safetensors file?)")
        }
        let headerText = String(decoding: UnsafeRawBufferPointer(start: base + 8, count: Int(n)), as: UTF8.self)
        let dataStart = 8 + Int(n)
        let header: SafetensorsHeader
        do { header = try SafetensorsHeader(parsing: headerText) } catch {
            throw FormatError.invalid(path: path, what: "the safetensors header is not valid JSON: \(error)")
        }
        metadata = header.metadata
        var entries: [String: TensorRef] = [:]
        for e in header.tensors {
            guard let type = Self.type(e.dtype) else {
                throw FormatError.badTensor(path: path, tensor: e.name, reason: "has dtype \(e.dtype); Bora reads F32, F16 and BF16 safetensors. Convert the checkpoint to one of these")
            }
            guard e.shape.allSatisfy({ $0 >= 0 && $0 <= Int(Int32.max) }), e.shape.count <= 4 else {
                throw FormatError.badTensor(path: path, tensor: e.name, reason: "has an invalid shape \(e.shape)")
            }
            var count = 1
            for d in e.shape {
                let (c, o) = count.multipliedReportingOverflow(by: d)
                guard !o else { throw FormatError.badTensor(path: path, tensor: e.name, reason: "has a shape that overflows") }
                count = c
            }
            let bytes = count * type.blockBytes
            guard e.begin >= 0, e.end >= e.begin, e.end - e.begin == bytes else {
                throw FormatError.badTensor(path: path, tensor: e.name, reason: "has data_offsets [\(e.begin), \(e.end)] for \(bytes) bytes of \(e.dtype) \(e.shape)")
            }
            guard e.end <= file.count - dataStart else {
                throw FormatError.badTensor(path: path, tensor: e.name, reason: "lies outside the file (data ends at \(e.end), only \(file.count - dataStart) bytes of data): the file is truncated")
            }
            entries[e.name] = TensorRef(name: e.name, type: type, shape: e.shape.isEmpty ? [1] : Array(e.shape.reversed()),
                                        data: base + dataStart + e.begin, byteCount: bytes)
        }
        self.entries = entries
        tensorNames = header.tensors.map(\.name)
    }

    public func tensorRef(_ name: String) -> TensorRef? { entries[name] }

    static func type(_ dtype: String) -> GGMLType? {
        switch dtype {
        case "F32": return .f32
        case "F16": return .f16
        case "BF16": return .bf16
        default: return nil
        }
    }
}
