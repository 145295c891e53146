import BoraFormats
import BoraKernels
import Foundation

/// A LoRA adapter: for some of a model's matrices W (rows x cols), low-rank factors A (rank x cols) and
/// B (rows x rank) such that the adapted matrix is W + scale * alpha/rank * B A. Read from PEFT's
/// `adapter_model.safetensors` + `adapter_config.json` (Hugging Face names, Q/K rows in the "halves"
/// RoPE layout) or llama.cpp's LoRA GGUF (`general.type` "adapter", `blk.N.NAME.weight.lora_a/lora_b`,
/// Q/K rows in pair order, as its base GGUFs).
public struct LoRAAdapter: Sendable {
    /// The matrices an adapter can change.
    public enum Target: String, Sendable, CaseIterable {
        case q, k, v, o, gate, up, down
    }

    public struct Factors: Sendable {
        public let rank: Int
        public let rows: Int
        public let cols: Int
        /// (rank, cols) row-major.
        public let a: [Float]
        /// (rows, rank) row-major.
        public let b: [Float]
    }

    public let path: String
    /// alpha / rank (rsLoRA: alpha / sqrt(rank)).
    public let scale: Float
    /// The RoPE layout its Q and K factors assume.
    public let ropeStyle: RopeStyle
    /// Keyed by layer, then target.
    public let factors: [Int: [Target: Factors]]

    /// A PEFT directory (or its `adapter_model.safetensors`, with `adapter_config.json` beside it), or a
    /// llama.cpp LoRA GGUF file.
    public init(path: String) throws(FormatError) {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        guard exists else { throw FormatError.cannotOpen(path: path, reason: "no such file or directory: give a PEFT adapter directory or a LoRA .gguf") }
        self.path = path
        if isDirectory.boolValue || path.hasSuffix(".safetensors") {
            let dir = isDirectory.boolValue ? path : (path as NSString).deletingLastPathComponent
            let file = isDirectory.boolValue ? (path as NSString).appendingPathComponent("adapter_model.safetensors") : path
            let config = try Self.peftConfig((dir as NSString).appendingPathComponent("adapter_config.json"))
            let store = try SafetensorsFile(path: file)
            ropeStyle = .halves
            (factors, scale) = try Self.read(store, config: config)
        } else {
            let gguf = try GGUFFile(path: path)
            guard (try? gguf.string("general.type")) == "adapter", (try? gguf.string("adapter.type")) == "lora" else {
                throw FormatError.invalid(path: path, what: "not a LoRA adapter: general.type is not \"adapter\" with adapter.type \"lora\" (give a PEFT adapter directory or a llama.cpp LoRA .gguf)")
            }
            ropeStyle = .adjacentPairs
            (factors, scale) = try Self.read(gguf, config: nil)
        }
    }

    struct PEFTConfig {
        var rank: Int
        var alpha: Double
        var rsLoRA: Bool
    }

    static func peftConfig(_ file: String) throws(FormatError) -> PEFTConfig {
        guard let data = FileManager.default.contents(atPath: file),
              let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw FormatError.cannotOpen(path: file, reason: "a PEFT adapter needs its adapter_config.json (JSON) next to adapter_model.safetensors")
        }
        if let type = json["peft_type"] as? String, type != "LORA" {
            throw FormatError.invalid(path: file, what: "peft_type is \(type); only LORA adapters are supported")
        }
        if json["use_dora"] as? Bool == true {
            throw FormatError.invalid(path: file, what: "DoRA adapters (use_dora) are not supported; use a plain LoRA adapter")
        }
        guard let rank = json["r"] as? Int, rank > 0 else { throw FormatError.missingKey(path: file, key: "r") }
        let alpha = (json["lora_alpha"] as? Double) ?? (json["lora_alpha"] as? Int).map(Double.init) ?? Double(rank)
        return PEFTConfig(rank: rank, alpha: alpha, rsLoRA: json["use_rslora"] as? Bool == true)
    }

    /// Pairs up the A and B tensors by (layer, target) and checks their shapes against each other.
    static func read(_ store: TensorStore, config: PEFTConfig?) throws(FormatError) -> ([Int: [Target: Factors]], Float) {
        var a: [String: TensorRef] = [:], b: [String: TensorRef] = [:]
        for name in store.tensorNames {
            guard let t = store.tensorRef(name) else { continue }
            if let key = Self.key(name, suffixes: ["lora_A.weight", "lora_a"]) { a[key] = t }
            else if let key = Self.key(name, suffixes: ["lora_B.weight", "lora_b"]) { b[key] = t }
        }
        guard !a.isEmpty else {
            throw FormatError.invalid(path: store.path, what: "no LoRA tensors (names ending in lora_A.weight / lora_a)")
        }
        var out: [Int: [Target: Factors]] = [:]
        var rank = 0
        for (key, ta) in a.sorted(by: { $0.key < $1.key }) {
            guard let tb = b[key] else { throw FormatError.missingTensor(path: store.path, tensor: key + " lora_B") }
            guard let (layer, target) = Self.target(key) else {
                throw FormatError.invalid(path: store.path, what: "LoRA tensor '\(key)' does not name a layer's q/k/v/o/gate/up/down projection (adapters on experts, embeddings or the output are not supported)")
            }
            // ggml order: A is [cols, rank], B is [rank, rows].
            guard ta.shape.count == 2, tb.shape.count == 2, ta.shape[1] == tb.shape[0] else {
                throw FormatError.badTensor(path: store.path, tensor: key, reason: "A \(ta.shape) and B \(tb.shape) do not share a rank (ggml order)")
            }
            let r = ta.shape[1], cols = ta.shape[0], rows = tb.shape[1]
            if rank == 0 { rank = r }
            out[layer, default: [:]][target] = Factors(rank: r, rows: rows, cols: cols, a: Self.floats(ta), b: Self.floats(tb))
        }
        let scale: Float
        if let config {
            guard config.rank == rank else {
                throw FormatError.invalid(path: store.path, what: "adapter_config.json says r = \(config.rank) but the tensors have rank \(rank)")
            }
            scale = Float(config.alpha / (config.rsLoRA ? Double(rank).squareRoot() : Double(rank)))
        } else {
            let alpha = (store as? GGUFFile)?.metadata["adapter.lora.alpha"]?.double ?? Double(rank)
            scale = Float(alpha) / Float(rank)
        }
        return (out, scale)
    }

    static func key(_ name: String, suffixes: [String]) -> String? {
        for s in suffixes where name.hasSuffix("." + s) { return String(name.dropLast(s.count + 1)) }
        return nil
    }

    /// "base_model.model.model.layers.3.self_attn.q_proj" or "blk.3.attn_q.weight" to (3, .q).
    static func target(_ key: String) -> (Int, Target)? {
        let parts = key.split(separator: ".").map(String.init)
        let names: [String: Target] = [
            "q_proj": .q, "k_proj": .k, "v_proj": .v, "o_proj": .o, "gate_proj": .gate, "up_proj": .up, "down_proj": .down,
            "attn_q": .q, "attn_k": .k, "attn_v": .v, "attn_output": .o, "ffn_gate": .gate, "ffn_up": .up, "ffn_down": .down,
        ]
        for (i, p) in parts.enumerated() where (p == "layers" || p == "blk") && i + 2 < parts.count {
            guard let layer = Int(parts[i + 1]) else { return nil }
            let rest = parts[(i + 2)...].filter { $0 != "self_attn" && $0 != "mlp" && $0 != "weight" }
            guard rest.count == 1, let t = names[rest[0]] else { return nil }
            return (layer, t)
        }
        return nil
    }

    static func floats(_ t: TensorRef) -> [Float] {
        let count = t.shape.reduce(1, *)
        return [Float](unsafeUninitializedCapacity: count) { buf, n in
            if let base = buf.baseAddress { Quant.dequantize(t.type, t.data, base, count: count) }
            n = count
        }
    }
}
