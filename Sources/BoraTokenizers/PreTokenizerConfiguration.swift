/// Which split a byte-level BPE vocabulary applies before merging, and the llama.cpp flags that come with
/// its `tokenizer.ggml.pre` name. Port of the `tokenizer_pre` table in llama.cpp `llama_vocab::impl::load`
/// (src/llama-vocab.cpp); the regexes each kind stands for are in the `PreTokenizer+*.swift` files.
struct PreTokenizerConfiguration: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// llama.cpp's default set: punctuation runs, GPT-2, number runs, ASCII digit triples.
        case standard
        /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)`
        case gpt2
        /// Each `\p{N}` on its own, then GPT-2 (StarCoder, SmolLM).
        case digitsThenGPT2
        /// `(?i:'s|...)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
        case llama3
        /// As `llama3` with `\p{N}` instead of `\p{N}{1,3}`.
        case qwen2
        /// Mistral Tekken: letter runs split at case changes, single digits.
        case tekken
    }

    var kind: Kind
    /// llama.cpp `clean_spaces` (HF `clean_up_tokenization_spaces`), applied by `decode`.
    var cleanSpaces = true
    /// llama.cpp `ignore_merges`: a pre-token that is itself a token is emitted whole.
    var ignoreMerges = false
    /// llama.cpp's `add_bos` default for this pre-tokenizer, before `tokenizer.ggml.add_bos_token`.
    var addsBos = false
    /// llama.cpp drops the BOS token for ChatGLM vocabularies.
    var hasNoBos = false

    /// The configuration for `tokenizer.ggml.pre`; names llama.cpp does not know fall back to GPT-2.
    init(pre: String?) {
        switch pre ?? "" {
        case "", "default":
            kind = .standard
        case "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
            "jina-v5-nano":
            kind = .llama3
            ignoreMerges = true
            addsBos = true
        case "dbrx", "smaug-bpe":
            kind = .llama3
        case "chatglm-bpe":
            kind = .llama3
            hasNoBos = true
        case "glm4", "glm5":
            kind = .llama3
            hasNoBos = true
            ignoreMerges = true
        case "qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "hunyuan", "solar-open":
            kind = .qwen2
            cleanSpaces = false
        case "megrez", "stablelm2":
            kind = .qwen2
        case "smollm", "command-r":
            kind = .digitsThenGPT2
            cleanSpaces = false
        case "starcoder", "refact", "codeshell", "exaone", "minerva-7b", "mellum2":
            kind = .digitsThenGPT2
        case "trillion", "granite-docling":
            kind = .gpt2
            cleanSpaces = false
        case "tekken":
            kind = .tekken
            cleanSpaces = false
            ignoreMerges = true
            addsBos = true
        default:
            // "gpt-2", "phi-2", "mpt", "olmo", "jais", "exaone4", "roberta-bpe", ... and unknown names.
            kind = .gpt2
        }
    }
}
