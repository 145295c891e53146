import BoraFormats
import BoraKernels
import BoraModels
import Foundation

/// Deterministic pseudo-random floats (SplitMix64 → uniform in [-scale, scale]).
struct SeededFloats {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next(_ scale: Float) -> Float {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return (Float(z >> 40) / Float(1 << 24) * 2 - 1) * scale
    }
    mutating func array(_ n: Int, _ scale: Float) -> [Float] { (0..<n).map { _ in next(scale) } }
}

/// A tiny random Llama GGUF (F32 weights), written to a temporary file.
func tinyLlamaFile(vocab: Int = 64, embedding: Int = 32, layers: Int = 2, ffn: Int = 64, heads: Int = 4,
                   kvHeads: Int = 2, tied: Bool = false, seed: UInt64 = 1, window: Int? = nil,
                   experts: Int = 0, perToken: Int = 2, stackedExperts: Bool = true, extra: (inout GGUFWriter) -> Void = { _ in }) throws -> String {
    var r = SeededFloats(seed: seed)
    var w = GGUFWriter()
    w.set("general.architecture", .string("llama"))
    w.set("llama.embedding_length", .uint32(UInt32(embedding)))
    w.set("llama.block_count", .uint32(UInt32(layers)))
    w.set("llama.feed_forward_length", .uint32(UInt32(ffn)))
    w.set("llama.attention.head_count", .uint32(UInt32(heads)))
    w.set("llama.attention.head_count_kv", .uint32(UInt32(kvHeads)))
    w.set("llama.rope.freq_base", .float32(10000))
    w.set("llama.attention.layer_norm_rms_epsilon", .float32(1e-5))
    w.set("llama.context_length", .uint32(256))
    w.set("llama.vocab_size", .uint32(UInt32(vocab)))
    if let window { w.set("llama.attention.sliding_window", .uint32(UInt32(window))) }
    if experts > 0 {
        w.set("llama.expert_count", .uint32(UInt32(experts)))
        w.set("llama.expert_used_count", .uint32(UInt32(perToken)))
    }
    let hd = embedding / heads
    w.addF32("token_embd.weight", shape: [embedding, vocab], r.array(vocab * embedding, 1))
    for l in 0..<layers {
        let p = "blk.\(l)."
        w.addF32(p + "attn_norm.weight", shape: [embedding], r.array(embedding, 0.5).map { 1 + $0 })
        w.addF32(p + "attn_q.weight", shape: [embedding, heads * hd], r.array(embedding * heads * hd, 0.3))
        w.addF32(p + "attn_k.weight", shape: [embedding, kvHeads * hd], r.array(embedding * kvHeads * hd, 0.3))
        w.addF32(p + "attn_v.weight", shape: [embedding, kvHeads * hd], r.array(embedding * kvHeads * hd, 0.3))
        w.addF32(p + "attn_output.weight", shape: [heads * hd, embedding], r.array(embedding * heads * hd, 0.3))
        w.addF32(p + "ffn_norm.weight", shape: [embedding], r.array(embedding, 0.5).map { 1 + $0 })
        if experts == 0 {
            w.addF32(p + "ffn_gate.weight", shape: [embedding, ffn], r.array(embedding * ffn, 0.3))
            w.addF32(p + "ffn_up.weight", shape: [embedding, ffn], r.array(embedding * ffn, 0.3))
            w.addF32(p + "ffn_down.weight", shape: [ffn, embedding], r.array(embedding * ffn, 0.3))
        } else {
            w.addF32(p + "ffn_gate_inp.weight", shape: [embedding, experts], r.array(embedding * experts, 1))
            if stackedExperts {
                w.addF32(p + "ffn_gate_exps.weight", shape: [embedding, ffn, experts], r.array(embedding * ffn * experts, 0.3))
                w.addF32(p + "ffn_up_exps.weight", shape: [embedding, ffn, experts], r.array(embedding * ffn * experts, 0.3))
                w.addF32(p + "ffn_down_exps.weight", shape: [ffn, embedding, experts], r.array(embedding * ffn * experts, 0.3))
            } else {
                for x in 0..<experts {
                    w.addF32(p + "ffn_gate.\(x).weight", shape: [embedding, ffn], r.array(embedding * ffn, 0.3))
                    w.addF32(p + "ffn_up.\(x).weight", shape: [embedding, ffn], r.array(embedding * ffn, 0.3))
                    w.addF32(p + "ffn_down.\(x).weight", shape: [ffn, embedding], r.array(embedding * ffn, 0.3))
                }
            }
        }
    }
    w.addF32("output_norm.weight", shape: [embedding], r.array(embedding, 0.5).map { 1 + $0 })
    if !tied { w.addF32("output.weight", shape: [embedding, vocab], r.array(vocab * embedding, 0.5)) }
    extra(&w)
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bora-models-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent("tiny.gguf")
    try Data(w.serialize()).write(to: url)
    return url.path
}
