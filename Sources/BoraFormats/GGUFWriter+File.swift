#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BoraKernels

/// A failed GGUF write. (Its own type rather than a `FormatError` case, so that exhaustive switches over
/// the reader's errors elsewhere do not change.)
public struct GGUFWriteError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let reason: String
    public init(path: String, reason: String) { self.path = path; self.reason = reason }
    public var description: String {
        "cannot write '\(path)': \(reason). Nothing was left at that path; free disk space or check the directory's permissions."
    }
}

/// Writes a GGUF file tensor by tensor without holding it in memory, crash-safely: everything goes to a
/// temporary file next to `path` (`.<name>.tmp-<pid>`), which `commit` syncs and renames into place.
/// Until then nothing exists at `path`; a failed or abandoned write removes the temporary file.
public final class GGUFFileWriter {
    public struct TensorInfo: Sendable {
        public var name: String
        public var shape: [Int]
        public var type: GGMLType
        public init(name: String, shape: [Int], type: GGMLType) { self.name = name; self.shape = shape; self.type = type }
        /// Data bytes (shape[0] must be a whole number of blocks).
        public var byteCount: Int { type.byteCount(elements: shape.reduce(1, *)) ?? 0 }
    }

    public let path: String
    public let temporaryPath: String
    let tensors: [TensorInfo]
    let alignment: Int
    private var fd: Int32
    private var next = 0
    private var committed = false

    /// Creates the temporary file and writes the header.
    public init(path: String, metadata: [(String, GGUFValue)], tensors: [TensorInfo], alignment: Int = 32) throws(GGUFWriteError) {
        self.path = path
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { String(path[...$0]) } ?? ""
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        temporaryPath = "\(dir).\(base).tmp-\(getpid())"
        self.tensors = tensors
        self.alignment = alignment
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw GGUFWriteError(path: path, reason: Self.errnoText()) }
        let header = GGUFWriter.header(
            metadata: metadata, tensors: tensors.map { ($0.name, $0.shape, $0.type, $0.byteCount) }, alignment: alignment)
        if let failure = header.withUnsafeBytes({ rawWrite($0) }) {
            abandon()
            throw GGUFWriteError(path: path, reason: failure)
        }
    }

    deinit { if !committed { abandon() } }

    /// Appends the data of the next tensor (in the order given to `init`), with its padding.
    public func writeTensor(_ bytes: UnsafeRawBufferPointer) throws(GGUFWriteError) {
        guard next < tensors.count, bytes.count == tensors[next].byteCount else {
            abandon()
            let what = next < tensors.count ? "tensor '\(tensors[next].name)' needs \(tensors[next].byteCount) bytes, got \(bytes.count)" : "more tensors than declared"
            throw GGUFWriteError(path: path, reason: "internal error: \(what)")
        }
        let pad = (alignment - bytes.count % alignment) % alignment
        if let failure = rawWrite(bytes) ?? [UInt8](repeating: 0, count: pad).withUnsafeBytes({ rawWrite($0) }) {
            abandon()
            throw GGUFWriteError(path: path, reason: failure)
        }
        next += 1
    }

    /// Flushes to disk and renames the temporary file to `path` (replacing what is there).
    public func commit() throws(GGUFWriteError) {
        guard next == tensors.count else {
            abandon()
            throw GGUFWriteError(path: path, reason: "internal error: \(tensors.count - next) tensors were not written")
        }
        if fsync(fd) != 0 || close(fd) != 0 {
            let reason = Self.errnoText()
            fd = -1
            abandon()
            throw GGUFWriteError(path: path, reason: reason)
        }
        fd = -1
        guard rename(temporaryPath, path) == 0 else {
            let reason = Self.errnoText()
            abandon()
            throw GGUFWriteError(path: path, reason: reason)
        }
        committed = true
    }

    /// Closes and removes the temporary file.
    public func abandon() {
        if fd >= 0 { close(fd); fd = -1 }
        unlink(temporaryPath)
    }

    /// Writes all of `bytes`; returns why it failed, or nil.
    private func rawWrite(_ bytes: UnsafeRawBufferPointer) -> String? {
        var done = 0
        while done < bytes.count {
            let n = write(fd, bytes.baseAddress.unsafelyUnwrapped + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                return Self.errnoText()
            }
            done += n
        }
        return nil
    }

    static func errnoText() -> String {
        let e = errno
        if e == ENOSPC { return "the disk is full (ENOSPC)" }
        return String(cString: strerror(e)) + " (errno \(e))"
    }
}
