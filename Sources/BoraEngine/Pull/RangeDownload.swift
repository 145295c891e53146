import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Downloads one file of known size and SHA-256 into `partial`, in parallel byte ranges, resumably: the
/// ranges and how far each got are kept in `partial.json`, so a later run asks only for what is missing
/// (`Range: bytes=N-M`). Data is written before the state that records it, so the state never claims bytes
/// that are not on disk; the final SHA-256 check catches anything else.
struct RangeDownload: Sendable {
    struct Chunk: Codable, Sendable, Equatable {
        var start: Int
        var end: Int  // exclusive
        var done: Int
        var remaining: Int { end - start - done }
    }

    struct State: Codable, Sendable, Equatable {
        var sha256: String
        var size: Int
        var chunks: [Chunk]
        var done: Int { chunks.reduce(0) { $0 + $1.done } }
    }

    var url: URL
    var headers: [String: String]
    var size: Int
    var sha256: String
    var partial: String
    /// Parallel connections for files of at least `parallelThreshold` bytes.
    var connections = 4
    var parallelThreshold = 64 << 20
    /// Tries per range before the download fails (the partial file stays for the next run).
    var attempts = 4
    /// Free bytes on the file system holding a folder (nil if unknown); tests replace it.
    var freeSpace: @Sendable (String) -> Int? = RangeDownload.statvfsFree

    var statePath: String { partial + ".json" }

    /// Downloads what is missing; `progress` gets (bytes on disk, size).
    func run(progress: @escaping @Sendable (Int, Int) -> Void) async throws(EngineError) {
        let state = LockedBox(loadState() ?? freshState())
        try checkFreeSpace(state.withLock { size - $0.done })
        let fd = open(partial, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw failure("cannot write \(partial): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        progress(state.withLock { $0.done }, size)
        let writer = ChunkWriter(fd: fd, state: state, statePath: statePath)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in state.withLock({ $0.chunks.indices }) where state.withLock({ $0.chunks[index].remaining }) > 0 {
                    group.addTask { try await fetch(chunk: index, writer: writer, progress: progress) }
                }
                try await group.waitForAll()
            }
        } catch is RangesIgnored {
            // The server answers ranges with the whole file: start over on one connection.
            unlink(partial)
            unlink(statePath)
            var single = self
            single.connections = 1
            single.parallelThreshold = Int.max
            return try await single.run(progress: progress)
        } catch let e as EngineError {
            writer.save()
            throw e
        } catch {
            writer.save()
            throw failure("the transfer stopped (\(error.localizedDescription)); run the same pull again to resume")
        }
        writer.save()
        fsync(fd)
    }

    /// One range, retried from where it stopped.
    private func fetch(chunk index: Int, writer: ChunkWriter, progress: @escaping @Sendable (Int, Int) -> Void) async throws {
        var attempt = 0
        while true {
            let chunk = writer.state.withLock { $0.chunks[index] }
            guard chunk.remaining > 0 else { return }
            var h = headers
            h["Range"] = "bytes=\(chunk.start + chunk.done)-\(chunk.end - 1)"
            h["Accept-Encoding"] = "identity"  // byte offsets are of the file, never of a compressed body
            do {
                _ = try await HTTPStream.fetch(url, headers: h, onHead: { head in
                    try check(head, chunk: chunk)
                    if head.status == 200 { writer.restart(index) }
                }, onData: { data in
                    try writer.write(data, chunk: index)
                    progress(writer.state.withLock { $0.done }, size)
                })
                let left = writer.state.withLock { $0.chunks[index].remaining }
                if left > 0 { throw PullRetry.short(left) }
                return
            } catch let e as EngineError {
                throw e
            } catch let e as RangesIgnored {
                throw e
            } catch {
                attempt += 1
                writer.save()
                if attempt >= attempts || Task.isCancelled { throw error }
                try await Task.sleep(nanoseconds: UInt64(attempt) * 300_000_000)
            }
        }
    }

    private func check(_ head: HTTPHead, chunk: Chunk) throws {
        switch head.status {
        case 206: return
        case 200 where chunk.start == 0 && chunk.end == size: return  // the server ignored Range: start over
        case 200: throw RangesIgnored()
        case 401, 403: throw EngineError.download(url: url.absoluteString, message: "access denied (HTTP \(head.status)): for a gated or private Hugging Face model, accept its terms on the website and set HF_TOKEN")
        case 404: throw EngineError.download(url: url.absoluteString, message: "not found (HTTP 404): check the address")
        case 416: throw EngineError.download(url: url.absoluteString, message: "the server's file is shorter than stated (HTTP 416); the file may have changed: run the pull again")
        default: throw PullRetry.status(head.status)
        }
    }

    private func freshState() -> State {
        let n = size >= parallelThreshold ? max(1, connections) : 1
        let step = (size + n - 1) / max(n, 1)
        var chunks: [Chunk] = []
        var start = 0
        while start < size || chunks.isEmpty {
            let end = min(size, start + max(step, 1))
            chunks.append(Chunk(start: start, end: end, done: 0))
            start = end
            if size == 0 { break }
        }
        unlink(partial)
        return State(sha256: sha256, size: size, chunks: chunks)
    }

    /// The saved state when it belongs to this file and matches the partial file; nil to start over.
    private func loadState() -> State? {
        guard let data = FileManager.default.contents(atPath: statePath),
              let s = try? JSONDecoder().decode(State.self, from: data),
              s.sha256 == sha256, s.size == size, FileManager.default.fileExists(atPath: partial) else { return nil }
        return s
    }

    private func checkFreeSpace(_ needed: Int) throws(EngineError) {
        guard let free = freeSpace(URL(fileURLWithPath: partial).deletingLastPathComponent().path) else { return }
        guard free >= needed else {
            throw failure("not enough disk space: the download needs \(needed) more bytes but \(free) are free in \(URL(fileURLWithPath: partial).deletingLastPathComponent().path); free some space (or set BORA_HOME to a larger disk) and pull again")
        }
    }

    @Sendable static func statvfsFree(_ path: String) -> Int? {
        var s = statvfs()
        guard statvfs(path, &s) == 0 else { return nil }
        return Int(s.f_bavail) * Int(s.f_frsize)
    }

    private func failure(_ message: String) -> EngineError { .download(url: url.absoluteString, message: message) }
}

/// A server that answered a range request with the whole file (200).
struct RangesIgnored: Error {}

/// Failures that a retry of the range may fix.
enum PullRetry: LocalizedError {
    case status(Int)
    case short(Int)

    var errorDescription: String? {
        switch self {
        case let .status(s): return "HTTP \(s)"
        case let .short(n): return "the server ended a range \(n) bytes early"
        }
    }
}

/// Writes received bytes at their offsets and records progress; saves the state every 8 MiB.
private final class ChunkWriter: @unchecked Sendable {
    let fd: Int32
    let state: LockedBox<RangeDownload.State>
    let statePath: String
    private let unsaved = LockedBox(0)

    init(fd: Int32, state: LockedBox<RangeDownload.State>, statePath: String) {
        self.fd = fd
        self.state = state
        self.statePath = statePath
    }

    func write(_ data: Data, chunk index: Int) throws {
        let chunk = state.withLock { $0.chunks[index] }
        let n = min(data.count, chunk.remaining)
        guard n > 0 else { return }
        var offset = 0
        try data.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            while offset < n {
                let w = pwrite(fd, base + offset, n - offset, off_t(chunk.start + chunk.done + offset))
                if w < 0 {
                    throw EngineError.download(url: statePath, message: "cannot write the download: \(String(cString: strerror(errno))) (is the disk full? free some space and pull again to resume)")
                }
                offset += w
            }
        }
        state.withLock { $0.chunks[index].done += n }
        let due = unsaved.withLock { count -> Bool in
            count += n
            if count >= 8 << 20 { count = 0; return true }
            return false
        }
        if due { save() }
    }

    /// The server sent the whole file instead of the range: the chunk starts over.
    func restart(_ index: Int) { state.withLock { $0.chunks[index].done = 0 } }

    func save() {
        guard let data = try? JSONEncoder().encode(state.withLock { $0 }) else { return }
        try? data.write(to: URL(fileURLWithPath: statePath), options: .atomic)
    }
}
