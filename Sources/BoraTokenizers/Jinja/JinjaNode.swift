/// The syntax tree of a parsed template: expressions and statements, each expression with its line.
struct JinjaExpr: Sendable {
    indirect enum Kind: Sendable {
        case none, bool(Bool), integer(Int), float(Double), string(String)
        case name(String)
        case list([JinjaExpr]), tuple([JinjaExpr]), dict([(JinjaExpr, JinjaExpr)])
        case attribute(JinjaExpr, String)
        case item(JinjaExpr, JinjaExpr)
        case slice(JinjaExpr, start: JinjaExpr?, stop: JinjaExpr?, step: JinjaExpr?)
        case call(JinjaExpr, [JinjaArgument])
        /// `value | name(args)`; a nil value is the body of a `{% filter %}` block.
        case filter(JinjaExpr?, String, [JinjaArgument])
        case test(JinjaExpr, String, [JinjaArgument], negated: Bool)
        case not(JinjaExpr)
        case negate(JinjaExpr), plus(JinjaExpr)
        /// `+ - * / // % ** ~ == != < <= > >= in notin`
        case binary(String, JinjaExpr, JinjaExpr)
        case and(JinjaExpr, JinjaExpr), or(JinjaExpr, JinjaExpr)
        case conditional(JinjaExpr, condition: JinjaExpr, otherwise: JinjaExpr?)
    }
    var kind: Kind
    var line: Int
}

/// A call argument: positional when `name` is nil.
struct JinjaArgument: Sendable {
    var name: String?
    var value: JinjaExpr
}

/// The left side of `set`, `for` and `with`.
enum JinjaTarget: Sendable {
    case name(String)
    case tuple([JinjaTarget])
    /// `ns.attr`
    case attribute(String, String)
}

/// A macro parameter with its default.
struct JinjaParameter: Sendable {
    var name: String
    var defaultValue: JinjaExpr?
}

indirect enum JinjaStmt: Sendable {
    case text(String)
    case output(JinjaExpr)
    case conditional([(JinjaExpr, [JinjaStmt])], otherwise: [JinjaStmt])
    case forLoop(target: JinjaTarget, iterable: JinjaExpr, filter: JinjaExpr?, body: [JinjaStmt], otherwise: [JinjaStmt], line: Int)
    case set(JinjaTarget, JinjaExpr, line: Int)
    case setBlock(JinjaTarget, filter: JinjaExpr?, body: [JinjaStmt], line: Int)
    case macro(String, [JinjaParameter], body: [JinjaStmt])
    case callBlock(JinjaExpr, [JinjaParameter], body: [JinjaStmt])
    case filterBlock(JinjaExpr, body: [JinjaStmt])
    case with([(JinjaTarget, JinjaExpr)], body: [JinjaStmt])
    case breakLoop(line: Int), continueLoop(line: Int)
}
