/// How one family's decoder block differs from Llama's, declared once per family (`Architecture.traits`)
/// and read by the one decoder (`DecoderSession`). Per-model numbers (RoPE bases, windows, scales) live in
/// `DecoderConfig`; these are the shape of the computation.
public struct DecoderTraits: Codable, Sendable, Equatable {
    /// Where the RMSNorms sit in a block.
    public enum NormPlacement: String, Codable, Sendable {
        /// Llama: norm before attention and before the feed-forward.
        case pre
        /// Gemma 2/3: also a norm on the attention output and on the feed-forward output, before each
        /// residual add (`post_attention_layernorm`, `post_feedforward_layernorm`).
        case sandwich
    }

    /// How a Hugging Face checkpoint stores RMSNorm weights. GGUF files store the effective weight
    /// (llama.cpp's converter adds the 1), so the decoder always multiplies by the loaded vector.
    public enum NormForm: String, Codable, Sendable {
        case weight
        /// Gemma: the norm multiplies by (1 + w).
        case onePlusWeight
    }

    /// The gate's activation in the gated feed-forward down(act(gate x) * up x).
    public enum Activation: String, Codable, Sendable {
        /// SwiGLU: x * sigmoid(x).
        case silu
        /// GeGLU with the tanh approximation of GELU (`gelu_pytorch_tanh`, ggml's `gelu`).
        case geluTanh
    }

    public var normPlacement: NormPlacement
    public var normForm: NormForm
    public var activation: Activation
    /// Biases on the q, k and v projections (Qwen 2).
    public var qkvBias: Bool
    /// RMSNorm over each head of q and k before RoPE (Qwen 3, Gemma 3).
    public var qkNorm: Bool
    /// Embeddings multiplied by sqrt(embedding length) (Gemma).
    public var scaleEmbedding: Bool

    public init(normPlacement: NormPlacement = .pre, normForm: NormForm = .weight, activation: Activation = .silu,
                qkvBias: Bool = false, qkNorm: Bool = false, scaleEmbedding: Bool = false) {
        self.normPlacement = normPlacement
        self.normForm = normForm
        self.activation = activation
        self.qkvBias = qkvBias
        self.qkNorm = qkNorm
        self.scaleEmbedding = scaleEmbedding
    }

    /// Llama, Mistral, Mixtral: pre-norm, SwiGLU, no biases.
    public static let llama = DecoderTraits()

    /// One line for `inspect`.
    public var summary: String {
        var parts = ["norms \(normPlacement.rawValue)\(normForm == .onePlusWeight ? " (1 + w)" : "")",
                     activation == .silu ? "SwiGLU" : "GeGLU (tanh GELU)"]
        if qkvBias { parts.append("q/k/v biases") }
        if qkNorm { parts.append("QK-norm") }
        if scaleEmbedding { parts.append("embeddings x sqrt(width)") }
        return parts.joined(separator: ", ")
    }
}
