import ArgumentParser
import BoraEngine
import BoraModels
import Foundation

struct Perplexity: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Perplexity of a text file: non-overlapping windows, each from an empty cache.",
        discussion: """
        Example:
          bora perplexity -m smollm2 --file wiki.test.raw --context 512
        """)

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var adapterOptions: AdapterOptions
    @Option(help: "The text file to score.") var file: String
    @Option(help: "Tokens per window.") var context: Int = 512
    @OptionGroup var threads: ThreadOptions
    @OptionGroup var cache: CacheOptions
    @Flag(help: "Print {tokens, perplexity, nll, argmax} as JSON.") var json = false

    func validate() throws {
        guard context >= 2 else { throw ValidationError("--context must be at least 2, got \(context)") }
    }

    struct Output: Encodable {
        let tokens: Int
        let perplexity: Double
        let nll: [Double]
        let argmax: [Int]
    }

    func run() throws {
        try reportingErrors {
            let loaded = try LoadedModel(path: try modelOptions.path(), adapters: try adapterOptions.adapters()).noting()
            guard let data = FileManager.default.contents(atPath: file) else {
                throw EngineError.invalidParameter("cannot read '\(file)': check the path")
            }
            let text = String(decoding: data, as: UTF8.self)
            let tokens = try loaded.tokenize(text)
            let session = DecoderSession(model: loaded.model, contextLength: context, threads: threads.count,
                                         cacheType: cache.cacheType)
            var nll: [Double] = []
            var argmax: [Int] = []
            var used = 0
            var start = 0
            while start + 1 < tokens.count {
                let window = Array(tokens[start..<min(tokens.count, start + context)])
                let s = try session.score(window)
                nll += s.nll
                argmax += s.argmax
                used += window.count
                start += context
                if !json {
                    let ppl = exp(nll.reduce(0, +) / Double(max(nll.count, 1)))
                    FileHandle.standardError.write(Data("[\(used)/\(tokens.count) tokens] perplexity so far \(String(format: "%.4f", ppl))\n".utf8))
                }
            }
            guard !nll.isEmpty else {
                throw EngineError.invalidParameter("'\(file)' has fewer than 2 tokens: nothing to score")
            }
            let ppl = exp(nll.reduce(0, +) / Double(nll.count))
            if json {
                print(try BoraCLI.json(Output(tokens: used, perplexity: ppl, nll: nll, argmax: argmax)))
            } else {
                print(String(format: "perplexity: %.4f over %d scored tokens", ppl, nll.count))
            }
        }
    }
}
