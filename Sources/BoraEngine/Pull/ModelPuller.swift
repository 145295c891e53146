import BoraFormats
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `bora pull`: finds the file and its stated SHA-256, downloads it resumably into
/// `$BORA_HOME/downloads/SHA256.partial` under a lock, verifies it, and imports it into the store (a hard
/// link and a rename, so the model appears whole or not at all).
public struct ModelPuller: Sendable {
    /// What the pull is doing, for a progress display.
    public enum Event: Sendable, Equatable {
        case resolved(file: String, size: Int)
        case waiting
        case downloading(done: Int, total: Int)
        case verifying(done: Int, total: Int)
        case importing
    }

    /// The file behind a source: where to get it, its size and SHA-256.
    struct Target: Sendable {
        var url: URL
        var headers: [String: String]
        var fileName: String
        var size: Int
        var sha256: String
    }

    public var store: ModelStore
    /// The hub (`HF_ENDPOINT`, default https://huggingface.co) and its token (`HF_TOKEN`).
    public var endpoint: URL
    public var token: String?
    /// Parallel connections for large files.
    public var connections = 4
    package var parallelThreshold = 64 << 20
    package var attempts = 4
    package var freeSpace: @Sendable (String) -> Int? = RangeDownload.statvfsFree

    public init(store: ModelStore = ModelStore(), environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.store = store
        let hub = environment["HF_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://huggingface.co"
        endpoint = URL(string: hub.hasSuffix("/") ? String(hub.dropLast()) : hub) ?? URL(fileURLWithPath: "/")
        token = environment["HF_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Pulls `source` into the store under `name` (default: from the file name). `sha256` overrides the
    /// source's stated hash. Pulling a model that is already there with the same hash does nothing.
    public func pull(_ source: PullSource, name: String? = nil, sha256: String? = nil,
                     progress: @escaping @Sendable (Event) -> Void = { _ in }) async throws(EngineError) -> ModelManifest {
        var stated: String?
        if let sha256 {
            guard let s = PullHash.normalized(sha256) else { throw .invalidParameter("--sha256 must be 64 hex digits, got '\(sha256)'") }
            stated = s
        }
        let target = try await resolve(source, sha256: stated)
        let name = name ?? ModelStore.defaultName(for: target.fileName)
        try ModelStore.validate(name: name)
        progress(.resolved(file: target.fileName, size: target.size))
        if let existing = try existing(name, target) { return existing }

        let downloads = store.root.appendingPathComponent("downloads")
        do { try FileManager.default.createDirectory(at: downloads, withIntermediateDirectories: true) } catch {
            throw .download(url: source.description, message: "cannot create \(downloads.path): \(error.localizedDescription)")
        }
        let base = downloads.appendingPathComponent(target.sha256).path
        let lock = try await PullLock(path: base + ".lock", waiting: { progress(.waiting) })
        defer { withExtendedLifetime(lock) {} }
        if let existing = try existing(name, target) { return existing }

        let partial = base + ".partial"
        var download = RangeDownload(url: target.url, headers: target.headers, size: target.size, sha256: target.sha256, partial: partial)
        download.connections = connections
        download.parallelThreshold = parallelThreshold
        download.attempts = attempts
        download.freeSpace = freeSpace
        try await download.run { done, total in progress(.downloading(done: done, total: total)) }

        let statePath = download.statePath
        let discard = { _ = unlink(partial); _ = unlink(statePath) }
        let actual: String
        do { actual = try SHA256.hexDigest(ofFile: partial) { progress(.verifying(done: $0, total: $1)) } } catch {
            discard()
            throw .format(error)
        }
        guard actual == target.sha256 else {
            discard()
            throw .download(url: target.url.absoluteString, message: "the download's SHA-256 is \(actual) but the source states \(target.sha256): the file is corrupt or was changed; it was deleted and nothing was added to the store. Pull again; if it keeps failing, the source is wrong")
        }
        progress(.importing)
        defer { discard() }
        return try store.importModel(from: partial, name: name, fileName: target.fileName, sha256: actual, origin: source.description)
    }

    /// The stored model `name` if it already holds this file; an error if it holds another.
    private func existing(_ name: String, _ target: Target) throws(EngineError) -> ModelManifest? {
        guard let m = try? store.manifest(name) else { return nil }
        guard !store.isMissingFile(m) else { _ = try store.path(of: name); return nil }  // throws: the file is gone
        guard m.sha256 == target.sha256 else {
            throw .invalidParameter("a different model named '\(name)' is already in the store: pull with --name OTHER, or `bora rm \(name)` first")
        }
        return m
    }
}
