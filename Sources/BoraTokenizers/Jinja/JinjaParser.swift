/// Recursive-descent parser for the statement level of Jinja, following the grammar of jinja2's
/// `parser.py` (documented at jinja.palletsprojects.com/templates). Expressions: JinjaParser+Expressions.
struct JinjaParser {
    var tokens: [JinjaToken]
    var i = 0

    init(tokens: [JinjaToken]) { self.tokens = tokens }

    static func parse(_ source: String) throws(JinjaError) -> [JinjaStmt] {
        var p = JinjaParser(tokens: try JinjaLexer.tokenize(source))
        let (body, end) = try p.subparse(until: [])
        if let end { throw .syntax("encountered unknown tag '\(end)'", line: p.current.line) }
        return body
    }

    var current: JinjaToken { tokens[i] }
    var next: JinjaToken { tokens[min(i + 1, tokens.count - 1)] }

    mutating func advance() { if i < tokens.count - 1 { i += 1 } }

    func isOp(_ op: String) -> Bool { current.kind == .op(op) }
    func isName(_ name: String) -> Bool { current.kind == .name(name) }

    mutating func skipOp(_ op: String) -> Bool {
        if isOp(op) { advance(); return true }
        return false
    }

    mutating func skipName(_ name: String) -> Bool {
        if isName(name) { advance(); return true }
        return false
    }

    mutating func expectOp(_ op: String) throws(JinjaError) {
        guard skipOp(op) else { throw .syntax("expected '\(op)', got \(describe(current))", line: current.line) }
    }

    mutating func expectName() throws(JinjaError) -> String {
        guard case let .name(n) = current.kind else { throw .syntax("expected a name, got \(describe(current))", line: current.line) }
        advance()
        return n
    }

    mutating func expectBlockEnd() throws(JinjaError) {
        guard current.kind == .blockEnd else {
            throw .syntax("expected end of statement block, got \(describe(current))", line: current.line)
        }
        advance()
    }

    func describe(_ t: JinjaToken) -> String {
        switch t.kind {
        case let .name(n): return "'\(n)'"
        case let .op(o): return "'\(o)'"
        case let .string(s): return "string '\(s)'"
        case let .integer(v): return "'\(v)'"
        case let .float(v): return "'\(v)'"
        case .text: return "template data"
        case .variableBegin: return "'{{'"
        case .variableEnd: return "'}}'"
        case .blockBegin: return "'{%'"
        case .blockEnd: return "end of statement block"
        case .eof: return "end of template"
        }
    }

    /// Parses statements until a `{% name %}` with a name in `until`; returns the body and that name
    /// (leaving the tokens after the name unread), or nil at the end of the template.
    mutating func subparse(until: Set<String>) throws(JinjaError) -> ([JinjaStmt], String?) {
        var body: [JinjaStmt] = []
        while true {
            let t = current
            switch t.kind {
            case let .text(s):
                body.append(.text(s))
                advance()
            case .variableBegin:
                advance()
                let e = try parseTuple()
                guard current.kind == .variableEnd else {
                    throw .syntax("expected end of print statement, got \(describe(current))", line: current.line)
                }
                advance()
                body.append(.output(e))
            case .blockBegin:
                advance()
                guard case let .name(tag) = current.kind else {
                    throw .syntax("tag name expected", line: current.line)
                }
                if until.contains(tag) {
                    advance()
                    return (body, tag)
                }
                body.append(contentsOf: try parseStatement(tag))
            case .eof:
                if !until.isEmpty {
                    let names = until.sorted().map { "'\($0)'" }.joined(separator: " or ")
                    throw .syntax("unexpected end of template, expected \(names)", line: t.line)
                }
                return (body, nil)
            default:
                throw .syntax("unexpected \(describe(t))", line: t.line)
            }
        }
    }

    mutating func parseStatement(_ tag: String) throws(JinjaError) -> [JinjaStmt] {
        let line = current.line
        advance()
        switch tag {
        case "if": return [try parseIf()]
        case "for": return [try parseFor(line: line)]
        case "set": return [try parseSet(line: line)]
        case "macro": return [try parseMacro()]
        case "call": return [try parseCallBlock()]
        case "filter": return [try parseFilterBlock()]
        case "with": return [try parseWith()]
        case "break", "continue":
            try expectBlockEnd()
            return [tag == "break" ? .breakLoop(line: line) : .continueLoop(line: line)]
        case "generation":
            // transformers' AssistantTracker tag: renders its body unchanged.
            try expectBlockEnd()
            let (body, _) = try subparse(until: ["endgeneration"])
            try expectBlockEnd()
            return body
        case "endif", "endfor", "endmacro", "endset", "endcall", "endfilter", "endwith", "else", "elif", "endgeneration":
            throw .syntax("encountered unexpected tag '\(tag)'", line: line)
        case "include", "extends", "import", "from", "block", "do", "autoescape", "trans", "pluralize", "debug":
            throw .unsupported("unsupported tag '\(tag)'", line: line)
        default:
            throw .syntax("encountered unknown tag '\(tag)'", line: line)
        }
    }

    mutating func parseIf() throws(JinjaError) -> JinjaStmt {
        var branches: [(JinjaExpr, [JinjaStmt])] = []
        var condition = try parseTuple(withCondExpr: true)
        while true {
            try expectBlockEnd()
            let (body, end) = try subparse(until: ["elif", "else", "endif"])
            branches.append((condition, body))
            switch end {
            case "elif":
                condition = try parseTuple(withCondExpr: true)
            case "else":
                try expectBlockEnd()
                let (otherwise, _) = try subparse(until: ["endif"])
                try expectBlockEnd()
                return .conditional(branches, otherwise: otherwise)
            default:
                try expectBlockEnd()
                return .conditional(branches, otherwise: [])
            }
        }
    }

    mutating func parseFor(line: Int) throws(JinjaError) -> JinjaStmt {
        let target = try parseAssignTarget()
        guard skipName("in") else { throw .syntax("expected 'in', got \(describe(current))", line: current.line) }
        let iterable = try parseTuple(withCondExpr: false, extraEnd: ["recursive"])
        var filter: JinjaExpr? = nil
        if skipName("if") { filter = try parseExpression() }
        if isName("recursive") { throw .unsupported("unsupported recursive for loop", line: current.line) }
        try expectBlockEnd()
        let (body, end) = try subparse(until: ["endfor", "else"])
        var otherwise: [JinjaStmt] = []
        if end == "else" {
            try expectBlockEnd()
            (otherwise, _) = try subparse(until: ["endfor"])
        }
        try expectBlockEnd()
        return .forLoop(target: target, iterable: iterable, filter: filter, body: body, otherwise: otherwise, line: line)
    }

    mutating func parseSet(line: Int) throws(JinjaError) -> JinjaStmt {
        let target = try parseAssignTarget(allowAttribute: true)
        if skipOp("=") {
            let value = try parseTuple()
            try expectBlockEnd()
            return .set(target, value, line: line)
        }
        var filter: JinjaExpr? = nil
        if isOp("|") {
            filter = try parseFilterChain(JinjaExpr(kind: .none, line: line), startsWithPipe: true, blockOperand: true)
        }
        try expectBlockEnd()
        let (body, _) = try subparse(until: ["endset"])
        try expectBlockEnd()
        return .setBlock(target, filter: filter, body: body, line: line)
    }

    mutating func parseParameters() throws(JinjaError) -> [JinjaParameter] {
        var params: [JinjaParameter] = []
        try expectOp("(")
        while !skipOp(")") {
            if !params.isEmpty { try expectOp(",") }
            if skipOp(")") { break }
            let name = try expectName()
            var def: JinjaExpr? = nil
            if skipOp("=") { def = try parseExpression() }
            else if params.contains(where: { $0.defaultValue != nil }) {
                throw .syntax("non-default argument follows default argument", line: current.line)
            }
            params.append(JinjaParameter(name: name, defaultValue: def))
        }
        return params
    }

    mutating func parseMacro() throws(JinjaError) -> JinjaStmt {
        let name = try expectName()
        let params = try parseParameters()
        try expectBlockEnd()
        let (body, _) = try subparse(until: ["endmacro"])
        if case .name = current.kind { advance() }  // `{% endmacro name %}`
        try expectBlockEnd()
        return .macro(name, params, body: body)
    }

    mutating func parseCallBlock() throws(JinjaError) -> JinjaStmt {
        let params = isOp("(") ? try parseParameters() : []
        let call = try parseExpression()
        guard case .call = call.kind else { throw .syntax("expected a call after {% call %}", line: call.line) }
        try expectBlockEnd()
        let (body, _) = try subparse(until: ["endcall"])
        try expectBlockEnd()
        return .callBlock(call, params, body: body)
    }

    mutating func parseFilterBlock() throws(JinjaError) -> JinjaStmt {
        let line = current.line
        let filter = try parseFilterChain(JinjaExpr(kind: .none, line: line), startsWithPipe: false, blockOperand: true)
        try expectBlockEnd()
        let (body, _) = try subparse(until: ["endfilter"])
        try expectBlockEnd()
        return .filterBlock(filter, body: body)
    }

    mutating func parseWith() throws(JinjaError) -> JinjaStmt {
        var assignments: [(JinjaTarget, JinjaExpr)] = []
        while current.kind != .blockEnd {
            if !assignments.isEmpty { try expectOp(",") }
            let target = try parseAssignTarget()
            try expectOp("=")
            assignments.append((target, try parseExpression()))
        }
        try expectBlockEnd()
        let (body, _) = try subparse(until: ["endwith"])
        try expectBlockEnd()
        return .with(assignments, body: body)
    }

    /// `name`, `a, b`, `(a, b)` or (for `set`) `ns.attr`.
    mutating func parseAssignTarget(allowAttribute: Bool = false) throws(JinjaError) -> JinjaTarget {
        func one(_ p: inout JinjaParser) throws(JinjaError) -> JinjaTarget {
            if p.skipOp("(") {
                var items: [JinjaTarget] = []
                while !p.skipOp(")") {
                    if !items.isEmpty { try p.expectOp(",") }
                    if p.skipOp(")") { break }
                    items.append(try one(&p))
                }
                return .tuple(items)
            }
            let name = try p.expectName()
            if allowAttribute, p.skipOp(".") { return .attribute(name, try p.expectName()) }
            if ["true", "false", "none", "True", "False", "None"].contains(name) {
                throw .syntax("can't assign to '\(name)'", line: p.current.line)
            }
            return .name(name)
        }
        let first = try one(&self)
        guard isOp(",") else { return first }
        var items = [first]
        while skipOp(",") {
            if isName("in") || isOp("=") || current.kind == .blockEnd { break }
            items.append(try one(&self))
        }
        return .tuple(items)
    }
}
