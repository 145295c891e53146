import BoraKernels

/// Which type each tensor gets: a port of llama.cpp's per-tensor choice (llama-quant.cpp
/// `llama_model_quantize_impl` and `llama_tensor_get_type`, not `pure`, no importance matrix) for the
/// targets of `QuantizeTarget`:
/// - only tensors named `*weight` with 2+ dimensions are quantized, never norms, MoE router
///   (`ffn_gate_inp`), position or token-type embeddings; the others keep their type and bytes;
/// - the output matrix (or the token embedding when it is tied) gets Q6_K, or Q8_0 when its rows are not
///   a whole number of the default type's blocks (SmolLM2's 576);
/// - Q4_K_M / Q5_K_M: `attn_v` and `ffn_down` get Q6_K in the layers `useMoreBits` picks; the counters
///   run over the tensors in llama.cpp's order (its `weight_name_comparer`: by block number, tensors
///   outside blocks first, then by name);
/// - 8-expert models: `attn_v` and `attn_k` get Q8_0, and Q4_K_M's `attn_output` Q5_K;
/// - K types whose rows are not a multiple of 256 fall back (Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0,
///   then F16 if even that does not fit); the 32-element types have no fallback: an error.
/// Not ported: the 70B-specific `attn_v` bump (llama.cpp keys it on the model size class).
public enum QuantizationRecipe {
    public struct Tensor: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        public var type: GGMLType
        public init(name: String, shape: [Int], type: GGMLType) { self.name = name; self.shape = shape; self.type = type }
    }

    /// The target type of each tensor, in the order given. Throws when a tensor's rows do not fit the
    /// chosen type and there is no fallback.
    public static func types(
        for tensors: [Tensor], target: QuantizeTarget, blockCount: Int, expertCount: Int
    ) throws(ConversionError) -> [GGMLType] {
        let hasOutput = tensors.contains { $0.name == "output.weight" }
        let attentionV = tensors.filter { ["attn_v.weight", "attn_qkv.weight", "attn_kv_b.weight"].contains(where: $0.name.contains) }.count
        var counters = Counters(attentionV: attentionV, blockCount: blockCount, expertCount: expertCount)
        var result = tensors.map(\.type)
        let order = tensors.indices.sorted { llamaCppPrecedes(tensors[$0].name, tensors[$1].name) }
        for i in order {
            let t = tensors[i]
            guard isQuantizable(t) else { continue }
            var type = target.defaultType
            if type.blockSize > 1 {  // a block type: the mixed-precision rules and fallbacks apply
                type = try choose(t, target: target, hasOutput: hasOutput, counters: &counters)
            }
            result[i] = type
        }
        return result
    }

    /// llama.cpp's filter of the tensors it quantizes.
    static func isQuantizable(_ t: Tensor) -> Bool {
        let skipped = ["_norm.weight", "ffn_gate_inp.weight", "ssm_conv1d.weight", "attn_rel_b.weight"]
        return t.name.hasSuffix("weight") && t.shape.count >= 2
            && !skipped.contains(where: t.name.contains)
            && t.name != "position_embd.weight" && t.name != "token_types.weight"
    }

    /// Layers that get more bits in the `_M` recipes: the first and last eighth and every third between.
    static func useMoreBits(_ layer: Int, _ layers: Int) -> Bool {
        layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2
    }

    struct Counters {
        var attentionV: Int
        var blockCount: Int
        var expertCount: Int
        var attentionVSeen = 0
        var ffnDownSeen = 0
    }

    static func choose(_ t: Tensor, target: QuantizeTarget, hasOutput: Bool, counters c: inout Counters) throws(ConversionError) -> GGMLType {
        let name = t.name
        let mixed = target == .q4_K_M || target == .q5_K_M
        var type = target.defaultType
        if name == "output.weight" || (!hasOutput && name == "token_embd.weight") {
            if t.shape[0] % type.blockSize != 0 { type = .q8_0 } else if type != .q8_0 { type = .q6_K }
        } else if name == "token_embd.weight" {
            // keeps the default type
        } else if name.contains("attn_v.weight") {
            if mixed && useMoreBits(c.attentionVSeen, c.attentionV) { type = .q6_K }
            if c.expertCount == 8 { type = .q8_0 }
            c.attentionVSeen += 1
        } else if name.contains("attn_k.weight") {
            if c.expertCount == 8 { type = .q8_0 }
        } else if name.contains("ffn_down") {
            var layer = c.ffnDownSeen
            if c.expertCount > 1 {
                guard let l = blockIndex(name), l < c.blockCount else {
                    throw .badTensorName(tensor: name, reason: "cannot tell its layer (expected blk.N. with N below \(c.blockCount))")
                }
                layer = l
            }
            if mixed && useMoreBits(layer, c.blockCount) { type = .q6_K }
            c.ffnDownSeen += 1
        } else if name.contains("attn_output.weight") {
            if c.expertCount == 8 && target == .q4_K_M { type = .q5_K }
        } else if name.contains("attn_qkv.weight") {
            if target == .q4_K_M { type = .q5_K } else if target == .q5_K_M { type = .q6_K }
        }
        let columns = t.shape[0]
        if columns % type.blockSize != 0 {
            switch type {
            case .q4_K: type = .q5_0
            case .q5_K: type = .q5_1
            case .q6_K: type = .q8_0
            default: throw .shapeNotAllowed(tensor: name, columns: columns, type: type, target: target)
            }
            if columns % type.blockSize != 0 { type = .f16 }
        }
        return type
    }

    /// llama.cpp's `weight_name_comparer`: block number first (-1 outside blocks), then the name's bytes.
    static func llamaCppPrecedes(_ a: String, _ b: String) -> Bool {
        let la = blockIndex(a) ?? -1, lb = blockIndex(b) ?? -1
        if la != lb { return la < lb }
        return Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8))
    }

    /// N of a "blk.N." tensor name.
    static func blockIndex(_ name: String) -> Int? {
        guard name.hasPrefix("blk.") else { return nil }
        return Int(name.dropFirst(4).prefix { $0 != "." })
    }
}
