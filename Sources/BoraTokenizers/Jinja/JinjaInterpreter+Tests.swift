/// jinja2's builtin tests (`x is defined`, `x is string`, ...) and the globals of transformers'
/// chat-template environment: `range`, `dict`, `namespace`, `raise_exception`, `strftime_now`.
extension JinjaInterpreter {
    func applyTest(_ name: String, _ value: JinjaValue, _ args: [JinjaValue], _ kwargs: [(String, JinjaValue)], line: Int) throws -> Bool {
        func other() throws -> JinjaValue {
            guard let v = Self.argument(args, kwargs, 0, "b") ?? Self.argument(args, kwargs, 0, "other") ?? Self.argument(args, kwargs, 0, "value") ?? Self.argument(args, kwargs, 0, "seq") ?? Self.argument(args, kwargs, 0, "num") else {
                throw JinjaError.runtime("test '\(name)' needs an argument", line: line)
            }
            return v
        }
        func compare(_ op: String) throws -> Bool {
            if case let .bool(b) = try binary(op, value, try other(), line: line) { return b }
            return false
        }
        switch name {
        case "defined": return !value.isUndefined
        case "undefined": return value.isUndefined
        case "none": return value.isNone
        case "boolean": if case .bool = value { return true }; return false
        case "true": if case .bool(true) = value { return true }; return false
        case "false": if case .bool(false) = value { return true }; return false
        case "integer": if case .int = value { return true }; return false
        case "float": if case .float = value { return true }; return false
        case "number":
            switch value { case .int, .float, .bool: return true; default: return false }
        case "string": if case .string = value { return true }; return false
        case "mapping": if case .dict = value { return true }; return false
        case "iterable", "sequence":
            switch value { case .list, .tuple, .dict, .string, .undefined: return true; default: return false }
        case "callable":
            switch value { case .callable, .undefined: return true; default: return false }
        case "sameas":
            let o = try other()
            switch (value, o) {
            case (.none, .none): return true
            case let (.bool(a), .bool(b)): return a == b
            case let (.int(a), .int(b)): return a == b
            case let (.namespace(a), .namespace(b)): return a === b
            case (.string, .string): return JinjaValue.pythonEquals(value, o)
            default: return false
            }
        case "equalto", "eq", "==": return try compare("==")
        case "ne", "!=": return try compare("!=")
        case "lt", "lessthan", "<": return try compare("<")
        case "le", "<=": return try compare("<=")
        case "gt", "greaterthan", ">": return try compare(">")
        case "ge", ">=": return try compare(">=")
        case "in": return try contains(try other(), value, line: line)
        case "odd", "even":
            guard let i = value.integer else { throw JinjaError.runtime("test '\(name)' needs an integer", line: line) }
            return (i % 2 != 0) == (name == "odd")
        case "divisibleby":
            guard let i = value.integer, let n = try other().integer, n != 0 else {
                throw JinjaError.runtime("test 'divisibleby' needs non-zero integers", line: line)
            }
            return i % n == 0
        case "lower", "upper":
            guard case let .string(s) = value else { return false }
            return name == "lower" ? (s.lowercased() == s && s.uppercased() != s) : (s.uppercased() == s && s.lowercased() != s)
        case "escaped":
            return false
        default:
            throw JinjaError.unsupported("unsupported test '\(name)'", line: line)
        }
    }

    func makeGlobals() -> [String: JinjaValue] {
        func global(_ name: String, _ body: @escaping ([JinjaValue], [(String, JinjaValue)]) throws -> JinjaValue) -> JinjaValue {
            .callable(JinjaCallable(name: name, call: body))
        }
        let now = self.now
        return [
            "raise_exception": global("raise_exception") { args, kwargs in
                throw JinjaError.raised((Self.argument(args, kwargs, 0, "message") ?? .none).pythonString)
            },
            "strftime_now": global("strftime_now") { args, kwargs in
                guard case let .string(format)? = Self.argument(args, kwargs, 0, "format") else {
                    throw JinjaError.runtime("strftime_now() needs a format string", line: 0)
                }
                return .string(try now.strftime(format))
            },
            "range": global("range") { args, _ in
                let ints = try args.map { a -> Int in
                    guard let i = a.integer else { throw JinjaError.runtime("'\(a.typeName)' object cannot be interpreted as an integer", line: 0) }
                    return i
                }
                let (start, stop, step) = ints.count == 1 ? (0, ints[0], 1) : (ints.first ?? 0, ints.count > 1 ? ints[1] : 0, ints.count > 2 ? ints[2] : 1)
                guard step != 0 else { throw JinjaError.runtime("range() arg 3 must not be zero", line: 0) }
                guard (stop - start) / step <= 100_000 else { throw JinjaError.runtime("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).", line: 0) }
                return .list(Array(stride(from: start, to: stop, by: step)).map { .int($0) })
            },
            "namespace": global("namespace") { args, kwargs in
                var attributes = JinjaDict()
                if case let .dict(d)? = args.first { attributes = d }
                for (k, v) in kwargs { attributes[.string(k)] = v }
                return .namespace(JinjaNamespace(attributes))
            },
            "dict": global("dict") { args, kwargs in
                var d = JinjaDict()
                if case let .dict(initial)? = args.first { d = initial }
                for (k, v) in kwargs { d[.string(k)] = v }
                return .dict(d)
            },
            "cycler": global("cycler") { _, _ in throw JinjaError.unsupported("unsupported global 'cycler'", line: 0) },
            "joiner": global("joiner") { _, _ in throw JinjaError.unsupported("unsupported global 'joiner'", line: 0) },
            "lipsum": global("lipsum") { _, _ in throw JinjaError.unsupported("unsupported global 'lipsum'", line: 0) },
        ]
    }
}
