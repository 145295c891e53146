import ArgumentParser

@main
struct Bora: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bora",
        abstract: "Run open-weight language models (GGUF) on your own machine.",
        subcommands: [Generate.self, Tokenize.self, Detokenize.self, Perplexity.self, Score.self, Inspect.self, Serve.self])
}
