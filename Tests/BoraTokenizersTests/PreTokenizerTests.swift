import BoraTokenizers
import Testing

/// The hand-written pre-tokenizer scans against what their regexes (as llama.cpp runs them) produce.
@Suite("Pre-tokenizers")
struct PreTokenizerTests {
    struct Example: Sendable, CustomTestStringConvertible {
        let pre: String?
        let text: String
        let pieces: [String]
        var testDescription: String { "\(pre ?? "nil"): \(text.debugDescription)" }
    }

    static let examples: [Example] = [
        // GPT-2: ' ?\p{L}+', ' ?\p{N}+', contractions, '\s+(?!\S)' leaves one space for the next word.
        Example(pre: "gpt-2", text: "Hello world", pieces: ["Hello", " world"]),
        Example(pre: "gpt-2", text: "  x", pieces: [" ", " x"]),
        Example(pre: "gpt-2", text: "a  ", pieces: ["a", "  "]),
        Example(pre: "gpt-2", text: "I'm ok, isn't it", pieces: ["I", "'m", " ok", ",", " isn", "'t", " it"]),
        Example(pre: "gpt-2", text: "IT'S", pieces: ["IT", "'", "S"]),
        Example(pre: "gpt-2", text: "123abc hi!!", pieces: ["123", "abc", " hi", "!!"]),
        Example(pre: "gpt-2", text: "a\n\nb", pieces: ["a", "\n", "\n", "b"]),
        Example(pre: "gpt-2", text: "", pieces: []),
        Example(pre: "unknown-pre-name", text: "Hello world", pieces: ["Hello", " world"]),
        // SmolLM / StarCoder: every digit alone first, then GPT-2 inside each piece.
        Example(pre: "smollm", text: "abc 123", pieces: ["abc", " ", "1", "2", "3"]),
        Example(pre: "smollm", text: "x1y", pieces: ["x", "1", "y"]),
        // Llama 3: digits in threes, case-insensitive contractions, newline runs kept together.
        Example(pre: "llama-bpe", text: "12345", pieces: ["123", "45"]),
        Example(pre: "llama-bpe", text: "IT'S", pieces: ["IT", "'S"]),
        Example(pre: "llama-bpe", text: "Hello\n\nworld", pieces: ["Hello", "\n\n", "world"]),
        Example(pre: "llama-bpe", text: "a  \n b", pieces: ["a", "  \n", " b"]),
        Example(pre: "llama-bpe", text: "x=(y)\n", pieces: ["x", "=(", "y", ")\n"]),
        // Qwen 2: single digits.
        Example(pre: "qwen2", text: "x 2024", pieces: ["x", " ", "2", "0", "2", "4"]),
        // Tekken as llama.cpp runs it: a case change starts a new piece.
        Example(pre: "tekken", text: "HTTPServer iPhone", pieces: ["HTTPServer", " i", "Phone"]),
        Example(pre: "tekken", text: "CamelCase 42", pieces: ["Camel", "Case", " ", "4", "2"]),
        Example(pre: "tekken", text: "a/b//\n", pieces: ["a", "/b", "//\n"]),
        // llama.cpp default: punctuation runs, GPT-2, number runs, then ASCII digit triples.
        Example(pre: nil, text: "a+b", pieces: ["a", "+", "b"]),
        Example(pre: "default", text: "x 12345", pieces: ["x", " ", "123", "45"]),
    ]

    @Test(arguments: examples)
    func splits(_ example: Example) {
        #expect(preTokenize(example.text, pre: example.pre) == example.pieces)
    }

    @Test("pieces cover the text exactly", arguments: ["gpt-2", "smollm", "llama-bpe", "qwen2", "tekken", "default"])
    func coversText(_ pre: String) {
        let texts = ["", " ", "\t\n \r\n", "Héllo wörld 😀👍🏽 日本語 ١٢٣ 12345 don't", "e\u{301}\u{3000}x\u{85}y", "\u{a0}\u{a0}a"]
        for text in texts {
            let pieces = preTokenize(text, pre: pre)
            #expect(pieces.joined() == text)
            #expect(!pieces.contains(""))
        }
    }
}
