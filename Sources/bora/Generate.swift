import ArgumentParser
import BoraEngine
import BoraModels

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Continue a raw text prompt (no chat template), streaming the text to stdout.",
        discussion: """
        Examples:
          bora generate -m smollm2 -p "Once upon a time" -n 64 --temperature 0
          bora generate -m model.gguf -p "Why is the sky blue?" --chat --json
        """)

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var adapterOptions: AdapterOptions
    @Option(name: [.customLong("prompt"), .customShort("p")], help: "The prompt text. Special-token text such as <|im_start|> becomes the special token.")
    var prompt: String?
    @Option(name: .customLong("prompt-tokens"), help: "The prompt as comma-separated token ids, instead of --prompt.")
    var promptTokens: String?
    @Option(name: [.customLong("max-tokens"), .customShort("n")], help: "Most tokens to generate.")
    var maxTokens: Int = 256
    @Option(help: "Context size in tokens (default: prompt plus --max-tokens, at most the model's).")
    var context: Int?
    @Flag(help: "Wrap the prompt as a user turn in the model's chat format (Mistral's instruct encoding for Mistral tokenizers, else the model's chat template).")
    var chat = false
    @Option(name: .customLong("sliding-window"), help: "Attention window in tokens, overriding the model's (0: none). Converted Mistral 7B v0.1 GGUFs need 4096.")
    var slidingWindow: Int?
    @OptionGroup var sampling: SamplingOptions
    @OptionGroup var threads: ThreadOptions
    @OptionGroup var cache: CacheOptions
    @Flag(help: "Print one JSON object at the end instead of streaming text.")
    var json = false
    @Option(name: .customLong("grammar"), help: "Constrain the output to a GBNF grammar file (docs/grammar.md).")
    var grammarFile: String?
    @Option(name: .customLong("json-schema"), help: "Constrain the output to JSON valid against this JSON Schema file.")
    var schemaFile: String?
    @Flag(name: .customLong("json-object"), help: "Constrain the output to a JSON object.")
    var jsonObject = false

    func validate() throws {
        guard maxTokens >= 0 else { throw ValidationError("--max-tokens must be 0 or more, got \(maxTokens)") }
        if let context, context < 1 { throw ValidationError("--context must be at least 1, got \(context)") }
        if (prompt == nil) == (promptTokens == nil) { throw ValidationError("give the prompt as --prompt TEXT or as --prompt-tokens 1,2,3 (one of the two)") }
        if chat, promptTokens != nil { throw ValidationError("--chat wraps a text prompt: use it with --prompt, not --prompt-tokens") }
        if [grammarFile != nil, schemaFile != nil, jsonObject].filter({ $0 }).count > 1 {
            throw ValidationError("give at most one of --grammar, --json-schema and --json-object")
        }
        if let slidingWindow, slidingWindow < 0 { throw ValidationError("--sliding-window must be 0 (none) or positive, got \(slidingWindow)") }
    }

    func run() throws {
        try reportingErrors {
            let output = try OutputConstraint.load(grammarFile: grammarFile, schemaFile: schemaFile, jsonObject: jsonObject)
            let grammar = try output?.grammar()
            let loaded = try LoadedModel(path: try modelOptions.path(), slidingWindow: slidingWindow, adapters: try adapterOptions.adapters()).noting()
            let prompt: [Int]
            if let promptTokens {
                prompt = try parseTokenIds(promptTokens)
            } else if chat {
                prompt = try loaded.requireBundle().encodeUserPrompt(self.prompt ?? "")
            } else {
                prompt = try loaded.tokenize(self.prompt ?? "")
            }
            let capacity = context ?? prompt.count + maxTokens
            try checkMemory(loaded, positions: capacity, cacheType: cache.cacheType)
            let session = DecoderSession(model: loaded.model, contextLength: capacity, threads: threads.count,
                                         cacheType: cache.cacheType)
            let generator = Generator(loaded: loaded, session: session)
            var constraint: TokenConstraint?
            if let grammar { constraint = try loaded.constraint(for: grammar) }
            let result = try generator.generate(prompt: prompt, maxTokens: maxTokens, sampling: sampling.parameters,
                                                constraint: constraint) { piece, _ in
                if !json, !piece.isEmpty { emit(piece) }
                return .proceed
            }.result
            if json {
                print(try BoraCLI.json(result))
            } else {
                emit("\n")
            }
        }
    }
}

/// Namespace for helpers whose names clash with option properties.
enum BoraCLI {
    static func json<T: Encodable>(_ value: T) throws -> String { try bora.json(value) }
}
