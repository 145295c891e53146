import BoraFormats
import BoraKernels
import BoraModels
import Foundation

/// `bora convert`: a Hugging Face (config.json + safetensors, single or sharded) or Mistral-native
/// (params.json + consolidated.safetensors) checkpoint of any family in `ArchitectureRegistry` to a GGUF
/// file that llama.cpp loads: the family's metadata keys and tensor names, Q/K rows permuted from Hugging
/// Face's halves RoPE layout to adjacent pairs for the families whose GGUF files use them (Mistral-native
/// checkpoints are already in adjacent pairs), experts stacked into `ffn_*_exps`, 1-D tensors in F32, and
/// the tokenizer and chat template carried over.
/// The checkpoint is read through `DecoderModel` (so it converts exactly what Bora runs) and the output
/// appears only when complete (`GGUFFileWriter`).
public enum CheckpointConverter {
    public struct Summary: Sendable {
        public var tensorCount: Int
        public var outputBytes: Int
        /// The tokenizer file carried over and its GGUF model ("llama" or "gpt2"); nil when the directory has none.
        public var tokenizerFile: String?
        public var tokenizerModel: String?
        public var hasChatTemplate: Bool
    }

    public static func convert(
        directory: String, output: String, target: ConvertTarget, threads: Int = 1, overwrite: Bool = false,
        progress: (ModelQuantizer.Progress) -> Void = { _ in }
    ) throws -> Summary {
        if !overwrite && FileManager.default.fileExists(atPath: output) { throw ConversionError.outputExists(path: output) }
        try checkCheckpoint(directory)
        let model = try DecoderModel(path: directory)
        let name = URL(fileURLWithPath: directory).standardizedFileURL.lastPathComponent
        var metadata = try GGUFModelMetadata.keys(model.config, name: name, target: target, path: directory)
        let tokenizer = try TokenizerGGUFMetadata.keys(directory: directory, vocabularySize: model.config.vocabularySize)
        metadata += tokenizer?.keys ?? []

        let plan = ConvertedTensor.plan(model, target: target)
        let infos = plan.map { GGUFFileWriter.TensorInfo(name: $0.name, shape: $0.shape, type: $0.type) }
        let writer = try GGUFFileWriter(path: output, metadata: metadata, tensors: infos)
        let maxElements = plan.map(\.elementCount).max() ?? 0
        let pool = ThreadPool(threads: threads)
        var floats = [Float](repeating: 0, count: maxElements)
        var bytes = [UInt8](repeating: 0, count: maxElements * 4)
        var written = 0
        for (i, t) in plan.enumerated() {
            let outBytes = infos[i].byteCount
            floats.withUnsafeMutableBufferPointer { f in
                let fp = f.baseAddress.unsafelyUnwrapped
                t.values(into: fp, pool: pool)
                bytes.withUnsafeMutableBytes { b in
                    Quantize.quantizeRows(t.type, fp, b.baseAddress.unsafelyUnwrapped,
                                          rows: t.elementCount / t.shape[0], cols: t.shape[0], pool: pool)
                }
            }
            try bytes.withUnsafeBytes { try writer.writeTensor(UnsafeRawBufferPointer(rebasing: $0[0..<outBytes])) }
            written += outBytes
            progress(ModelQuantizer.Progress(done: i + 1, total: plan.count, tensor: t.name, type: t.type, bytesWritten: written))
        }
        try writer.commit()
        let attributes = try? FileManager.default.attributesOfItem(atPath: output)
        return Summary(tensorCount: plan.count, outputBytes: attributes?[.size] as? Int ?? 0,
                       tokenizerFile: tokenizer?.file, tokenizerModel: tokenizer?.model,
                       hasChatTemplate: metadata.contains { $0.0 == "tokenizer.chat_template" })
    }

    /// Throws unless `path` is a directory with config.json (of a supported model_type) or params.json.
    static func checkCheckpoint(_ path: String) throws(ConversionError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .notACheckpoint(path: path, reason: "no such file or directory")
        }
        guard isDirectory.boolValue else {
            throw .notACheckpoint(path: path, reason: path.hasSuffix(".gguf")
                ? "it is a GGUF file already (use `bora quantize` to change its type)" : "it is a file, not a directory")
        }
        let dir = URL(fileURLWithPath: path)
        let hf = dir.appendingPathComponent("config.json").path
        if let data = FileManager.default.contents(atPath: hf) {
            let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
            let classes = json?["architectures"] as? [String] ?? []
            let type = json?["model_type"] as? String
            if type != nil || !classes.isEmpty, ArchitectureRegistry.huggingFace(modelType: type, classes: classes) == nil {
                let what = [type.map { "model_type '\($0)'" }, classes.first].compactMap { $0 }.joined(separator: ", ")
                throw .unsupportedCheckpoint(path: path, reason: "its config.json has \(what); supported: \(ArchitectureRegistry.supported)")
            }
            return
        }
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("params.json").path) else {
            throw .notACheckpoint(path: path, reason: "it has neither config.json nor params.json")
        }
    }
}
