import Prometheus

/// The server's Prometheus metrics, served at `GET /metrics` in the text exposition format. One registry
/// per server (not the process-wide MetricsSystem), so every server and test counts on its own.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let promptTokens: Counter
    let promptTokensCached: Counter
    let promptTokensEvaluated: Counter
    let cacheBytes: Gauge
    let cacheEntries: Gauge
    let generatedTokens: Counter
    let timeToFirstToken: ValueHistogram
    let timePerOutputToken: ValueHistogram
    let queueDepth: Gauge
    let activeSlots: Gauge

    static let routes: Set<String> = ["/health", "/metrics", "/v1/models", "/v1/chat/completions", "/v1/completions",
                                      "/v1/fim/completions", "/v1/embeddings"]

    init() {
        func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "bora", metricName: metric, unitName: unit, helpText: help)
        }
        promptTokens = registry.makeCounter(descriptor: name("prompt_tokens", "total", "Prompt tokens of the requests, evaluated or from the cache."))
        promptTokensCached = registry.makeCounter(descriptor: name("prompt_tokens_cached", "total", "Prompt tokens served from the prompt cache."))
        promptTokensEvaluated = registry.makeCounter(descriptor: name("prompt_tokens_evaluated", "total", "Prompt tokens evaluated."))
        cacheBytes = registry.makeGauge(descriptor: name("prompt_cache", "bytes", "KV bytes held by free caches kept for prefix reuse (--cache-ram)."))
        cacheEntries = registry.makeGauge(descriptor: name("prompt_cache", "entries", "Free caches holding a prefix for reuse."))
        generatedTokens = registry.makeCounter(descriptor: name("generated_tokens", "total", "Tokens generated."))
        timeToFirstToken = registry.makeValueHistogram(
            descriptor: name("time_to_first_token", "seconds", "From a generation's start to its first token."),
            buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30])
        timePerOutputToken = registry.makeValueHistogram(
            descriptor: name("time_per_output_token", "seconds", "Time between consecutive generated tokens of one request."),
            buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1])
        queueDepth = registry.makeGauge(descriptor: name("queue", "depth", "Requests waiting for a slot."))
        activeSlots = registry.makeGauge(descriptor: name("active", "slots", "Slots generating now."))
    }

    /// Counts one answered request by route (path templates, so ids do not multiply series) and status.
    func request(path: String, status: Int) {
        let route = Self.routes.contains(path) ? path : path.hasPrefix("/v1/models/") ? "/v1/models/{id}" : "other"
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "bora", metricName: "requests", unitName: "total",
                                                              helpText: "HTTP requests answered, by route and status."),
                             labels: [("route", route), ("status", String(status))]).increment()
    }

    func exposition() -> String { registry.emitToString() }
}
