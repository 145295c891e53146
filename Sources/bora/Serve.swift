import ArgumentParser
import BoraEngine
import BoraServer
import Foundation
import Hummingbird
import Logging

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a model over HTTP with OpenAI's and Mistral's APIs (chat, completions, FIM, models).",
        discussion: """
        Examples:
          bora serve -m smollm2
          bora serve -m mistral --host 0.0.0.0 --port 9000 --parallel 4 --api-key secret
          curl localhost:8080/v1/chat/completions -d '{"messages":[{"role":"user","content":"Hi"}]}'
        """)

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var adapterOptions: AdapterOptions
    @OptionGroup var cache: CacheOptions
    @Option(help: "Address to listen on (127.0.0.1: this machine only).") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Option(name: .customLong("api-key"), help: "Require Authorization: Bearer KEY on every route but /health (also BORA_API_KEY).")
    var apiKey: String?
    @Option(help: "Sequences generated at once, decoded together in each forward step (continuous batching).") var parallel = 1
    @Option(name: .customLong("queue"), help: "Requests that may wait for a slot; more are answered 429.") var queue = 16
    @Option(help: "Context window of each slot in tokens (default: the model's, at most 8192).") var context: Int?
    @Option(name: [.customLong("threads"), .customShort("t")], help: "Threads of the forward steps, shared by all slots (default: one per core).")
    var threads: Int?
    @Option(name: .customLong("cache-ram"), help: "MiB of host RAM that finished conversations' KV caches may keep for prefix reuse, beyond one cache per slot (least recently used evicted; 0: off).")
    var cacheRAM = ServerConfiguration.defaultCacheRAM >> 20
    @Option(name: .customLong("max-body"), help: "Largest request body in bytes (413 beyond).") var maxBody = 1 << 20
    @Option(name: .customLong("sliding-window"), help: "Attention window in tokens, overriding the model's (0: none).")
    var slidingWindow: Int?
    @Option(name: .customLong("reasoning-format"), help: ArgumentHelp(
        "Where a thinking model's thought goes: auto (Mistral's thinking chunks for Mistral's SDKs, else reasoning_content), none (left in the content), openai or mistral.",
        valueName: "auto|none|openai|mistral"))
    var reasoningFormat = "auto"
    @Option(name: .customLong("reasoning-budget"), help: "Most thought tokens per answer; then the thought is closed and the answer follows (0: close it at once; default: no cap).")
    var reasoningBudget: Int?
    @Flag(name: .customLong("log-prompts"), help: "Log prompts and generated text (by default logs carry request ids, sizes and timings only).")
    var logPrompts = false
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical") }
        guard ReasoningFormat(rawValue: reasoningFormat) != nil else {
            throw ValidationError("--reasoning-format must be one of \(ReasoningFormat.allCases.map(\.rawValue).joined(separator: ", ")), got \(reasoningFormat)")
        }
        _ = try Self.forcedTokens()
        do { try serverConfiguration.validate() } catch { throw ValidationError(error.message) }
    }

    var serverConfiguration: ServerConfiguration {
        var c = ServerConfiguration()
        c.host = host
        c.port = port
        c.apiKey = apiKey ?? ProcessInfo.processInfo.environment["BORA_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        c.parallel = parallel
        c.queueLimit = queue
        c.contextLength = context
        c.threads = threads
        c.cacheType = cache.cacheType
        c.maxBodyBytes = maxBody
        c.cacheRAM = cacheRAM < 0 ? -1 : cacheRAM << 20
        c.logPrompts = logPrompts
        c.reasoningFormat = ReasoningFormat(rawValue: reasoningFormat) ?? .auto
        c.reasoningBudget = reasoningBudget
        c.forcedTokens = (try? Self.forcedTokens()) ?? []
        return c
    }

    /// BORA_TEST_FORCED_TOKENS: comma-separated token ids every generation emits first (the SDK checks drive
    /// a tiny random model into thoughts with it). Not for serving.
    static func forcedTokens() throws -> [Int] {
        guard let text = ProcessInfo.processInfo.environment["BORA_TEST_FORCED_TOKENS"], !text.isEmpty else { return [] }
        let ids = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard ids.allSatisfy({ ($0 ?? -1) >= 0 }) else {
            throw ValidationError("BORA_TEST_FORCED_TOKENS must be comma-separated token ids, got \(text)")
        }
        return ids.compactMap { $0 }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "bora.server")
        if Self.portInUse(host: host, port: port) {
            FileHandle.standardError.write(Data(Self.portInUseMessage(host: host, port: port).utf8))
            throw ExitCode(1)
        }
        let server = try reportingErrors {
            let (merged, named) = try adapterOptions.serverAdapters()
            var configuration = serverConfiguration
            configuration.adapters = named
            let loaded = try LoadedModel(path: try modelOptions.path(), slidingWindow: slidingWindow, adapters: merged).noting()
            // BoraServer's default context: the model's, at most 8192.
            try checkMemory(loaded, positions: context ?? min(loaded.config.contextLength, 8192), sessions: parallel,
                            cacheType: cache.cacheType)
            return try BoraServer(loaded: loaded, configuration: configuration, logger: logger)
        }
        if !serverConfiguration.forcedTokens.isEmpty {
            logger.warning("BORA_TEST_FORCED_TOKENS is set: every answer starts with the tokens it lists (a test hook, not for serving)")
        }
        logger.info("serving", metadata: [
            "model": "\(server.modelId)", "address": "http://\(host):\(port)", "parallel": "\(parallel)",
            "context": "\(server.contextLength)", "auth": "\(serverConfiguration.apiKey == nil ? "none" : "bearer")",
        ])
        try await server.makeApplication().runService()
    }
}
