/// Python semantics of template values: `str()`, `repr()`, `==` and ordering, as CPython 3 defines them.
extension JinjaValue {
    /// `str(value)`, which is what `{{ value }}` prints (an undefined value prints nothing).
    var pythonString: String {
        switch self {
        case .undefined: return ""
        case let .string(s): return s
        default: return pythonRepr
        }
    }

    /// `repr(value)`, used inside lists and dicts.
    var pythonRepr: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "None"
        case let .bool(b): return b ? "True" : "False"
        case let .int(i): return String(i)
        case let .float(d): return Self.pythonFloat(d)
        case let .string(s): return Self.pythonStringRepr(s)
        case let .list(a): return "[" + a.map(\.pythonRepr).joined(separator: ", ") + "]"
        case let .tuple(a):
            if a.count == 1 { return "(" + a[0].pythonRepr + ",)" }
            return "(" + a.map(\.pythonRepr).joined(separator: ", ") + ")"
        case let .dict(d):
            return "{" + d.entries.map { $0.key.pythonRepr + ": " + $0.value.pythonRepr }.joined(separator: ", ") + "}"
        case let .namespace(ns): return "<Namespace " + JinjaValue.dict(ns.attributes).pythonRepr + ">"
        case let .loop(l): return "<LoopContext \(l.index0 + 1)/\(l.items.count)>"
        case let .callable(c): return "<function \(c.name)>"
        }
    }

    static func pythonFloat(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d > 0 ? "inf" : "-inf" }
        return JSONValue.pythonFloat(d)
    }

    /// Python's `str.__repr__`: single quotes unless the text has a ' and no ", escapes for the quote,
    /// backslash, \t \n \r, and \x/\u/\U for characters that are not printable.
    static func pythonStringRepr(_ s: String) -> String {
        let quote: Unicode.Scalar = s.contains("'") && !s.contains("\"") ? "\"" : "'"
        var out = String.UnicodeScalarView()
        out.append(quote)
        func hex(_ v: UInt32, _ width: Int) -> String {
            let h = String(v, radix: 16)
            return String(repeating: "0", count: max(0, width - h.count)) + h
        }
        for c in s.unicodeScalars {
            switch c {
            case quote, "\\": out.append("\\"); out.append(c)
            case "\t": out.append(contentsOf: "\\t".unicodeScalars)
            case "\n": out.append(contentsOf: "\\n".unicodeScalars)
            case "\r": out.append(contentsOf: "\\r".unicodeScalars)
            default:
                if isPrintable(c) {
                    out.append(c)
                } else if c.value < 0x100 {
                    out.append(contentsOf: ("\\x" + hex(c.value, 2)).unicodeScalars)
                } else if c.value < 0x10000 {
                    out.append(contentsOf: ("\\u" + hex(c.value, 4)).unicodeScalars)
                } else {
                    out.append(contentsOf: ("\\U" + hex(c.value, 8)).unicodeScalars)
                }
            }
        }
        out.append(quote)
        return String(out)
    }

    /// Python's `str.isprintable` for one character: not in categories Cc, Cf, Cs, Co, Cn, Zl, Zp, Zs
    /// (the ASCII space excepted).
    static func isPrintable(_ c: Unicode.Scalar) -> Bool {
        if c == " " { return true }
        switch c.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return false
        default:
            return true
        }
    }

    /// Python `==`.
    static func pythonEquals(_ a: JinjaValue, _ b: JinjaValue) -> Bool {
        switch (a, b) {
        case (.undefined, .undefined), (.none, .none): return true
        case let (.string(x), .string(y)): return x.unicodeScalars.elementsEqual(y.unicodeScalars)
        case let (.list(x), .list(y)), let (.tuple(x), .tuple(y)):
            return x.count == y.count && zip(x, y).allSatisfy { pythonEquals($0, $1) }
        case let (.dict(x), .dict(y)):
            return x.count == y.count && x.entries.allSatisfy { e in y[e.key].map { pythonEquals($0, e.value) } ?? false }
        case let (.namespace(x), .namespace(y)): return x === y
        default:
            if let x = a.integer, let y = b.integer { return x == y }
            if let x = a.number, let y = b.number { return x == y }
            return false
        }
    }

    /// Python ordering: -1, 0 or 1; a `TypeError` for values Python cannot order.
    static func pythonCompare(_ a: JinjaValue, _ b: JinjaValue, op: String = "<") throws -> Int {
        switch (a, b) {
        case let (.string(x), .string(y)):
            if x.unicodeScalars.elementsEqual(y.unicodeScalars) { return 0 }
            return x.unicodeScalars.lexicographicallyPrecedes(y.unicodeScalars, by: { $0.value < $1.value }) ? -1 : 1
        case let (.list(x), .list(y)), let (.tuple(x), .tuple(y)):
            for (p, q) in zip(x, y) where !pythonEquals(p, q) {
                return try pythonCompare(p, q, op: op)
            }
            return x.count < y.count ? -1 : x.count > y.count ? 1 : 0
        default:
            if let x = a.integer, let y = b.integer { return x < y ? -1 : x > y ? 1 : 0 }
            if let x = a.number, let y = b.number { return x < y ? -1 : x > y ? 1 : 0 }
            throw JinjaError.runtime("'\(op)' not supported between instances of '\(a.typeName)' and '\(b.typeName)'", line: 0)
        }
    }

    /// The value as JSON for `tojson` (Python's `json.dumps` accepts dicts, lists, tuples, str, numbers,
    /// bools and None; dict keys that are numbers, bools or None become strings).
    func toJSON() throws -> JSONValue {
        switch self {
        case .none: return .null
        case let .bool(b): return .bool(b)
        case let .int(i): return .int(i)
        case let .float(d): return .double(d)
        case let .string(s): return .string(s)
        case let .list(a), let .tuple(a): return .array(try a.map { try $0.toJSON() })
        case let .dict(d):
            return .object(try d.entries.map { e in
                let key: String
                switch e.key {
                case let .string(s): key = s
                case let .bool(b): key = b ? "true" : "false"
                case .none: key = "null"
                case let .int(i): key = String(i)
                case let .float(f): key = JSONValue.pythonFloat(f)
                default: throw JinjaError.runtime("keys must be str, int, float, bool or None, not \(e.key.typeName)", line: 0)
                }
                return (key, try e.value.toJSON())
            })
        default:
            throw JinjaError.runtime("Object of type \(typeName) is not JSON serializable", line: 0)
        }
    }
}
