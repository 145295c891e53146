import BoraFormats
import BoraKernels
import Foundation

/// `bora quantize`: rewrites a GGUF model with its weights in another type, keeping every metadata key
/// (with `general.file_type` and `general.quantization_version` set, as llama.cpp does) and the tensor order.
/// Source tensors are dequantized to f32 (bit-exact reference dequantization) and quantized with
/// `Quantize`'s ports of ggml's reference quantizers; tensors whose type does not change are copied byte
/// for byte. The output appears only when complete (`GGUFFileWriter`).
public enum ModelQuantizer {
    /// One progress report: after tensor `done` of `total` (1-based), with the bytes written so far.
    public struct Progress: Sendable {
        public var done: Int
        public var total: Int
        public var tensor: String
        public var type: GGMLType
        public var bytesWritten: Int
    }

    public struct Summary: Sendable {
        /// Target type per tensor name, in file order.
        public var types: [(name: String, type: GGMLType)]
        public var inputBytes: Int
        public var outputBytes: Int
    }

    /// ggml's GGML_QNT_VERSION, written as `general.quantization_version`.
    static let quantizationVersion: UInt32 = 2

    /// The tensor plan of `file` for `target`.
    public static func plan(_ file: GGUFFile, target: QuantizeTarget) throws(ConversionError) -> [QuantizationRecipe.Tensor] {
        let arch = file.metadata["general.architecture"]?.string ?? "llama"
        let blocks = file.metadata[arch + ".block_count"]?.int ?? 0
        let experts = file.metadata[arch + ".expert_count"]?.int ?? 0
        let tensors = file.tensors.map { QuantizationRecipe.Tensor(name: $0.name, shape: $0.shape, type: $0.type) }
        let types = try QuantizationRecipe.types(for: tensors, target: target, blockCount: blocks, expertCount: experts)
        return zip(tensors, types).map { QuantizationRecipe.Tensor(name: $0.name, shape: $0.shape, type: $1) }
    }

    /// Quantizes `input` into `output`. Refuses an existing `output` unless `overwrite`.
    public static func quantize(
        input: String, output: String, target: QuantizeTarget, threads: Int = 1, overwrite: Bool = false,
        progress: (Progress) -> Void = { _ in }
    ) throws -> Summary {
        if !overwrite && FileManager.default.fileExists(atPath: output) { throw ConversionError.outputExists(path: output) }
        let file = try GGUFFile(path: input)
        if let a = realPath(input), let b = realPath(output), a == b { throw ConversionError.sameFile(path: output) }
        let plan = try plan(file, target: target)

        var metadata = file.metadataKeys.compactMap { k in file.metadata[k].map { (k, $0) } }
        func set(_ key: String, _ v: GGUFValue) {
            if let i = metadata.firstIndex(where: { $0.0 == key }) { metadata[i].1 = v } else { metadata.append((key, v)) }
        }
        set("general.quantization_version", .uint32(quantizationVersion))
        set("general.file_type", .uint32(target.fileType))

        let infos = plan.map { GGUFFileWriter.TensorInfo(name: $0.name, shape: $0.shape, type: $0.type) }
        let writer = try GGUFFileWriter(path: output, metadata: metadata, tensors: infos, alignment: file.alignment)

        let maxElements = file.tensors.map(\.elementCount).max() ?? 0
        let pool = ThreadPool(threads: threads)
        var floats = [Float](repeating: 0, count: maxElements)
        var bytes = [UInt8](repeating: 0, count: maxElements * 4)
        var written = 0
        for (i, (source, dest)) in zip(file.tensors, plan).enumerated() {
            let src = file.data(for: source)
            let count = source.elementCount
            if source.type == dest.type {
                try writer.writeTensor(UnsafeRawBufferPointer(start: src, count: source.byteCount))
                written += source.byteCount
            } else {
                let outBytes = infos[i].byteCount
                floats.withUnsafeMutableBufferPointer { f in
                    let fp = f.baseAddress.unsafelyUnwrapped
                    let blockElems = source.type.blockSize
                    // dequantize in parallel over whole blocks (rows of a source are whole blocks)
                    pool.parallelFor(count / blockElems, granularity: 256 / blockElems) { r in
                        Quant.dequantize(source.type, src + r.lowerBound * source.type.blockBytes,
                                         fp + r.lowerBound * blockElems, count: r.count * blockElems)
                    }
                    bytes.withUnsafeMutableBytes { b in
                        Quantize.quantizeRows(dest.type, fp, b.baseAddress.unsafelyUnwrapped,
                                              rows: count / dest.shape[0], cols: dest.shape[0], pool: pool)
                    }
                }
                try bytes.withUnsafeBytes { try writer.writeTensor(UnsafeRawBufferPointer(rebasing: $0[0..<outBytes])) }
                written += outBytes
            }
            progress(Progress(done: i + 1, total: plan.count, tensor: dest.name, type: dest.type, bytesWritten: written))
        }
        try writer.commit()
        let attributes = try? FileManager.default.attributesOfItem(atPath: output)
        return Summary(types: plan.map { ($0.name, $0.type) }, inputBytes: file.fileSize,
                       outputBytes: attributes?[.size] as? Int ?? 0)
    }

    static func realPath(_ p: String) -> String? {
        guard let r = realpath(p, nil) else { return nil }
        defer { free(r) }
        return String(cString: r)
    }
}
