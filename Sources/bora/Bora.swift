import ArgumentParser

@main
struct Bora: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bora",
        abstract: "Run open-weight language models (GGUF) on your own machine.",
        subcommands: [Run.self, Generate.self, Tokenize.self, Detokenize.self, Serve.self, Pull.self, Import.self, List.self, Show.self, Remove.self, Copy.self, Perplexity.self, Score.self, Inspect.self, Bench.self, QuantizeCommand.self, ExportLoRA.self, ConvertCommand.self])
}
