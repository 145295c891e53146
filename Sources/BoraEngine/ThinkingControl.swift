/// How a sequence may think before it answers, in token terms: a thought opens with `open` (Mistral's
/// `[THINK]`, Qwen 3's and DeepSeek R1's `<think>`) and closes with `close`. The engine uses it for two
/// things a text filter cannot do: `budget` caps the thought (at the cap `close` is forced and the answer
/// follows), and a constraint (structured output, a forced tool call) applies only after the thought, as
/// mistral-common's guidance grammar `think? (content | tool calls)` has it: the thought is free text.
public struct ThinkingControl: Sendable, Equatable {
    public var open: Int
    public var close: Int
    /// The prompt already opened the thought (DeepSeek R1's template ends with `<think>`).
    public var startsInside: Bool
    /// Most tokens of thought (over all thoughts of the answer); nil: no cap. 0 closes a thought at once.
    public var budget: Int?

    public init(open: Int, close: Int, startsInside: Bool = false, budget: Int? = nil) {
        self.open = open
        self.close = close
        self.startsInside = startsInside
        self.budget = budget
    }
}

/// Where a sequence is relative to its thought (`SequenceState`).
enum ThoughtPhase: Equatable {
    /// Nothing generated yet: the model may open a thought or answer at once.
    case undecided
    /// Inside a thought, with this many thought tokens so far (over all thoughts).
    case thinking(Int)
    /// Answering, after this many thought tokens.
    case answer(Int)

    var thoughtTokens: Int {
        switch self {
        case .undecided: 0
        case let .thinking(n), let .answer(n): n
        }
    }
}
