/// Everything that can go wrong while parsing or rendering a chat template. Each case names the construct
/// and the template line, so an unsupported template fails loudly instead of rendering a wrong prompt.
public enum JinjaError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The template is not valid Jinja (jinja2's `TemplateSyntaxError`).
    case syntax(String, line: Int)
    /// Valid Jinja that this interpreter does not implement (a filter, test, tag or method).
    case unsupported(String, line: Int)
    /// The template called `raise_exception(message)` (transformers' `TemplateError`).
    case raised(String)
    /// A runtime failure jinja2 would also raise: undefined access, a type error, a division by zero.
    case runtime(String, line: Int)

    public var description: String {
        switch self {
        case let .syntax(m, line): return "template syntax error at line \(line): \(m)"
        case let .unsupported(m, line): return "\(m) at line \(line): this chat template needs a Jinja feature Bora does not implement"
        case let .raised(m): return "the chat template raised an exception: \(m)"
        case let .runtime(m, line): return "template error at line \(line): \(m)"
        }
    }
}
