import ArgumentParser
import BoraEngine
import BoraTokenizers
import Foundation

struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print token ids as JSON: of a text, of JSON strings on stdin (--jsonl), or of a chat/FIM request (--chat).",
        discussion: """
        Examples:
          bora tokenize -m smollm2 --text "Hello world"
          printf '"a"\\n"b"\\n' | bora tokenize -m smollm2 --jsonl
        """)

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "The text to tokenize.") var text: String?
    @Flag(help: "Read one JSON string per line on stdin; write one JSON array of ids per line.") var jsonl = false
    @Option(help: "A JSON file with a chat request ({\"messages\", \"tools\"}) or a FIM request ({\"prompt\", \"suffix\"}); prints {\"tokens\", \"text\"}.")
    var chat: String?
    @Flag(inversion: .prefixedNo, help: "Add the BOS token (default: as the tokenizer asks).") var bos: Bool?

    func validate() throws {
        let modes = [text != nil, jsonl, chat != nil].filter { $0 }.count
        guard modes == 1 else { throw ValidationError("give exactly one of --text TEXT, --jsonl or --chat REQUEST.json") }
        if chat != nil, bos != nil { throw ValidationError("--bos/--no-bos do not apply to --chat: the chat format decides") }
    }

    func run() throws {
        try reportingErrors {
            let bundle = try TokenizerBundle.load(path: try modelOptions.path())
            let tokenizer = bundle.tokenizer
            let addBos = bos ?? tokenizer.addsBosByDefault
            if let chat {
                guard let data = FileManager.default.contents(atPath: chat) else {
                    throw EngineError.invalidParameter("cannot read '\(chat)': check the path")
                }
                let encoding = try bundle.encodeRequest(json: String(decoding: data, as: UTF8.self))
                print(encoding.json)
            } else if let text {
                print(ids(try tokenizer.encode(text, addBos: addBos, parseSpecial: true)))
            } else {
                var line = 0
                while let input = readLine(strippingNewline: true) {
                    line += 1
                    guard let value = try? JSONValue(parsing: input), let s = value.string else {
                        throw EngineError.invalidParameter("stdin line \(line) is not a JSON string: each line must be one, e.g. \"Hello\"")
                    }
                    print(ids(try tokenizer.encode(s, addBos: addBos, parseSpecial: true)))
                }
            }
        }
    }

    func ids(_ list: [Int]) -> String { "[" + list.map(String.init).joined(separator: ",") + "]" }
}

struct Detokenize: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the text of token ids.",
        discussion: """
        Example:
          bora detokenize -m smollm2 --ids 19556,905
        """)

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Comma-separated token ids.") var ids: String

    func run() throws {
        try reportingErrors {
            let bundle = try TokenizerBundle.load(path: try modelOptions.path())
            print(try bundle.tokenizer.decode(try parseTokenIds(ids)))
        }
    }
}
