import BoraFormats
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The local model store: `$BORA_HOME/models/NAME/` (default `~/.bora`) holding the model file (a hard
/// link to the imported file when on the same file system, else a copy) and `manifest.json`. A name works
/// wherever a path does (`resolve`).
public struct ModelStore: Sendable {
    public let root: URL

    /// `$BORA_HOME`, else `~/.bora`.
    public init(home: String? = nil) {
        let env = ProcessInfo.processInfo.environment
        let path = home ?? env["BORA_HOME"] ?? (env["HOME"].map { $0 + "/.bora" } ?? FileManager.default.homeDirectoryForCurrentUser.path + "/.bora")
        root = URL(fileURLWithPath: path)
    }

    var models: URL { root.appendingPathComponent("models") }

    /// Names: letters, digits and `._:-`, starting with a letter or digit, at most 128 characters.
    public static func validate(name: String) throws(EngineError) {
        let ok = !name.isEmpty && name.count <= 128 && name.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "._:-".unicodeScalars.contains($0)
        } && name.first.map { $0.isLetter || $0.isNumber } == true
        guard ok else {
            throw .invalidParameter("'\(name)' is not a valid model name: use letters, digits and . _ : - (starting with a letter or digit)")
        }
    }

    /// A default name from a file or folder name: lowercased stem, without `.gguf`.
    public static func defaultName(for path: String) -> String {
        var stem = URL(fileURLWithPath: path).lastPathComponent.lowercased()
        if stem.hasSuffix(".gguf") { stem.removeLast(5) }
        let cleaned = String(stem.unicodeScalars.map { s -> Character in
            (s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s))) || "._:-".unicodeScalars.contains(s) ? Character(s) : "-"
        })
        return cleaned.isEmpty ? "model" : cleaned
    }

    func folder(_ name: String) -> URL { models.appendingPathComponent(name) }

    /// Every imported model, by name.
    public func list() throws(EngineError) -> [ModelManifest] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: models.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        var out: [ModelManifest] = []
        for n in names { if let m = try? manifest(n) { out.append(m) } }
        return out
    }

    public func manifest(_ name: String) throws(EngineError) -> ModelManifest {
        let url = folder(name).appendingPathComponent("manifest.json")
        guard let data = FileManager.default.contents(atPath: url.path) else { throw unknown(name) }
        do { return try JSONDecoder().decode(ModelManifest.self, from: data) } catch {
            throw .invalidParameter("the store's manifest for '\(name)' (\(url.path)) is damaged: remove it with `bora rm \(name)` and import the model again")
        }
    }

    func unknown(_ name: String) -> EngineError {
        .invalidParameter("unknown model '\(name)': it is neither a file nor a model in the store (\(models.path)). See `bora list`, or add one with `bora pull hf:OWNER/REPO:Q4_K_M` or `bora import FILE`.")
    }

    /// The model file of a stored model.
    public func path(of name: String) throws(EngineError) -> String {
        let m = try manifest(name)
        guard !isMissingFile(m) else {
            throw .invalidParameter("the store's model '\(name)' has lost its file (\(folder(name).appendingPathComponent(m.file).path)): remove it with `bora rm \(name)` and pull or import it again")
        }
        return folder(name).appendingPathComponent(m.file).path
    }

    /// True when a manifest's model file is no longer in the store (deleted by hand).
    public func isMissingFile(_ manifest: ModelManifest) -> Bool {
        !FileManager.default.fileExists(atPath: folder(manifest.name).appendingPathComponent(manifest.file).path)
    }

    /// A path that exists is used as it is; otherwise the name is looked up in the store.
    public func resolve(_ nameOrPath: String) throws(EngineError) -> String {
        if FileManager.default.fileExists(atPath: nameOrPath) { return nameOrPath }
        if nameOrPath.contains("/") {
            throw .format(.cannotOpen(path: nameOrPath, reason: "no such file or directory. Check the path, or use a model name from `bora list`"))
        }
        return try path(of: nameOrPath)
    }

    /// Imports a GGUF file or a checkpoint folder under `name` (default: from the file name). The model
    /// is checked and hashed first (unless `sha256` is already known, as after a verified pull), assembled in
    /// a hidden folder, then moved into place, so a half-imported model is never listed.
    @discardableResult
    public func importModel(from source: String, name: String? = nil, fileName: String? = nil, sha256: String? = nil,
                            origin: String? = nil, hashProgress: ((Int, Int) -> Void)? = nil) throws(EngineError) -> ModelManifest {
        let fileName = fileName ?? URL(fileURLWithPath: source).lastPathComponent
        let name = name ?? Self.defaultName(for: fileName)
        try Self.validate(name: name)
        let fm = FileManager.default
        guard fm.fileExists(atPath: source) else {
            throw .format(.cannotOpen(path: source, reason: "no such file or directory"))
        }
        guard !fm.fileExists(atPath: folder(name).path) else {
            throw .invalidParameter("a model named '\(name)' is already in the store: pick another --name, or `bora rm \(name)` first")
        }
        var manifest = try ModelManifest.describe(path: source, name: name, file: fileName, sha256: sha256, hashProgress: hashProgress)
        let staging = models.appendingPathComponent(".import-\(UUID().uuidString)")
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: true)
            try Self.linkOrCopy(source, to: staging.appendingPathComponent(fileName).path)
            manifest.source = origin ?? URL(fileURLWithPath: source).standardizedFileURL.path
            try Self.write(manifest, to: staging)
            try fm.moveItem(at: staging, to: folder(name))
        } catch {
            try? fm.removeItem(at: staging)
            throw .invalidParameter("could not import '\(source)' into \(models.path): \(error.localizedDescription)")
        }
        return manifest
    }

    static func write(_ manifest: ModelManifest, to folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(manifest).write(to: folder.appendingPathComponent("manifest.json"))
    }

    public func remove(_ name: String) throws(EngineError) {
        _ = try manifest(name)
        do { try FileManager.default.removeItem(at: folder(name)) } catch {
            throw .invalidParameter("could not remove '\(name)': \(error.localizedDescription)")
        }
    }

    /// Copies a stored model under a new name (files are hard-linked).
    public func copy(_ name: String, to newName: String) throws(EngineError) {
        try Self.validate(name: newName)
        var m = try manifest(name)
        guard !FileManager.default.fileExists(atPath: folder(newName).path) else {
            throw .invalidParameter("a model named '\(newName)' is already in the store")
        }
        m.name = newName
        do {
            try FileManager.default.createDirectory(at: folder(newName), withIntermediateDirectories: true)
            try Self.linkOrCopy(folder(name).appendingPathComponent(m.file).path, to: folder(newName).appendingPathComponent(m.file).path)
            try Self.write(m, to: folder(newName))
        } catch {
            try? FileManager.default.removeItem(at: folder(newName))
            throw .invalidParameter("could not copy '\(name)' to '\(newName)': \(error.localizedDescription)")
        }
    }

    /// Hard-links a file (or each file of a folder), copying where links are not possible.
    static func linkOrCopy(_ source: String, to dest: String) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        _ = fm.fileExists(atPath: source, isDirectory: &isDirectory)
        if isDirectory.boolValue {
            try fm.createDirectory(atPath: dest, withIntermediateDirectories: true)
            for f in try fm.contentsOfDirectory(atPath: source) {
                try linkOrCopy(source + "/" + f, to: dest + "/" + f)
            }
            return
        }
        let real = URL(fileURLWithPath: source).resolvingSymlinksInPath().path
        if link(real, dest) != 0 {
            try fm.copyItem(atPath: real, toPath: dest)
        }
    }
}
