/// A prompt as ids, with the text mistral-common shows for it (`Tokenized.text`,
/// `decode(tokens, SpecialTokenPolicy.KEEP)`): control tokens by name; for SentencePiece vocabularies every
/// other token as its vocabulary piece ("▁Hello", "<0x0A>"), for byte-level (Tekken) vocabularies runs of
/// other tokens as decoded text.
public struct InstructEncoding: Sendable, Equatable {
    public var tokens: [Int]
    public var text: String

    public init(tokens: [Int], text: String) { self.tokens = tokens; self.text = text }

    /// `{"tokens": [...], "text": "..."}`, the output of `bora tokenize --chat`.
    public var json: String {
        JSONValue.object([("tokens", .array(tokens.map { .int($0) })), ("text", .string(text))]).dumps()
    }
}

/// A tokenizer whose tokens have SentencePiece vocabulary pieces, which mistral-common shows in `text`.
public protocol SentencePieceVocabulary {
    /// The piece as the vocabulary writes it: "▁Hello", "<0x0A>", "[INST]".
    func vocabularyPiece(_ id: Int) throws -> String
}

extension SentencePieceTokenizer: SentencePieceVocabulary {
    public func vocabularyPiece(_ id: Int) throws -> String {
        String(decoding: core.bytes(of: try core.checked(id)), as: UTF8.self)
    }
}

/// Collects a prompt's ids, remembering which are control tokens (by name) for the text rendering.
struct PromptBuilder {
    let tokenizer: any Tokenizer
    let version: MistralInstructVersion
    private(set) var tokens: [Int] = []
    private var controlNames: [String?] = []

    init(tokenizer: any Tokenizer, version: MistralInstructVersion) {
        self.tokenizer = tokenizer; self.version = version
    }

    /// The id of a control token, e.g. "[INST]".
    func controlId(_ name: String) throws(InstructError) -> Int {
        guard let id = tokenizer.specialTokenId(name) else { throw .missingControlToken(name, version: version) }
        return id
    }

    mutating func control(_ name: String) throws(InstructError) {
        tokens.append(try controlId(name))
        controlNames.append(name)
    }

    mutating func bos() throws(InstructError) {
        guard let id = tokenizer.bosId else { throw .missingControlToken("<s>", version: version) }
        tokens.append(id); controlNames.append("<s>")
    }

    mutating func eos() throws(InstructError) {
        guard let id = tokenizer.eosId else { throw .missingControlToken("</s>", version: version) }
        tokens.append(id); controlNames.append("</s>")
    }

    /// `tokenizer.encode(text, bos=False, eos=False)`.
    func encoded(_ text: String) throws(InstructError) -> [Int] {
        do { return try tokenizer.encode(text, addBos: false, parseSpecial: false) } catch {
            throw .tokenizer("\(error)")
        }
    }

    mutating func text(_ text: String) throws(InstructError) {
        append(ids: try encoded(text))
    }

    mutating func append(ids: [Int]) {
        tokens += ids
        controlNames += [String?](repeating: nil, count: ids.count)
    }

    /// Appends another builder's tokens (a message encoded on its own).
    mutating func append(_ other: PromptBuilder) {
        tokens += other.tokens
        controlNames += other.controlNames
    }

    func rendered() throws(InstructError) -> InstructEncoding {
        var text = ""
        do {
            if let spm = tokenizer as? any SentencePieceVocabulary {
                for (id, name) in zip(tokens, controlNames) { text += try name ?? spm.vocabularyPiece(id) }
            } else {
                var run: [Int] = []
                for (id, name) in zip(tokens, controlNames) {
                    guard let name else { run.append(id); continue }
                    if !run.isEmpty { text += try tokenizer.decode(run); run.removeAll() }
                    text += name
                }
                if !run.isEmpty { text += try tokenizer.decode(run) }
            }
        } catch {
            throw .tokenizer("\(error)")
        }
        return InstructEncoding(tokens: tokens, text: text)
    }
}

extension SentencePieceModelTokenizer: SentencePieceVocabulary {
    public func vocabularyPiece(_ id: Int) throws -> String { try piece(id) }
}
