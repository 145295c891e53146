import BoraFormats
import Foundation

extension Architecture {
    /// Qwen 2 and 2.5: Llama's block with biases on q, k and v (llama.cpp `qwen2`).
    public static let qwen2 = Architecture(
        name: "qwen2", models: "Qwen 2, Qwen 2.5",
        ggufNames: ["qwen2"],
        huggingFaceModelTypes: ["qwen2"],
        huggingFaceClasses: ["Qwen2ForCausalLM"],
        ggufRopeStyle: .halves,
        traits: DecoderTraits(qkvBias: true),
        readHuggingFace: { c, data, path throws(FormatError) in try QwenWindow.read(&c, data, path) })
}

/// Qwen's `use_sliding_window` (false in released configs, whose `sliding_window` is then unused) and
/// `max_window_layers` (layers from there on use the window), as transformers' Qwen2 and Qwen3 read them.
enum QwenWindow {
    struct Keys: Decodable {
        var useSlidingWindow: Bool?
        var maxWindowLayers: Int?
        var slidingWindow: Int?
        var layerTypes: [String]?
        enum CodingKeys: String, CodingKey {
            case useSlidingWindow = "use_sliding_window", maxWindowLayers = "max_window_layers", slidingWindow = "sliding_window"
            case layerTypes = "layer_types"
        }
    }

    static func read(_ c: inout DecoderConfig, _ data: Data, _ path: String) throws(FormatError) {
        let k = try DecoderConfig.decode(Keys.self, from: data, path: path)
        guard k.useSlidingWindow == true, let w = k.slidingWindow, k.layerTypes == nil else {
            if k.layerTypes == nil { c.setSlidingWindow(nil) }
            return
        }
        let from = k.maxWindowLayers ?? 0
        c.slidingWindows = (0..<c.blockCount).map { $0 >= from ? w : 0 }
    }
}
