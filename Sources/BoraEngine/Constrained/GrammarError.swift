/// Errors of grammars, JSON Schemas and constrained decoding; each names the problem and what to do.
public enum GrammarError: Error, CustomStringConvertible, Equatable {
    /// GBNF text that does not parse: line and column (1-based) and what was expected.
    case syntax(line: Int, column: Int, message: String)
    case undefinedRule(String)
    case missingRoot
    /// A rule that can reach itself without consuming a character (`a ::= a "x"`): top-down matching would loop.
    case leftRecursion(String)
    /// The grammar (or schema) admits no string at all, e.g. a required property whose schema recurses forever.
    case admitsNoString
    /// The compiled grammar is larger than the matcher handles (repetition counts, nesting).
    case tooLarge(String)
    /// A JSON Schema keyword this compiler does not implement; the output could not be guaranteed to follow it.
    case unsupportedKeyword(String, path: String)
    case invalidSchema(String, path: String)
    /// Schemas nested deeper than the limit.
    case tooDeep(limit: Int, path: String)
    /// Matching needed more work than one step is allowed (a very ambiguous grammar).
    case tooAmbiguous
    /// No token of the vocabulary can continue the output, and it is not complete.
    case deadEnd(String)

    public var description: String {
        switch self {
        case let .syntax(l, c, m): return "grammar syntax error at line \(l), column \(c): \(m)"
        case let .undefinedRule(n): return "grammar: rule '\(n)' is used but not defined; define it as `\(n) ::= ...`"
        case .missingRoot: return "grammar: no rule named 'root'; the start rule must be `root ::= ...`"
        case let .leftRecursion(n): return "grammar: rule '\(n)' is left-recursive (it can reach itself before matching a character); rewrite it with repetition, e.g. `x ::= item (\",\" item)*`"
        case .admitsNoString: return "grammar admits no string (every alternative recurses forever or uses an empty character class); check the required recursive parts"
        case let .tooLarge(m): return "grammar too large: \(m)"
        case let .unsupportedKeyword(k, p): return "JSON Schema keyword '\(k)' at \(p) is not supported by constrained decoding; remove it or express it with the supported keywords (docs/grammar.md)"
        case let .invalidSchema(m, p): return "invalid JSON Schema at \(p): \(m)"
        case let .tooDeep(limit, p): return "JSON Schema nested deeper than \(limit) levels at \(p); flatten it or use $ref"
        case .tooAmbiguous: return "grammar too ambiguous: matching one character needed too much work; make alternatives start with different characters"
        case let .deadEnd(m): return "constrained decoding reached a dead end: \(m)"
        }
    }
}
