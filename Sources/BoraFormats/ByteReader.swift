/// A bounds-checked little-endian cursor over a file's bytes. Every read checks the remaining length first.
struct ByteReader {
    let base: UnsafeRawPointer
    let count: Int
    let path: String
    var offset: Int = 0

    var remaining: Int { count - offset }

    mutating func need(_ n: Int, _ what: @autoclosure () -> String) throws(FormatError) {
        guard n >= 0, n <= remaining else {
            throw FormatError.truncated(path: path, offset: offset, needed: n, what: what())
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws(FormatError) -> T {
        try need(MemoryLayout<T>.size, what())
        let v = base.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: v)
    }

    mutating func readFloat(_ what: @autoclosure () -> String) throws(FormatError) -> Float {
        Float(bitPattern: try read(UInt32.self, what()))
    }

    mutating func readDouble(_ what: @autoclosure () -> String) throws(FormatError) -> Double {
        Double(bitPattern: try read(UInt64.self, what()))
    }

    /// A GGUF string: u64 length, then that many UTF-8 bytes (invalid UTF-8 is repaired, not fatal).
    mutating func readString(_ what: @autoclosure () -> String) throws(FormatError) -> String {
        let n = try read(UInt64.self, what())
        guard n <= UInt64(remaining) else {
            throw FormatError.truncated(path: path, offset: offset, needed: Int(clamping: n), what: what())
        }
        let len = Int(n)
        let bytes = UnsafeRawBufferPointer(start: base + offset, count: len)
        offset += len
        return String(decoding: bytes, as: UTF8.self)
    }
}
