import BoraFormats
import BoraKernels
import BoraModels
import Foundation

/// One measured row of `bora bench`, with llama-bench's JSON field names (`llama-bench -o json`).
public struct BenchmarkResult: Codable, Sendable, Equatable {
    public var modelFilename: String
    public var modelType: String
    public var modelSize: Int
    public var modelNParams: Int
    public var nThreads: Int
    public var nBatch: Int
    public var nPrompt: Int
    public var nGen: Int
    /// Sequences decoded together in a tg test (1: one sequence); t/s counts the tokens of all of them.
    public var nParallel: Int = 1
    /// Tokens already in the cache when the timed tokens start (llama-bench's `-d`).
    public var nDepth: Int = 0
    public var avgTs: Double
    public var stddevTs: Double
    public var samplesTs: [Double]

    enum CodingKeys: String, CodingKey {
        case modelFilename = "model_filename", modelType = "model_type", modelSize = "model_size"
        case modelNParams = "model_n_params", nThreads = "n_threads", nBatch = "n_batch"
        case nPrompt = "n_prompt", nGen = "n_gen", nParallel = "n_parallel", nDepth = "n_depth", avgTs = "avg_ts", stddevTs = "stddev_ts"
        case samplesTs = "samples_ts"
    }

    /// llama-bench's test name: `pp512`, `tg128`, `pp512 @ d1024` after 1,024 tokens of depth; `tg128 x8`
    /// for 8 sequences decoded together.
    public var test: String {
        let name = nPrompt > 0 ? "pp\(nPrompt)" : nParallel > 1 ? "tg\(nGen) x\(nParallel)" : "tg\(nGen)"
        return nDepth > 0 ? "\(name) @ d\(nDepth)" : name
    }
}

/// Prompt-processing and generation throughput, measured as llama-bench does: pp = N prompt tokens from an
/// empty cache in batches; tg = N single-token steps from an empty cache; one untimed warm-up run, then
/// `repetitions` timed runs; tokens/s mean and sample standard deviation. Token ids are fixed
/// pseudo-random values (the speed does not depend on them). With a `depth`, each sequence's cache first
/// holds that many tokens (evaluated once, untimed; each run truncates back to them), as llama-bench's
/// `-d` does: the timed tokens attend to depth + their own positions. A tg test with `sequences` > 1 decodes that
/// many sequences together, one batched step per token (continuous batching as `bora serve` runs it, and
/// llama-batched-bench's `-npl`), and counts the tokens of all of them.
public struct Benchmark: Sendable {
    public enum Test: Sendable, Equatable {
        case prompt(Int)
        case generation(Int)
    }

    public let model: LoadedModel
    public let batch: Int
    public let cacheType: KVCacheType

    public init(model: LoadedModel, batch: Int = 128, cacheType: KVCacheType = .f16) {
        self.model = model
        self.batch = max(1, batch)
        self.cacheType = cacheType
    }

    /// Checks a thread count against the machine's cores.
    public static func checkThreads(_ threads: Int, cores: Int = ProcessInfo.processInfo.activeProcessorCount) throws(EngineError) {
        guard threads >= 1 else {
            throw .invalidParameter("thread count must be at least 1, got \(threads)")
        }
        guard threads <= cores else {
            throw .invalidParameter("\(threads) threads requested but this machine has \(cores) cores: use at most \(cores) (more threads than cores only slows the spinning thread pool down)")
        }
    }

    /// The memory a run of `positions` positions with this batch needs (MemoryEstimate).
    public func estimate(positions: Int) -> MemoryEstimate {
        MemoryEstimate(model: model, positions: positions, batch: batch, cacheType: cacheType)
    }

    /// Throws when the estimate for `positions` positions exceeds the available memory.
    public func checkMemory(positions: Int, available: Int? = MemoryEstimate.availableMemory()) throws(EngineError) {
        try estimate(positions: positions).check(model: model.path, available: available)
    }

    /// Throws unless `depth` tokens and then `tokens` more fit in the model's context.
    public func checkContext(depth: Int, tokens: Int) throws(EngineError) {
        guard depth >= 0 else { throw .invalidParameter("depth must be at least 0, got \(depth)") }
        let context = model.config.contextLength
        guard depth + tokens <= context else {
            throw .invalidParameter("depth \(depth) + \(tokens) test tokens = \(depth + tokens) positions, more than the model's context of \(context): lower --n-depth or the test's token count")
        }
    }

    /// Runs one test at `threads` threads: a warm-up, then `repetitions` timed runs.
    public func run(_ test: Test, threads: Int, repetitions: Int, sequences: Int = 1, depth: Int = 0) throws(EngineError) -> BenchmarkResult {
        try Self.checkThreads(threads)
        guard repetitions >= 1 else { throw .invalidParameter("repetitions must be at least 1, got \(repetitions)") }
        guard sequences >= 1 else { throw .invalidParameter("parallel sequences must be at least 1, got \(sequences)") }
        let (nPrompt, nGen) = switch test {
        case let .prompt(n): (n, 0)
        case let .generation(n): (0, n)
        }
        let count = nPrompt + nGen
        guard count >= 1 else { throw .invalidParameter("a test needs at least 1 token") }
        let parallel = nGen > 0 ? sequences : 1
        try checkMemory(positions: (depth + count) * parallel)
        try checkContext(depth: depth, tokens: count)
        let vocab = model.config.vocabularySize
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        let all = (0..<depth + count).map { _ -> Int in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(vocab))
        }
        let prefix = Array(all.prefix(depth)), tokens = Array(all.suffix(count))
        let session = DecoderSession(model: model.model, contextLength: depth + count, threads: threads,
                                     maxBatch: max(parallel, min(batch, max(count, depth))), cacheType: cacheType)
        let caches = parallel > 1 ? (0..<parallel).map { _ in session.makeCache() } : []
        var samples: [Double] = []
        for rep in 0...repetitions {
            try engineErrors {
                // Back to `depth` tokens in every cache (untimed).
                try fill(session, prefix)
                for c in caches { try session.using(c) { try fill(session, prefix) } }
            }
            let start = DispatchTime.now().uptimeNanoseconds
            try engineErrors {
                if nPrompt > 0 {
                    try session.evaluate(tokens, logitsFor: .last)
                } else if parallel > 1 {
                    for (i, t) in tokens.enumerated() {
                        try session.decode((0..<parallel).map { (t + i * $0) % vocab }, caches: caches) { _, _ in }
                    }
                } else {
                    for t in tokens { try session.evaluate([t], logitsFor: .last) }
                }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if rep > 0 { samples.append(Double(count * parallel) / seconds) }
        }
        let mean = samples.reduce(0, +) / Double(samples.count)
        let variance = samples.count > 1
            ? samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(samples.count - 1) : 0
        return BenchmarkResult(
            modelFilename: model.path, modelType: modelType, modelSize: model.model.weightBytes,
            modelNParams: model.model.parameterCount, nThreads: threads, nBatch: min(batch, count),
            nPrompt: nPrompt, nGen: nGen, nParallel: parallel, nDepth: depth, avgTs: mean, stddevTs: variance.squareRoot(), samplesTs: samples)
    }

    /// Runs `body`; a model error becomes `.model`, any other `.invalidParameter`.
    private func engineErrors(_ body: () throws -> Void) throws(EngineError) {
        do { try body() } catch let e as ModelError { throw .model(e) } catch { throw .invalidParameter("\(error)") }
    }

    /// Leaves exactly `prefix` in the session's cache: truncates to it when the cache holds it (every run
    /// after the first), else starts over and evaluates it.
    private func fill(_ session: DecoderSession, _ prefix: [Int]) throws {
        if session.position >= prefix.count, session.cache.truncate(to: prefix.count) { return }
        session.reset()
        if !prefix.isEmpty { try session.evaluate(prefix, logitsFor: .none) }
    }

    /// llama-bench's model description: the family, size class and the file's type (`general.file_type`, as
    /// the store names it), else the type of the first layer's weights ("llama 135M Q4_1", "gemma3 268M Q4_K_M").
    public var modelType: String {
        let params = Double(model.model.parameterCount)
        let size = params >= 1e9 ? String(format: "%.0fB", params / 1e9) : String(format: "%.0fM", params / 1e6)
        let fileType = (model.model.store as? GGUFFile)?.metadata["general.file_type"]?.int.flatMap { ModelManifest.fileTypes[$0] }
        let type = fileType ?? model.model.weights.layers.first.map { "\(($0.standard?.wq ?? $0.wo).type)".uppercased() } ?? "?"
        return "\(model.config.architecture) \(size) \(type)"
    }
}
