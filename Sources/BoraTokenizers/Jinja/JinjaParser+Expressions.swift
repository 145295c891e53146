/// Expression grammar, by increasing precedence (jinja2 `parser.py`):
/// tuple > conditional (`a if c else b`) > or > and > not > comparison (`== != < <= > >= in`, `not in`)
/// > `+ -` > `~` > `* / // %` > `**` > unary `- +` > primary with postfix (`.a`, `[i]`, `[a:b]`, `(...)`)
/// and filters/tests (`| f(...)`, `is [not] t ...`).
extension JinjaParser {
    func isTupleEnd(_ extraEnd: Set<String>) -> Bool {
        switch current.kind {
        case .variableEnd, .blockEnd, .eof: return true
        case .op(")"): return true
        case let .name(n): return extraEnd.contains(n)
        default: return false
        }
    }

    mutating func parseTuple(withCondExpr: Bool = true, extraEnd: Set<String> = [], explicitParentheses: Bool = false) throws(JinjaError) -> JinjaExpr {
        let line = current.line
        var args: [JinjaExpr] = []
        var isTuple = false
        while true {
            if !args.isEmpty { try expectOp(",") }
            if isTupleEnd(extraEnd) { break }
            args.append(try parseExpression(withCondExpr: withCondExpr))
            if isOp(",") { isTuple = true } else { break }
        }
        if !isTuple {
            if let first = args.first { return first }
            if !explicitParentheses { throw .syntax("expected an expression, got \(describe(current))", line: current.line) }
        }
        return JinjaExpr(kind: .tuple(args), line: line)
    }

    mutating func parseExpression(withCondExpr: Bool = true) throws(JinjaError) -> JinjaExpr {
        withCondExpr ? try parseCondExpr() : try parseOr()
    }

    mutating func parseCondExpr() throws(JinjaError) -> JinjaExpr {
        var expr = try parseOr()
        while isName("if") {
            let line = current.line
            advance()
            let condition = try parseOr()
            var otherwise: JinjaExpr? = nil
            if skipName("else") { otherwise = try parseCondExpr() }
            expr = JinjaExpr(kind: .conditional(expr, condition: condition, otherwise: otherwise), line: line)
        }
        return expr
    }

    mutating func parseOr() throws(JinjaError) -> JinjaExpr {
        var left = try parseAnd()
        while isName("or") {
            let line = current.line
            advance()
            left = JinjaExpr(kind: .or(left, try parseAnd()), line: line)
        }
        return left
    }

    mutating func parseAnd() throws(JinjaError) -> JinjaExpr {
        var left = try parseNot()
        while isName("and") {
            let line = current.line
            advance()
            left = JinjaExpr(kind: .and(left, try parseNot()), line: line)
        }
        return left
    }

    mutating func parseNot() throws(JinjaError) -> JinjaExpr {
        if isName("not") {
            let line = current.line
            advance()
            return JinjaExpr(kind: .not(try parseNot()), line: line)
        }
        return try parseCompare()
    }

    mutating func parseCompare() throws(JinjaError) -> JinjaExpr {
        var left = try parseMath1()
        while true {
            let line = current.line
            var op: String
            if case let .op(o) = current.kind, ["==", "!=", "<", "<=", ">", ">="].contains(o) {
                op = o
                advance()
            } else if isName("in") {
                op = "in"
                advance()
            } else if isName("not"), next.kind == .name("in") {
                op = "notin"
                advance(); advance()
            } else {
                return left
            }
            left = JinjaExpr(kind: .binary(op, left, try parseMath1()), line: line)
        }
    }

    mutating func parseMath1() throws(JinjaError) -> JinjaExpr {
        var left = try parseConcat()
        while case let .op(o) = current.kind, o == "+" || o == "-" {
            let line = current.line
            advance()
            left = JinjaExpr(kind: .binary(o, left, try parseConcat()), line: line)
        }
        return left
    }

    mutating func parseConcat() throws(JinjaError) -> JinjaExpr {
        var left = try parseMath2()
        while isOp("~") {
            let line = current.line
            advance()
            left = JinjaExpr(kind: .binary("~", left, try parseMath2()), line: line)
        }
        return left
    }

    mutating func parseMath2() throws(JinjaError) -> JinjaExpr {
        var left = try parsePow()
        while case let .op(o) = current.kind, ["*", "/", "//", "%"].contains(o) {
            let line = current.line
            advance()
            left = JinjaExpr(kind: .binary(o, left, try parsePow()), line: line)
        }
        return left
    }

    mutating func parsePow() throws(JinjaError) -> JinjaExpr {
        var left = try parseUnary()
        while isOp("**") {
            let line = current.line
            advance()
            left = JinjaExpr(kind: .binary("**", left, try parseUnary()), line: line)
        }
        return left
    }

    mutating func parseUnary(withFilter: Bool = true) throws(JinjaError) -> JinjaExpr {
        let line = current.line
        var node: JinjaExpr
        if skipOp("-") {
            node = JinjaExpr(kind: .negate(try parseUnary(withFilter: false)), line: line)
        } else if skipOp("+") {
            node = JinjaExpr(kind: .plus(try parseUnary(withFilter: false)), line: line)
        } else {
            node = try parsePrimary()
        }
        node = try parsePostfix(node)
        if withFilter { node = try parseFilterExpr(node) }
        return node
    }

    mutating func parsePrimary() throws(JinjaError) -> JinjaExpr {
        let t = current
        switch t.kind {
        case let .name(n):
            advance()
            switch n {
            case "true", "True": return JinjaExpr(kind: .bool(true), line: t.line)
            case "false", "False": return JinjaExpr(kind: .bool(false), line: t.line)
            case "none", "None": return JinjaExpr(kind: .none, line: t.line)
            default: return JinjaExpr(kind: .name(n), line: t.line)
            }
        case let .string(s):
            advance()
            var value = s
            while case let .string(more) = current.kind { value += more; advance() }
            return JinjaExpr(kind: .string(value), line: t.line)
        case let .integer(v):
            advance()
            return JinjaExpr(kind: .integer(v), line: t.line)
        case let .float(v):
            advance()
            return JinjaExpr(kind: .float(v), line: t.line)
        case .op("("):
            advance()
            let e = try parseTuple(explicitParentheses: true)
            try expectOp(")")
            return e
        case .op("["):
            advance()
            var items: [JinjaExpr] = []
            while !skipOp("]") {
                if !items.isEmpty { try expectOp(",") }
                if skipOp("]") { break }
                items.append(try parseExpression())
            }
            return JinjaExpr(kind: .list(items), line: t.line)
        case .op("{"):
            advance()
            var pairs: [(JinjaExpr, JinjaExpr)] = []
            while !skipOp("}") {
                if !pairs.isEmpty { try expectOp(",") }
                if skipOp("}") { break }
                let key = try parseExpression()
                try expectOp(":")
                pairs.append((key, try parseExpression()))
            }
            return JinjaExpr(kind: .dict(pairs), line: t.line)
        default:
            throw .syntax("unexpected \(describe(t))", line: t.line)
        }
    }

    mutating func parsePostfix(_ start: JinjaExpr) throws(JinjaError) -> JinjaExpr {
        var node = start
        while true {
            let line = current.line
            if isOp(".") {
                advance()
                switch current.kind {
                case let .name(n):
                    advance()
                    node = JinjaExpr(kind: .attribute(node, n), line: line)
                case let .integer(v):
                    advance()
                    node = JinjaExpr(kind: .item(node, JinjaExpr(kind: .integer(v), line: line)), line: line)
                default:
                    throw .syntax("expected name or number", line: line)
                }
            } else if isOp("[") {
                advance()
                node = try parseSubscript(node, line: line)
            } else if isOp("(") {
                node = JinjaExpr(kind: .call(node, try parseCallArguments()), line: line)
            } else {
                return node
            }
        }
    }

    mutating func parseSubscript(_ node: JinjaExpr, line: Int) throws(JinjaError) -> JinjaExpr {
        var parts: [JinjaExpr?] = []
        var isSlice = false
        var index: JinjaExpr? = nil
        if !isOp(":") { index = try parseExpression() }
        if isOp(":") {
            isSlice = true
            parts.append(index)
            while skipOp(":") {
                if isOp(":") || isOp("]") { parts.append(nil) } else { parts.append(try parseExpression()) }
            }
        }
        if isOp(",") { throw .unsupported("unsupported tuple subscript", line: line) }
        try expectOp("]")
        if !isSlice, let index { return JinjaExpr(kind: .item(node, index), line: line) }
        while parts.count < 3 { parts.append(nil) }
        guard parts.count == 3 else { throw .syntax("invalid slice", line: line) }
        return JinjaExpr(kind: .slice(node, start: parts[0], stop: parts[1], step: parts[2]), line: line)
    }

    mutating func parseCallArguments() throws(JinjaError) -> [JinjaArgument] {
        try expectOp("(")
        var args: [JinjaArgument] = []
        while !skipOp(")") {
            if !args.isEmpty { try expectOp(",") }
            if skipOp(")") { break }
            if isOp("*") || isOp("**") { throw .unsupported("unsupported *args/**kwargs in a call", line: current.line) }
            if case let .name(n) = current.kind, next.kind == .op("=") {
                advance(); advance()
                args.append(JinjaArgument(name: n, value: try parseExpression()))
            } else {
                if args.contains(where: { $0.name != nil }) {
                    throw .syntax("invalid syntax for function call expression", line: current.line)
                }
                args.append(JinjaArgument(name: nil, value: try parseExpression()))
            }
        }
        return args
    }

    mutating func parseFilterExpr(_ start: JinjaExpr) throws(JinjaError) -> JinjaExpr {
        var node = start
        while true {
            if isOp("|") {
                node = try parseFilterChain(node, startsWithPipe: true, blockOperand: false, single: true)
            } else if isName("is") {
                node = try parseTest(node)
            } else if isOp("(") {
                node = JinjaExpr(kind: .call(node, try parseCallArguments()), line: current.line)
            } else {
                return node
            }
        }
    }

    /// One filter (`single`) or a chain `| a | b(...)`; with `blockOperand` the innermost operand is the
    /// rendered body of a `{% filter %}` or `{% set %}` block.
    mutating func parseFilterChain(_ operand: JinjaExpr, startsWithPipe: Bool, blockOperand: Bool, single: Bool = false) throws(JinjaError) -> JinjaExpr {
        var node: JinjaExpr? = blockOperand ? nil : operand
        var first = true
        while true {
            if startsWithPipe || !first {
                guard skipOp("|") else { break }
            }
            first = false
            let line = current.line
            var name = try expectName()
            while isOp("."), case .name = next.kind {
                advance()
                name += "." + (try expectName())
            }
            let args = isOp("(") ? try parseCallArguments() : []
            node = JinjaExpr(kind: .filter(node, name, args), line: line)
            if single { break }
        }
        guard let node else { throw .syntax("expected a filter name", line: current.line) }
        return node
    }

    mutating func parseTest(_ node: JinjaExpr) throws(JinjaError) -> JinjaExpr {
        let line = current.line
        advance()  // is
        let negated = skipName("not")
        var name = try expectName()
        while isOp("."), case .name = next.kind {
            advance()
            name += "." + (try expectName())
        }
        var args: [JinjaArgument] = []
        if isOp("(") {
            args = try parseCallArguments()
        } else {
            var takesArgument = false
            switch current.kind {
            case .name(let n): takesArgument = !["else", "or", "and"].contains(n)
            case .string, .integer, .float, .op("["), .op("{"): takesArgument = true
            default: break
            }
            if takesArgument {
                if isName("is") { throw .syntax("You cannot chain multiple tests with is", line: line) }
                let arg = try parsePostfix(try parsePrimary())
                args = [JinjaArgument(name: nil, value: arg)]
            }
        }
        return JinjaExpr(kind: .test(node, name, args, negated: negated), line: line)
    }
}
