import ArgumentParser
import BoraEngine
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Prompt-processing (pp) and generation (tg) speed, in the shape of llama-bench's table.",
        discussion: """
        Examples:
          bora bench -m smollm2
          bora bench -m smollm2 -p 512 -n 128 -t 1,2 -r 5 --json
          bora bench -m smollm2 --bandwidth -t 1,2
          bora bench -m smollm2 -p 0 -n 64 --parallel 1,4,8
          bora bench -m smollm2 -p 512 -n 128 -d 0,1024
        """)

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var cache: CacheOptions
    @Option(name: [.customLong("n-prompt"), .customShort("p")], help: "Prompt lengths, comma-separated (0: no pp test).")
    var prompt: String = "512"
    @Option(name: [.customLong("n-gen"), .customShort("n")], help: "Generated-token counts, comma-separated (0: no tg test).")
    var gen: String = "128"
    @Option(name: [.customLong("n-depth"), .customShort("d")], help: "Tokens already in the cache before each test, comma-separated (evaluated untimed, as llama-bench's -d).")
    var depth: String = "0"
    @Option(name: [.customLong("threads"), .customShort("t")], help: "Thread counts, comma-separated (default: all cores).")
    var threads: String?
    @Option(name: [.customLong("repetitions"), .customShort("r")], help: "Timed runs per test (after one warm-up run).")
    var repetitions: Int = 5
    @Option(name: [.customLong("batch-size"), .customShort("b")], help: "Prompt tokens per forward pass.")
    var batch: Int = 128
    @Option(name: .customLong("parallel"), help: "Sequences decoded together in tg tests, comma-separated (continuous batching, as `bora serve --parallel` runs it); t/s counts all of their tokens.")
    var parallel: String = "1"
    @Flag(help: "Print a JSON array, one object per row, with llama-bench's field names.")
    var json = false
    @Flag(name: .customLong("bandwidth"), help: "Instead of pp/tg: measure the memory read bandwidth and the tg speed it allows for this model.")
    var bandwidth = false

    static func counts(_ text: String, _ flag: String, minimum: Int) throws -> [Int] {
        let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0! >= minimum }) else {
            throw ValidationError("\(flag) takes comma-separated integers of at least \(minimum), got '\(text)'")
        }
        return values.map { $0! }
    }

    var threadCounts: [Int] {
        get throws {
            guard let threads else { return [ProcessInfo.processInfo.activeProcessorCount] }
            return try Self.counts(threads, "--threads", minimum: 0)
        }
    }

    func validate() throws {
        _ = try Self.counts(prompt, "--n-prompt", minimum: 0)
        _ = try Self.counts(gen, "--n-gen", minimum: 0)
        _ = try Self.counts(parallel, "--parallel", minimum: 1)
        _ = try Self.counts(depth, "--n-depth", minimum: 0)
        for t in try threadCounts {
            do { try Benchmark.checkThreads(t) } catch { throw ValidationError("--threads: \(error.description)") }
        }
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1, got \(repetitions)") }
        guard batch >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batch)") }
    }

    func run() throws {
        try reportingErrors {
            let loaded = try LoadedModel(path: try modelOptions.path()).noting()
            let bench = Benchmark(model: loaded, batch: batch, cacheType: cache.cacheType)
            if bandwidth {
                let rows = try threadCounts.map { (t) throws(EngineError) in try bench.bandwidthBound(threads: t) }
                if json { print(try BoraCLI.json(rows)); return }
                for r in rows {
                    print(String(format: "threads %d: memory read %.1f GB/s; %.1f MB of weights per token; tg limit %.1f t/s",
                                 r.threads, r.bytesPerSecond / 1e9, Double(r.weightBytesPerToken) / 1e6, r.tokensPerSecondLimit))
                }
                return
            }
            let tests = try Self.counts(prompt, "--n-prompt", minimum: 0).filter { $0 > 0 }.map { Benchmark.Test.prompt($0) }
                + Self.counts(gen, "--n-gen", minimum: 0).filter { $0 > 0 }.map { Benchmark.Test.generation($0) }
            // Every test's memory and context are checked before any runs.
            let sequences = try Self.counts(parallel, "--parallel", minimum: 1)
            let most = sequences.max() ?? 1
            let depths = try Self.counts(depth, "--n-depth", minimum: 0)
            for test in tests {
                let (n, caches) = switch test {
                case let .prompt(n): (n, 1)
                case let .generation(n): (n, most)
                }
                for d in depths {
                    try bench.checkMemory(positions: (d + n) * caches)
                    try bench.checkContext(depth: d, tokens: n)
                }
            }
            var rows: [BenchmarkResult] = []
            if !json { print(Self.header) }
            for t in try threadCounts {
                for d in depths {
                    for test in tests {
                        let counts = if case .generation = test { sequences } else { [1] }
                        for s in counts {
                            let row = try bench.run(test, threads: t, repetitions: repetitions, sequences: s, depth: d)
                            rows.append(row)
                            if !json { print(Self.line(row)) }
                        }
                    }
                }
            }
            if json { print(try BoraCLI.json(rows)) }
        }
    }

    static let header = """
        | model                          |       size |     params | backend    | threads |            test |                  t/s |
        | ------------------------------ | ---------: | ---------: | ---------- | ------: | --------------: | -------------------: |
        """

    static func line(_ r: BenchmarkResult) -> String {
        func pad(_ s: String, _ n: Int, left: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, n - s.count))
            return left ? s + fill : fill + s
        }
        let size = String(format: "%.2f MiB", Double(r.modelSize) / 1_048_576)
        let params = r.modelNParams >= 1_000_000_000
            ? String(format: "%.2f B", Double(r.modelNParams) / 1e9) : String(format: "%.2f M", Double(r.modelNParams) / 1e6)
        let ts = String(format: "%.2f ± %.2f", r.avgTs, r.stddevTs)
        return "| \(pad(r.modelType, 30, left: true)) | \(pad(size, 10)) | \(pad(params, 10)) | \(pad("CPU", 10, left: true)) | "
            + "\(pad(String(r.nThreads), 7)) | \(pad(r.test, 15)) | \(pad(ts, 20)) |"
    }
}
