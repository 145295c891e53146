import BoraFormats
import BoraModels
import Foundation

/// What the store records about an imported model (`$BORA_HOME/models/NAME/manifest.json`).
public struct ModelManifest: Codable, Sendable, Equatable {
    public var name: String
    /// The model file (GGUF) or folder (checkpoint) inside the model's store folder.
    public var file: String
    /// SHA-256 of the GGUF file; for a checkpoint folder, of its files' digests in name order.
    public var sha256: String
    public var size: Int
    public var architecture: String
    public var quantization: String
    public var contextLength: Int
    public var license: String?
    public var modified: String
    /// Where it was imported from.
    public var source: String

    enum CodingKeys: String, CodingKey {
        case name, file, sha256, size, architecture, quantization
        case contextLength = "context_length", license, modified, source
    }
}

extension ModelManifest {
    /// llama.cpp's `general.file_type` names (`enum llama_ftype`).
    static let fileTypes: [Int: String] = [
        0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K", 11: "Q3_K_S",
        12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K", 32: "BF16",
    ]

    /// Describes a GGUF file or a checkpoint folder (hashing its bytes).
    /// A known `sha256` (a verified download) skips hashing the file again.
    static func describe(path: String, name: String, file: String, sha256: String? = nil,
                         hashProgress: ((Int, Int) -> Void)? = nil) throws(EngineError) -> ModelManifest {
        let config: DecoderConfig
        do { config = try DecoderConfig(path: path) } catch { throw .format(error) }
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        var architecture = config.architecture
        var quantization = "F32"
        var license: String?
        var size = 0
        var digest = ""
        if isDirectory.boolValue {
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
            var combined = SHA256()
            for f in files {
                let p = path + "/" + f
                do { combined.update(Array(try SHA256.hexDigest(ofFile: p).utf8)) } catch { throw .format(error) }
                size += (try? FileManager.default.attributesOfItem(atPath: p)[.size] as? Int) ?? 0
            }
            digest = combined.finalizeHex()
            quantization = "safetensors"
        } else {
            let gguf: GGUFFile
            do {
                gguf = try GGUFFile(path: path)
                if let sha256 { digest = sha256 } else { digest = try SHA256.hexDigest(ofFile: path, progress: hashProgress) }
            } catch { throw .format(error) }
            size = gguf.fileSize
            architecture = gguf.metadata["general.architecture"]?.string ?? architecture
            license = gguf.metadata["general.license"]?.string
            if let t = gguf.metadata["general.file_type"]?.int, let n = fileTypes[t] {
                quantization = n
            } else {
                var bytes: [String: Int] = [:]
                for t in gguf.tensors { bytes[t.type.name, default: 0] += t.byteCount }
                quantization = bytes.max { $0.value < $1.value }?.key ?? "?"
            }
        }
        return ModelManifest(name: name, file: file, sha256: digest, size: size, architecture: architecture,
                             quantization: quantization, contextLength: config.contextLength, license: license,
                             modified: ISO8601DateFormatter().string(from: Date()), source: path)
    }
}
