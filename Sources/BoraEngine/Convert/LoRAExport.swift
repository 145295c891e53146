import BoraFormats
import BoraKernels
import BoraModels
import Foundation

/// `bora export-lora`: a GGUF model with LoRA adapters merged into it, for engines (or runs) that should
/// not apply the adapter themselves. Adapted matrices are written as F32 (W + scale * alpha/rank * B A,
/// computed as `DecoderModel` merges them at load); every other tensor and all metadata are copied as they
/// are. Written to a temporary name and renamed: a failed export leaves nothing.
public enum LoRAExport {
    public static func export(base: String, adapters: [ScaledAdapter], output: String, overwrite: Bool = false) throws -> Int {
        if !overwrite && FileManager.default.fileExists(atPath: output) { throw ConversionError.outputExists(path: output) }
        if let a = ModelQuantizer.realPath(base), let b = ModelQuantizer.realPath(output), a == b { throw ConversionError.sameFile(path: output) }
        guard !adapters.isEmpty else { throw ConversionError.badTensorName(tensor: "-", reason: "no adapter given: pass at least one --lora") }
        let file = try GGUFFile(path: base)
        let model = try DecoderModel(gguf: file, adapters: adapters)

        // The merged matrices, by their tensor names in the base file.
        var merged: [String: WeightMatrix] = [:]
        for sa in adapters {
            for (l, targets) in sa.adapter.factors {
                for target in targets.keys {
                    let m = try model.weights.layers[l].matrix(target, adapter: sa.adapter.path)
                    merged[m.name] = m
                }
            }
        }
        let infos = file.tensors.map { t in
            GGUFFileWriter.TensorInfo(name: t.name, shape: t.shape, type: merged[t.name] == nil ? t.type : .f32)
        }
        let metadata = file.metadataKeys.compactMap { k in file.metadata[k].map { (k, $0) } }
        // An uncommitted writer removes its temporary file when it goes away (a failed write).
        let writer = try GGUFFileWriter(path: output, metadata: metadata, tensors: infos, alignment: file.alignment)
        for t in file.tensors {
            if let m = merged[t.name] {
                try writer.writeTensor(UnsafeRawBufferPointer(start: m.data, count: m.rows * m.rowBytes))
            } else {
                try writer.writeTensor(UnsafeRawBufferPointer(start: file.data(for: t), count: t.byteCount))
            }
        }
        try writer.commit()
        return merged.count
    }
}
