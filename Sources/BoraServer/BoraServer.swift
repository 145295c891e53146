import BoraEngine
import BoraModels
import BoraTokenizers
import Foundation
import Hummingbird
import Logging

/// Bora's HTTP API on one loaded model: OpenAI's and Mistral's chat, completions and FIM routes, models
/// and health. Build the Hummingbird application with `makeApplication()`; the CLI runs it as a service.
public final class BoraServer: Sendable {
    public let configuration: ServerConfiguration
    let loaded: LoadedModel
    let card: ModelCard
    let pool: SlotPool
    /// Decodes the running requests together, one token each per forward step.
    let engine: BatchGenerator
    let metrics = ServerMetrics()
    let logger: Logger
    /// Context window of every slot, in tokens.
    public let contextLength: Int
    /// The vocabulary's token trie for constrained decoding, built on first use.
    let trie: LazyTokenTrie
    /// How the model marks its thoughts, if it thinks (`[THINK]`, `<think>`).
    let thoughtMarkers: ThoughtMarkers?

    /// Creates the batch decoder for `loaded`: `configuration.parallel` sequences (one KV cache each).
    public init(loaded: LoadedModel, configuration: ServerConfiguration, logger: Logger) throws(APIError) {
        try configuration.validate()
        self.configuration = configuration
        self.loaded = loaded
        self.logger = logger
        let context = configuration.contextLength ?? min(loaded.config.contextLength, 8192)
        guard context <= loaded.config.contextLength else {
            throw APIError(.internalServerError, "--context \(context) exceeds the model's context length \(loaded.config.contextLength)",
                           type: "configuration_error")
        }
        contextLength = context
        card = ModelCard(loaded: loaded, contextLength: context)
        let threads = configuration.threads ?? ProcessInfo.processInfo.activeProcessorCount
        engine = BatchGenerator(loaded: loaded, contextLength: context, sequences: configuration.parallel, threads: threads,
                                cacheType: configuration.cacheType, cacheRAM: configuration.cacheRAM)
        pool = SlotPool(slots: configuration.parallel, queueLimit: configuration.queueLimit)
        trie = LazyTokenTrie(loaded)
        thoughtMarkers = loaded.tokenizer.flatMap { ThoughtMarkers.detect($0) }
    }

    /// The model id clients pass as `model`.
    public var modelId: String { card.id }

    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: APIMiddleware(apiKey: configuration.apiKey, metrics: metrics))
        router.get("/health") { _, _ in Self.json(.object([("status", .string("ok"))])) }
        router.get("/metrics") { [self] _, _ in
            metrics.queueDepth.set(Double(await pool.queued))
            metrics.activeSlots.set(Double(await pool.active))
            let parked = engine.parked
            metrics.cacheBytes.set(Double(parked.bytes))
            metrics.cacheEntries.set(Double(parked.entries))
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.exposition())))
        }
        router.get("/v1/models") { [card] _, _ in
            Self.json(.object([("object", .string("list")), ("data", .array([card.json]))]))
        }
        router.get("/v1/models/:id") { [card] _, context in
            let id = context.parameters.get("id") ?? ""
            guard id == card.id else { throw Self.unknownModel(id, served: card.id) }
            return Self.json(card.json)
        }
        router.post("/v1/chat/completions") { [self] request, context in
            try await complete(request, context: context, kind: .chat, chat: true) { f throws(APIError) in try Prompts.chat(f, loaded: loaded) }
        }
        router.post("/v1/completions") { [self] request, context in
            try await complete(request, context: context, kind: .text) { f throws(APIError) in try Prompts.completion(f, loaded: loaded) }
        }
        router.post("/v1/fim/completions") { [self] request, context in
            try await complete(request, context: context, kind: .chat) { f throws(APIError) in
                try Prompts.fim(f, loaded: loaded, format: card.fim)
            }
        }
        router.post("/v1/embeddings") { [self] request, _ in try await embeddings(request) }
        return router
    }

    /// The application, listening on the configured host and port.
    public func makeApplication() -> some ApplicationProtocol {
        Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "bora"),
            logger: logger)
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: value.wire)))
    }

    static func unknownModel(_ id: String, served: String) -> APIError {
        APIError(.notFound, "the model '\(id)' is not loaded; this server serves '\(served)'", param: "model", code: "model_not_found")
    }
}
