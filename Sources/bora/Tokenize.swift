import ArgumentParser
import BoraEngine

struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the token ids of a text as a JSON array.")

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "The text to tokenize.") var text: String
    @Flag(inversion: .prefixedNo, help: "Add the BOS token (default: as the model asks).") var bos: Bool?

    func run() throws {
        try reportingErrors {
            let loaded = try LoadedModel.tokenizerOnly(path: modelOptions.model)
            let ids = try loaded.encode(text, addBos: bos ?? loaded.addsBosByDefault, parseSpecial: true)
            print("[" + ids.map(String.init).joined(separator: ",") + "]")
        }
    }
}
