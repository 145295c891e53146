/// A variable scope. Jinja gives each `for` iteration, macro call and `with` block its own scope;
/// `if` does not create one, and `set` writes to the innermost scope.
final class JinjaScope {
    var vars: [String: JinjaValue] = [:]
    let parent: JinjaScope?

    init(parent: JinjaScope?) { self.parent = parent }

    func lookup(_ name: String) -> JinjaValue? {
        var s: JinjaScope? = self
        while let scope = s {
            if let v = scope.vars[name] { return v }
            s = scope.parent
        }
        return nil
    }
}

/// Renders parsed statements. Semantics follow jinja2 3.1 under transformers' sandboxed environment.
final class JinjaInterpreter {
    enum Flow { case normal, breakLoop, continueLoop }

    /// Broken-down local time for `strftime_now` (injectable so renders are reproducible).
    let now: JinjaDateTime
    /// Macro calls in progress; deep recursion is an error rather than a stack overflow.
    var macroDepth = 0
    static let maxMacroDepth = 200

    init(now: JinjaDateTime) { self.now = now }

    func render(_ body: [JinjaStmt], context: [String: JinjaValue]) throws -> String {
        let globals = JinjaScope(parent: nil)
        globals.vars = makeGlobals()
        let top = JinjaScope(parent: globals)
        top.vars = context
        var out = ""
        _ = try execute(body, scope: top, into: &out)
        return out
    }

    func execute(_ body: [JinjaStmt], scope: JinjaScope, into out: inout String) throws -> Flow {
        for stmt in body {
            let flow = try execute(stmt, scope: scope, into: &out)
            if flow != .normal { return flow }
        }
        return .normal
    }

    func renderBody(_ body: [JinjaStmt], scope: JinjaScope) throws -> String {
        var out = ""
        _ = try execute(body, scope: scope, into: &out)
        return out
    }

    func execute(_ stmt: JinjaStmt, scope: JinjaScope, into out: inout String) throws -> Flow {
        switch stmt {
        case let .text(s):
            out += s
        case let .output(e):
            out += try evaluate(e, scope).pythonString
        case let .conditional(branches, otherwise):
            for (condition, body) in branches where try evaluate(condition, scope).truthy {
                return try execute(body, scope: scope, into: &out)
            }
            return try execute(otherwise, scope: scope, into: &out)
        case let .forLoop(target, iterable, filter, body, otherwise, line):
            return try executeFor(target: target, iterable: iterable, filter: filter, body: body, otherwise: otherwise, line: line, scope: scope, into: &out)
        case let .set(target, value, line):
            try assign(target, try evaluate(value, scope), scope: scope, line: line)
        case let .setBlock(target, filter, body, line):
            var value = JinjaValue.string(try renderBody(body, scope: scope))
            if let filter { value = try applyFilterChain(filter, to: value, scope: scope) }
            try assign(target, value, scope: scope, line: line)
        case let .macro(name, params, body):
            scope.vars[name] = .callable(makeMacro(name: name, params: params, body: body, scope: scope))
        case let .callBlock(call, params, body):
            guard case let .call(fn, args) = call.kind else { return .normal }
            let caller = makeMacro(name: "caller", params: params, body: body, scope: scope)
            let callee = try evaluate(fn, scope)
            var (positional, keywords) = try evaluateArguments(args, scope)
            keywords.append(("caller", .callable(caller)))
            out += try invoke(callee, positional, keywords, line: call.line).pythonString
        case let .filterBlock(filter, body):
            let text = JinjaValue.string(try renderBody(body, scope: scope))
            out += try applyFilterChain(filter, to: text, scope: scope).pythonString
        case let .with(assignments, body):
            let inner = JinjaScope(parent: scope)
            for (target, value) in assignments {
                try assign(target, try evaluate(value, inner), scope: inner, line: value.line)
            }
            return try execute(body, scope: inner, into: &out)
        case .breakLoop:
            return .breakLoop
        case .continueLoop:
            return .continueLoop
        }
        return .normal
    }

    func executeFor(target: JinjaTarget, iterable: JinjaExpr, filter: JinjaExpr?, body: [JinjaStmt], otherwise: [JinjaStmt],
                    line: Int, scope: JinjaScope, into out: inout String) throws -> Flow {
        var items = try iterate(try evaluate(iterable, scope), line: line)
        if let filter {
            items = try items.filter { item in
                let s = JinjaScope(parent: scope)
                try assign(target, item, scope: s, line: line)
                return try evaluate(filter, s).truthy
            }
        }
        if items.isEmpty {
            return try execute(otherwise, scope: JinjaScope(parent: scope), into: &out)
        }
        for (k, item) in items.enumerated() {
            let s = JinjaScope(parent: scope)
            try assign(target, item, scope: s, line: line)
            s.vars["loop"] = .loop(JinjaLoop(index0: k, items: items, depth0: 0))
            if try execute(body, scope: s, into: &out) == .breakLoop { break }
        }
        return .normal
    }

    /// Python iteration: lists and tuples by element, dicts by key, strings by character; undefined is empty.
    func iterate(_ value: JinjaValue, line: Int) throws -> [JinjaValue] {
        switch value {
        case let .list(a), let .tuple(a): return a
        case let .dict(d): return d.keys
        case let .string(s): return s.unicodeScalars.map { .string(String($0)) }
        case .undefined: return []
        default: throw JinjaError.runtime("'\(value.typeName)' object is not iterable", line: line)
        }
    }

    func assign(_ target: JinjaTarget, _ value: JinjaValue, scope: JinjaScope, line: Int) throws {
        switch target {
        case let .name(n):
            scope.vars[n] = value
        case let .tuple(targets):
            let items = try iterate(value, line: line)
            guard items.count == targets.count else {
                throw JinjaError.runtime(items.count > targets.count
                    ? "too many values to unpack (expected \(targets.count))"
                    : "not enough values to unpack (expected \(targets.count), got \(items.count))", line: line)
            }
            for (t, v) in zip(targets, items) { try assign(t, v, scope: scope, line: line) }
        case let .attribute(name, attr):
            guard case let .namespace(ns) = scope.lookup(name) ?? .none else {
                throw JinjaError.runtime("cannot assign attribute on non-namespace object", line: line)
            }
            ns.attributes[.string(attr)] = value
        }
    }

    func makeMacro(name: String, params: [JinjaParameter], body: [JinjaStmt], scope: JinjaScope) -> JinjaCallable {
        JinjaCallable(name: name) { [unowned self] args, kwargs in
            guard self.macroDepth < Self.maxMacroDepth else {
                throw JinjaError.runtime("maximum recursion depth exceeded in macro '\(name)'", line: 0)
            }
            self.macroDepth += 1
            defer { self.macroDepth -= 1 }
            let s = JinjaScope(parent: scope)
            var varargs: [JinjaValue] = []
            for (k, a) in args.enumerated() {
                if k < params.count { s.vars[params[k].name] = a } else { varargs.append(a) }
            }
            var extra = JinjaDict()
            for (key, v) in kwargs {
                if key == "caller" { s.vars["caller"] = v }
                else if params.contains(where: { $0.name == key }) { s.vars[key] = v }
                else { extra[.string(key)] = v }
            }
            for p in params where s.vars[p.name] == nil {
                if let d = p.defaultValue { s.vars[p.name] = try self.evaluate(d, s) }
                else { s.vars[p.name] = .undefined(reason: "'\(p.name)' is undefined") }
            }
            s.vars["varargs"] = .tuple(varargs)
            s.vars["kwargs"] = .dict(extra)
            return .string(try self.renderBody(body, scope: s))
        }
    }

    func invoke(_ callee: JinjaValue, _ args: [JinjaValue], _ kwargs: [(String, JinjaValue)], line: Int) throws -> JinjaValue {
        switch callee {
        case let .callable(c):
            do { return try c.call(args, kwargs) } catch let e as JinjaError { throw e.at(line) }
        case let .undefined(reason):
            throw JinjaError.runtime(reason, line: line)
        default:
            throw JinjaError.runtime("'\(callee.typeName)' object is not callable", line: line)
        }
    }
}

extension JinjaError {
    /// Fills in the line of an error raised where the line was not known (line 0).
    func at(_ line: Int) -> JinjaError {
        switch self {
        case let .runtime(m, 0): return .runtime(m, line: line)
        case let .unsupported(m, 0): return .unsupported(m, line: line)
        default: return self
        }
    }
}
