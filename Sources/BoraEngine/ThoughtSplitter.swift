import BoraTokenizers

/// The tokens a model opens and closes its thoughts with: Mistral's `[THINK]` / `[/THINK]` (Magistral,
/// control tokens whose text is not shown) or `<think>` / `</think>` (Qwen 3, DeepSeek R1: added tokens).
/// Only single-token markers count: a model whose vocabulary spells them in pieces is read as not thinking.
public struct ThoughtMarkers: Sendable, Equatable {
    public var open: String
    public var close: String
    public var openToken: Int
    public var closeToken: Int

    public init(open: String, close: String, openToken: Int, closeToken: Int) {
        self.open = open
        self.close = close
        self.openToken = openToken
        self.closeToken = closeToken
    }

    /// The markers of `tokenizer`'s vocabulary, Mistral's first; nil when it has neither pair.
    public static func detect(_ tokenizer: any Tokenizer) -> ThoughtMarkers? {
        for (open, close) in [("[THINK]", "[/THINK]"), ("<think>", "</think>")] {
            if let o = single(open, tokenizer), let c = single(close, tokenizer), o != c {
                return ThoughtMarkers(open: open, close: close, openToken: o, closeToken: c)
            }
        }
        return nil
    }

    private static func single(_ text: String, _ tokenizer: any Tokenizer) -> Int? {
        if let id = tokenizer.specialTokenId(text) { return id }
        guard let ids = try? tokenizer.encode(text, addBos: false, parseSpecial: true), ids.count == 1,
              let id = ids.first, (try? tokenizer.decode([id])) == text else { return nil }
        return id
    }

    /// True when `prompt` leaves the model inside a thought: its last token that is not whitespace opens one
    /// (DeepSeek R1's template ends its generation prompt with `<think>\n`).
    public func promptOpensThought(_ prompt: [Int], tokenizer: any Tokenizer) -> Bool {
        for token in prompt.reversed() {
            if token == openToken { return true }
            if token == closeToken { return false }
            guard let text = try? tokenizer.decode([token]), text.allSatisfy(\.isWhitespace) else { return false }
        }
        return false
    }

    /// The engine's side of these markers: the budget, and constraints only after the thought.
    public func control(prompt: [Int], tokenizer: any Tokenizer, budget: Int?) -> ThinkingControl {
        ThinkingControl(open: openToken, close: closeToken, startsInside: promptOpensThought(prompt, tokenizer: tokenizer), budget: budget)
    }
}

/// Splits generated output into thought and answer as it streams, by the marker tokens: text between an
/// open and a close marker is thought, the rest answer; the markers themselves are dropped. Whitespace at the
/// edges of a thought and at the start of the answer after it is dropped too (the model's "\n</think>\n\n"),
/// so neither field starts or ends with the layout around the markers. `inline` keeps everything in the
/// answer, markers written out (`--reasoning-format none`).
public struct ThoughtSplitter: Sendable {
    public enum Part: Sendable, Equatable {
        case thought(String)
        case answer(String)
    }

    public let markers: ThoughtMarkers
    public let inline: Bool
    public private(set) var inside: Bool
    /// A thought ended before this answer: its leading whitespace is dropped.
    private var answerStart = false
    private var thoughtStart = true
    /// Whitespace at the end of the thought so far, sent only when more thought follows.
    private var heldWhitespace = ""
    /// Whether the last token fed was part of the answer (not thought, not a marker).
    public private(set) var lastWasAnswer = false

    public init(markers: ThoughtMarkers, startsInside: Bool, inline: Bool = false) {
        self.markers = markers
        self.inline = inline
        inside = startsInside
    }

    /// Feeds one token and the text it completed (`token` -1: text flushed at the end).
    public mutating func feed(_ piece: String, token: Int) -> [Part] {
        if token == markers.openToken, !inside {
            inside = true
            thoughtStart = true
            lastWasAnswer = inline
            return inline ? [.answer(piece.isEmpty ? markers.open : piece)] : []
        }
        if token == markers.closeToken, inside {
            inside = false
            answerStart = true
            heldWhitespace = ""
            lastWasAnswer = inline
            return inline ? [.answer(piece.isEmpty ? markers.close : piece)] : []
        }
        lastWasAnswer = !inside || inline
        if inline { return piece.isEmpty ? [] : [.answer(piece)] }
        if inside {
            var text = piece
            if thoughtStart {
                text = String(text.drop(while: \.isWhitespace))
                if text.isEmpty { return [] }
                thoughtStart = false
            }
            let body = text.reversed().drop(while: \.isWhitespace).reversed()
            let trailing = text.dropFirst(body.count)
            guard !body.isEmpty else {
                heldWhitespace += trailing
                return []
            }
            defer { heldWhitespace = String(trailing) }
            return [.thought(heldWhitespace + String(body))]
        }
        var text = piece
        if answerStart {
            text = String(text.drop(while: \.isWhitespace))
            if text.isEmpty { return [] }
            answerStart = false
        }
        return text.isEmpty ? [] : [.answer(text)]
    }
}
