import ArgumentParser
import BoraEngine
import BoraFormats
import BoraModels

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a GGUF file's architecture, hyperparameters, tokenizer, metadata and tensors.",
        discussion: """
        Examples:
          bora inspect models/SmolLM2-135M-Instruct.Q4_1.gguf
          bora inspect model.gguf --kv-cache 4096,32768
        """)

    @Argument(help: "A GGUF file (or, with --kv-cache, a checkpoint directory).") var file: String
    @Option(name: .customLong("kv-cache"), help: "Instead, print the KV-cache bytes at these sequence lengths (comma-separated), with the model's window and without.")
    var kvCache: String?
    @OptionGroup var cache: CacheOptions
    @Option(name: .customLong("sliding-window"), help: "With --kv-cache: the window to assume instead of the model's.")
    var slidingWindow: Int?

    func run() throws {
        if let kvCache {
            return try reportingErrors { try printCacheSizes(kvCache) }
        }
        try reportingErrors {
            let file = try ModelStore().resolve(self.file)
            let gguf = try GGUFFile(path: file)
            print("file: \(file)")
            print("GGUF version \(gguf.version), \(gguf.fileSize) bytes, \(gguf.tensors.count) tensors, alignment \(gguf.alignment)")
            let arch = gguf.metadata["general.architecture"]?.string ?? "(none)"
            print("architecture: \(arch)")
            if let name = gguf.metadata["general.name"]?.string { print("name: \(name)") }
            if gguf.tensors.isEmpty {
                print("(vocabulary only: no weights)")
            } else if let config = try? DecoderConfig(gguf: gguf) {
                print("family: \(config.architecture) (\(config.family?.models ?? "?"))")
                print("  traits: \(config.traits.summary)")
                print("hyperparameters:")
                for line in config.summaryLines { print("  " + line) }
                let params = gguf.tensors.reduce(0) { $0 + $1.elementCount }
                let bytes = gguf.tensors.reduce(0) { $0 + $1.byteCount }
                print("  parameters: \(params), weight bytes: \(bytes) (\(String(format: "%.2f", Double(bytes) * 8 / Double(max(params, 1)))) bits per weight)")
            }
            print("tokenizer:")
            print("  model: \(gguf.metadata["tokenizer.ggml.model"]?.string ?? "(none)"), pre: \(gguf.metadata["tokenizer.ggml.pre"]?.string ?? "(none)")")
            print("  tokens: \(gguf.metadata["tokenizer.ggml.tokens"]?.array?.count ?? 0), merges: \(gguf.metadata["tokenizer.ggml.merges"]?.array?.count ?? 0)")
            for key in ["bos_token_id", "eos_token_id", "unknown_token_id", "padding_token_id", "add_bos_token", "add_eos_token"] {
                if let v = gguf.metadata["tokenizer.ggml." + key] { print("  \(key): \(v.summary())") }
            }
            if let t = gguf.metadata["tokenizer.chat_template"]?.string { print("  chat template: \(t.utf8.count) bytes") }
            print("metadata:")
            for key in gguf.metadataKeys {
                if let v = gguf.metadata[key] { print("  \(key) = \(v.summary())") }
            }
            print("tensors:")
            for t in gguf.tensors {
                print("  \(t.name)  \(t.type)  [\(t.shape.map(String.init).joined(separator: ", "))]")
            }
        }
    }
}

extension Inspect {
    /// KV-cache bytes (keys and values of --cache-type, F16 by default) against sequence length, with the
    /// window and without.
    func printCacheSizes(_ lengths: String) throws {
        var config = try DecoderConfig(path: try ModelStore().resolve(file))
        if let slidingWindow { config.setSlidingWindow(slidingWindow) }
        let windows = config.slidingWindows
        let label = Set(windows).count == 1 ? (windows.first ?? 0 > 0 ? "window \(windows[0])" : "no window") : "per-layer windows \(windows)"
        let kind = cache.cacheType.rawValue.uppercased()
        let latent = config.latentAttention != nil
        let perToken = KVCache.bytes(kvDim: config.kvDim, windows: [Int](repeating: 0, count: config.blockCount), positions: 1,
                                     type: cache.cacheType, valuesAreKeys: latent)
        print("per token, all layers: \(perToken) bytes (\(latent ? "latent attention: one row of kv_lora_rank + rope (\(config.kvDim)) per layer, keys and values alike" : "keys and values, \(config.headCountKV) KV heads of \(config.headDim)") in \(kind))")
        print("| tokens | \(kind) KV cache, \(label) | \(kind) KV cache, no window |")
        print("|---|---|---|")
        for n in try parseTokenIds(lengths) {
            let with = KVCache.bytes(kvDim: config.kvDim, windows: windows, positions: n, type: cache.cacheType, valuesAreKeys: latent)
            let without = KVCache.bytes(kvDim: config.kvDim, windows: [Int](repeating: 0, count: config.blockCount), positions: n,
                                        type: cache.cacheType, valuesAreKeys: latent)
            print("| \(n) | \(mebibytes(with)) | \(mebibytes(without)) |")
        }
    }

    func mebibytes(_ b: Int) -> String { String(format: "%.1f MiB", Double(b) / 1_048_576) }
}
