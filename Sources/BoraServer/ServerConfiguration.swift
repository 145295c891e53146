import BoraModels
import Foundation

/// How `bora serve` runs: where it listens, who may call it, and how much work it takes at once.
public struct ServerConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    /// When set, every route but `/health` needs `Authorization: Bearer <apiKey>`.
    public var apiKey: String?
    /// Sequences generated at once (continuous batching: each has its own KV cache, and every forward step
    /// decodes one token of each).
    public var parallel: Int = 1
    /// Requests that may wait for a slot; one more is answered 429.
    public var queueLimit: Int = 16
    /// Context window of each slot in tokens (prompt plus completion); nil: the model's, at most 8192.
    public var contextLength: Int?
    /// Threads of the forward steps (shared by all slots); nil: one per core.
    public var threads: Int?
    /// Element type of the sequences' KV caches.
    public var cacheType: KVCacheType = .f16
    /// Bytes of KV that finished sequences' caches may keep in host RAM for prefix reuse, beyond one cache
    /// per slot (`--cache-ram MIB`; 0: only the slots' own caches).
    public var cacheRAM: Int = ServerConfiguration.defaultCacheRAM
    public static let defaultCacheRAM = 1024 << 20
    /// LoRA adapters a request can choose by name (`"adapter": NAME`), applied at run time, unmerged.
    public var adapters: [String: ScaledAdapter] = [:]
    /// Logs each request's prompt and generated text (off by default: logs carry ids, sizes and timings only).
    public var logPrompts = false
    /// Largest request body accepted (413 beyond).
    public var maxBodyBytes: Int = 1 << 20
    /// Where a thinking model's thought goes (`--reasoning-format`); a request's `reasoning_format` wins.
    public var reasoningFormat: ReasoningFormat = .auto
    /// Most thought tokens per answer (`--reasoning-budget`; then the thought is closed); nil: no cap.
    public var reasoningBudget: Int?
    /// Tokens every generation emits first, whatever the logits (as far as a constraint allows them): the
    /// tests drive tiny random models into thoughts and tool calls with them. Not for serving.
    package var forcedTokens: [Int] = []

    public init() {}

    /// Checks ranges; the message names the option.
    public func validate() throws(APIError) {
        func bad(_ m: String) -> APIError { APIError(.internalServerError, m, type: "configuration_error") }
        guard (1...64).contains(parallel) else { throw bad("--parallel must be between 1 and 64, got \(parallel)") }
        guard queueLimit >= 0 else { throw bad("the queue limit must be 0 or more, got \(queueLimit)") }
        if let contextLength, contextLength < 16 { throw bad("--context must be at least 16 tokens, got \(contextLength)") }
        if let threads, threads < 1 { throw bad("--threads must be at least 1, got \(threads)") }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        if let threads, threads > cores {
            throw bad("--threads \(threads) is more than this machine's \(cores) cores: use at most \(cores) (more threads than cores slow the spinning thread pool down)")
        }
        guard (0...65535).contains(port) else { throw bad("--port must be between 0 and 65535, got \(port)") }
        guard maxBodyBytes >= 1024 else { throw bad("the body limit must be at least 1024 bytes, got \(maxBodyBytes)") }
        if let apiKey, apiKey.isEmpty { throw bad("the API key is empty: give a non-empty key or none") }
        guard cacheRAM >= 0 else { throw bad("--cache-ram must be 0 or more MiB, got \(cacheRAM >> 20)") }
        if let reasoningBudget, reasoningBudget < 0 { throw bad("--reasoning-budget must be 0 or more, got \(reasoningBudget)") }
    }
}

/// Where a thinking model's thought goes in chat answers.
public enum ReasoningFormat: String, Sendable, CaseIterable {
    /// By the client: Mistral's thinking chunks for Mistral's SDKs (user agent `mistral-client-*`) and
    /// requests with Mistral's `prompt_mode`, else OpenAI-style `reasoning_content`.
    case auto
    /// Left in the content, markers written out.
    case none
    /// `message.reasoning_content` / `delta.reasoning_content`, as vLLM and llama-server send it.
    case openai
    /// The assistant content as chunks: `{"type": "thinking", "thinking": [...]}` then `{"type": "text", ...}`,
    /// as Mistral's API returns Magistral's answers.
    case mistral

    /// The request field's value: these names, and llama-server's "deepseek" for `openai`.
    public init?(field: String) {
        if field == "deepseek" { self = .openai } else { self.init(rawValue: field) }
    }
}
