import ArgumentParser
import BoraEngine
import BoraModels
import Foundation

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate one token sequence from an empty cache: argmax, NLL and logits per position.",
        discussion: """
        Example:
          bora score -m smollm2 --tokens 1,2,3 --last 1 --json
        """)

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var adapterOptions: AdapterOptions
    @Option(help: "Comma-separated token ids.") var tokens: String
    @Option(help: "Print the full logits of the last N positions.") var last: Int = 0
    @Option(name: .customLong("sliding-window"), help: "Attention window in tokens, overriding the model's (0: none).")
    var slidingWindow: Int?
    @OptionGroup var threads: ThreadOptions
    @OptionGroup var cache: CacheOptions
    @Flag(help: "Print JSON (the only output format).") var json = false

    struct Output: Encodable {
        let argmax: [Int]
        let nll: [Double]
        let logits: [[Float]]
    }

    func run() throws {
        try reportingErrors {
            let ids = try parseTokenIds(tokens)
            guard last >= 0 else { throw EngineError.invalidParameter("--last must be 0 or more, got \(last)") }
            let loaded = try LoadedModel(path: try modelOptions.path(), slidingWindow: slidingWindow, adapters: try adapterOptions.adapters()).noting()
            let session = DecoderSession(model: loaded.model, contextLength: ids.count, threads: threads.count,
                                         cacheType: cache.cacheType)
            var logits: [[Float]] = []
            let s = try session.score(ids, keepLast: last) { _, row in logits.append(Array(row)) }
            print(try BoraCLI.json(Output(argmax: s.argmax, nll: s.nll, logits: logits)))
        }
    }
}
