import Foundation

/// Expression evaluation with Python operator semantics.
extension JinjaInterpreter {
    func evaluate(_ e: JinjaExpr, _ scope: JinjaScope) throws -> JinjaValue {
        switch e.kind {
        case .none: return .none
        case let .bool(b): return .bool(b)
        case let .integer(i): return .int(i)
        case let .float(d): return .float(d)
        case let .string(s): return .string(s)
        case let .name(n): return scope.lookup(n) ?? .undefined(reason: "'\(n)' is undefined")
        case let .list(items): return .list(try items.map { try evaluate($0, scope) })
        case let .tuple(items): return .tuple(try items.map { try evaluate($0, scope) })
        case let .dict(pairs):
            var d = JinjaDict()
            for (k, v) in pairs { d[try evaluate(k, scope)] = try evaluate(v, scope) }
            return .dict(d)
        case let .attribute(object, name):
            return try attribute(try evaluate(object, scope), name, line: e.line)
        case let .item(object, key):
            return try item(try evaluate(object, scope), try evaluate(key, scope), line: e.line)
        case let .slice(object, start, stop, step):
            let value = try evaluate(object, scope)
            func bound(_ x: JinjaExpr?) throws -> Int? {
                guard let x else { return nil }
                let v = try evaluate(x, scope)
                if case .none = v { return nil }
                guard let i = v.integer else {
                    throw JinjaError.runtime("slice indices must be integers or None", line: e.line)
                }
                return i
            }
            return try slice(value, try bound(start), try bound(stop), try bound(step), line: e.line)
        case let .call(fn, args):
            let callee = try evaluate(fn, scope)
            let (positional, keywords) = try evaluateArguments(args, scope)
            return try invoke(callee, positional, keywords, line: e.line)
        case .filter:
            return try applyFilterChain(e, to: nil, scope: scope)
        case let .test(operand, name, args, negated):
            let value = try evaluate(operand, scope)
            let (positional, keywords) = try evaluateArguments(args, scope)
            let result = try applyTest(name, value, positional, keywords, line: e.line)
            return .bool(negated ? !result : result)
        case let .not(x):
            return .bool(!(try evaluate(x, scope).truthy))
        case let .negate(x):
            let v = try evaluate(x, scope)
            switch v {
            case let .int(i): return .int(0 &- i)
            case let .bool(b): return .int(b ? -1 : 0)
            case let .float(d): return .float(-d)
            case let .undefined(reason): throw JinjaError.runtime(reason, line: e.line)
            default: throw JinjaError.runtime("bad operand type for unary -: '\(v.typeName)'", line: e.line)
            }
        case let .plus(x):
            let v = try evaluate(x, scope)
            switch v {
            case .int, .float: return v
            case let .bool(b): return .int(b ? 1 : 0)
            case let .undefined(reason): throw JinjaError.runtime(reason, line: e.line)
            default: throw JinjaError.runtime("bad operand type for unary +: '\(v.typeName)'", line: e.line)
            }
        case let .and(a, b):
            let left = try evaluate(a, scope)
            return left.truthy ? try evaluate(b, scope) : left
        case let .or(a, b):
            let left = try evaluate(a, scope)
            return left.truthy ? left : try evaluate(b, scope)
        case let .conditional(value, condition, otherwise):
            if try evaluate(condition, scope).truthy { return try evaluate(value, scope) }
            if let otherwise { return try evaluate(otherwise, scope) }
            return .undefined(reason: "the inline if-expression on line \(e.line) evaluated to false and no else section was defined.")
        case let .binary(op, a, b):
            return try binary(op, try evaluate(a, scope), try evaluate(b, scope), line: e.line)
        }
    }

    func evaluateArguments(_ args: [JinjaArgument], _ scope: JinjaScope) throws -> ([JinjaValue], [(String, JinjaValue)]) {
        var positional: [JinjaValue] = []
        var keywords: [(String, JinjaValue)] = []
        for a in args {
            let v = try evaluate(a.value, scope)
            if let n = a.name { keywords.append((n, v)) } else { positional.append(v) }
        }
        return (positional, keywords)
    }

    /// Evaluates a filter expression; a nil innermost operand is `blockValue` (a `{% filter %}` body).
    func applyFilterChain(_ e: JinjaExpr, to blockValue: JinjaValue?, scope: JinjaScope) throws -> JinjaValue {
        guard case let .filter(operand, name, args) = e.kind else { return try evaluate(e, scope) }
        let value: JinjaValue
        if let operand { value = try applyFilterChain(operand, to: blockValue, scope: scope) } else { value = blockValue ?? .none }
        let (positional, keywords) = try evaluateArguments(args, scope)
        return try applyFilter(name, value, positional, keywords, line: e.line)
    }

    func binary(_ op: String, _ a: JinjaValue, _ b: JinjaValue, line: Int) throws -> JinjaValue {
        switch op {
        case "==": return .bool(JinjaValue.pythonEquals(a, b))
        case "!=": return .bool(!JinjaValue.pythonEquals(a, b))
        case "~": return .string(a.pythonString + b.pythonString)
        case "in", "notin":
            let r = try contains(b, a, line: line)
            return .bool(op == "in" ? r : !r)
        default: break
        }
        if case let .undefined(reason) = a { throw JinjaError.runtime(reason, line: line) }
        if case let .undefined(reason) = b { throw JinjaError.runtime(reason, line: line) }
        switch op {
        case "<", "<=", ">", ">=":
            let c: Int
            do { c = try JinjaValue.pythonCompare(a, b, op: op) } catch let e as JinjaError { throw e.at(line) }
            switch op {
            case "<": return .bool(c < 0)
            case "<=": return .bool(c <= 0)
            case ">": return .bool(c > 0)
            default: return .bool(c >= 0)
            }
        default:
            return try arithmetic(op, a, b, line: line)
        }
    }

    func arithmetic(_ op: String, _ a: JinjaValue, _ b: JinjaValue, line: Int) throws -> JinjaValue {
        func typeError() -> JinjaError {
            if op == "+", case .string = a { return .runtime("can only concatenate str (not \"\(b.typeName)\") to str", line: line) }
            if op == "+", case .list = a { return .runtime("can only concatenate list (not \"\(b.typeName)\") to list", line: line) }
            return .runtime("unsupported operand type(s) for \(op): '\(a.typeName)' and '\(b.typeName)'", line: line)
        }
        func overflow() -> JinjaError { .unsupported("integer arithmetic beyond 64 bits", line: line) }
        switch (op, a, b) {
        case let ("+", .string(x), .string(y)): return .string(x + y)
        case let ("+", .list(x), .list(y)): return .list(x + y)
        case let ("+", .tuple(x), .tuple(y)): return .tuple(x + y)
        case let ("*", .string(s), n), let ("*", n, .string(s)):
            guard let k = n.integer else { throw typeError() }
            return .string(String(repeating: s, count: max(0, k)))
        case let ("*", .list(l), n), let ("*", n, .list(l)):
            guard let k = n.integer else { throw typeError() }
            return .list(Array([[JinjaValue]](repeating: l, count: max(0, k)).joined()))
        case ("%", .string, _):
            throw JinjaError.unsupported("unsupported printf-style string formatting with %", line: line)
        default: break
        }
        if let x = a.integer, let y = b.integer {
            switch op {
            case "+": let (r, o) = x.addingReportingOverflow(y); if o { throw overflow() }; return .int(r)
            case "-": let (r, o) = x.subtractingReportingOverflow(y); if o { throw overflow() }; return .int(r)
            case "*": let (r, o) = x.multipliedReportingOverflow(by: y); if o { throw overflow() }; return .int(r)
            case "/":
                guard y != 0 else { throw JinjaError.runtime("division by zero", line: line) }
                return .float(Double(x) / Double(y))
            case "//", "%":
                guard y != 0 else { throw JinjaError.runtime("integer division or modulo by zero", line: line) }
                var q = x / y
                var r = x % y
                if r != 0, (r < 0) != (y < 0) { q -= 1; r += y }
                return .int(op == "//" ? q : r)
            case "**":
                if y < 0 { return .float(pow(Double(x), Double(y))) }
                var result = 1
                for _ in 0..<y {
                    let (r, o) = result.multipliedReportingOverflow(by: x)
                    if o { throw overflow() }
                    result = r
                }
                return .int(result)
            default: throw typeError()
            }
        }
        guard let x = a.number, let y = b.number else { throw typeError() }
        switch op {
        case "+": return .float(x + y)
        case "-": return .float(x - y)
        case "*": return .float(x * y)
        case "/":
            guard y != 0 else { throw JinjaError.runtime("float division by zero", line: line) }
            return .float(x / y)
        case "//":
            guard y != 0 else { throw JinjaError.runtime("float floor division by zero", line: line) }
            return .float((x / y).rounded(.down))
        case "%":
            guard y != 0 else { throw JinjaError.runtime("float modulo", line: line) }
            var r = x.truncatingRemainder(dividingBy: y)
            if r != 0, (r < 0) != (y < 0) { r += y }
            return .float(r)
        case "**": return .float(pow(x, y))
        default: throw typeError()
        }
    }

    /// Python `item in container`.
    func contains(_ container: JinjaValue, _ item: JinjaValue, line: Int) throws -> Bool {
        switch container {
        case let .string(s):
            guard case let .string(sub) = item else {
                throw JinjaError.runtime("'in <string>' requires string as left operand, not \(item.typeName)", line: line)
            }
            return sub.isEmpty || s.contains(sub)
        case let .list(a), let .tuple(a): return a.contains { JinjaValue.pythonEquals($0, item) }
        case let .dict(d): return d.index(of: item) != nil
        case .undefined: return false
        default: throw JinjaError.runtime("argument of type '\(container.typeName)' is not iterable", line: line)
        }
    }

    /// Python slicing of lists, tuples and strings.
    func slice(_ value: JinjaValue, _ start: Int?, _ stop: Int?, _ step: Int?, line: Int) throws -> JinjaValue {
        let step = step ?? 1
        guard step != 0 else { throw JinjaError.runtime("slice step cannot be zero", line: line) }
        func indices(_ n: Int) -> [Int] {
            func clamp(_ v: Int?, _ def: Int, lo: Int, hi: Int) -> Int {
                guard var v else { return def }
                if v < 0 { v += n }
                return min(max(v, lo), hi)
            }
            var out: [Int] = []
            if step > 0 {
                var i = clamp(start, 0, lo: 0, hi: n)
                let end = clamp(stop, n, lo: 0, hi: n)
                while i < end { out.append(i); i += step }
            } else {
                var i = clamp(start, n - 1, lo: -1, hi: n - 1)
                let end = clamp(stop, -1, lo: -1, hi: n - 1)
                while i > end { out.append(i); i += step }
            }
            return out
        }
        switch value {
        case let .list(a): return .list(indices(a.count).map { a[$0] })
        case let .tuple(a): return .tuple(indices(a.count).map { a[$0] })
        case let .string(s):
            let scalars = Array(s.unicodeScalars)
            var out = String.UnicodeScalarView()
            for i in indices(scalars.count) { out.append(scalars[i]) }
            return .string(String(out))
        case let .undefined(reason): throw JinjaError.runtime(reason, line: line)
        default: throw JinjaError.runtime("'\(value.typeName)' object is not subscriptable", line: line)
        }
    }

    /// `obj.name`: Python attribute first (methods), then item, as jinja2's `getattr`.
    func attribute(_ value: JinjaValue, _ name: String, line: Int) throws -> JinjaValue {
        if case let .undefined(reason) = value { throw JinjaError.runtime(reason, line: line) }
        if let m = try method(value, name, line: line) { return m }
        switch value {
        case let .dict(d): if let v = d[name] { return v }
        case let .namespace(ns): if let v = ns.attributes[name] { return v }
        case let .loop(l): if let v = l.attribute(name) { return v }
        default: break
        }
        return .undefined(reason: "'\(objectTypeRepr(value))' has no attribute \(JinjaValue.pythonStringRepr(name))")
    }

    /// `obj[key]`: item first, then attribute for string keys, as jinja2's `getitem`.
    func item(_ value: JinjaValue, _ key: JinjaValue, line: Int) throws -> JinjaValue {
        switch value {
        case let .undefined(reason):
            throw JinjaError.runtime(reason, line: line)
        case let .dict(d):
            if let v = d[key] { return v }
        case let .list(a), let .tuple(a):
            if let i = key.integer {
                let k = i < 0 ? i + a.count : i
                if k >= 0 && k < a.count { return a[k] }
                return .undefined(reason: "\(objectTypeRepr(value)) has no element \(key.pythonRepr)")
            }
        case let .string(s):
            if let i = key.integer {
                let scalars = Array(s.unicodeScalars)
                let k = i < 0 ? i + scalars.count : i
                if k >= 0 && k < scalars.count { return .string(String(scalars[k])) }
                return .undefined(reason: "\(objectTypeRepr(value)) has no element \(key.pythonRepr)")
            }
        default:
            break
        }
        if case let .string(name) = key { return try attribute(value, name, line: line) }
        return .undefined(reason: "\(objectTypeRepr(value)) has no element \(key.pythonRepr)")
    }

    /// jinja2's `object_type_repr`.
    func objectTypeRepr(_ value: JinjaValue) -> String {
        switch value {
        case .none: return "None"
        case .namespace: return "jinja2.utils.Namespace object"
        case .loop: return "jinja2.runtime.LoopContext object"
        default: return "\(value.typeName) object"
        }
    }
}
