import Foundation

/// jinja2's builtin filters (jinja2 `filters.py` semantics), with transformers' `tojson` override
/// (`json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)`).
extension JinjaInterpreter {
    func applyFilter(_ name: String, _ value: JinjaValue, _ args: [JinjaValue], _ kwargs: [(String, JinjaValue)], line: Int) throws -> JinjaValue {
        func arg(_ i: Int, _ n: String) -> JinjaValue? { Self.argument(args, kwargs, i, n) }
        func flag(_ i: Int, _ n: String) -> Bool { arg(i, n)?.truthy ?? false }
        switch name {
        case "trim":
            return .string(Self.strip(value.pythonString, arg(0, "chars"), leading: true, trailing: true))
        case "length", "count":
            return .int(try length(value, line: line))
        case "string":
            return .string(value.pythonString)
        case "safe":
            return value
        case "lower":
            return .string(value.pythonString.lowercased())
        case "upper":
            return .string(value.pythonString.uppercased())
        case "capitalize":
            return .string(Self.capitalize(value.pythonString))
        case "title":
            return .string(Self.jinjaTitle(value.pythonString))
        case "replace":
            let old = arg(0, "old")?.pythonString ?? "", new = arg(1, "new")?.pythonString ?? ""
            let count = arg(2, "count").flatMap { $0.truthy ? $0.integer : nil } ?? -1
            return .string(Self.replace(value.pythonString, old, new, count: count))
        case "default", "d":
            let fallback = arg(0, "default_value") ?? .string("")
            if value.isUndefined || (flag(1, "boolean") && !value.truthy) { return fallback }
            return value
        case "tojson":
            return try toJSON(value, args, kwargs, line: line)
        case "first":
            return try iterate(value, line: line).first ?? .undefined(reason: "No first item, sequence was empty.")
        case "last":
            return try iterate(value, line: line).last ?? .undefined(reason: "No last item, sequence was empty.")
        case "join":
            var items = try iterate(value, line: line)
            if let attribute = arg(1, "attribute") { items = try items.map { try lookupPath($0, attribute, line: line) } }
            return .string(items.map(\.pythonString).joined(separator: arg(0, "d")?.pythonString ?? ""))
        case "list":
            return .list(try iterate(value, line: line))
        case "items":
            switch value {
            case let .dict(d): return .list(d.entries.map { .tuple([$0.key, $0.value]) })
            case .undefined: return .list([])
            default: throw JinjaError.runtime("Can only get item pairs from a mapping.", line: line)
            }
        case "map":
            let items = try iterate(value, line: line)
            if let attribute = kwargs.last(where: { $0.0 == "attribute" })?.1 {
                let fallback = kwargs.last { $0.0 == "default" }?.1
                return .list(try items.map { item in
                    let v = try lookupPath(item, attribute, line: line)
                    if v.isUndefined, let fallback { return fallback }
                    return v
                })
            }
            guard case let .string(filter)? = args.first else { throw JinjaError.runtime("map requires a filter argument", line: line) }
            return .list(try items.map { try applyFilter(filter, $0, Array(args.dropFirst()), kwargs, line: line) })
        case "select", "reject", "selectattr", "rejectattr":
            let items = try iterate(value, line: line)
            let byAttribute = name.hasSuffix("attr")
            let attribute = byAttribute ? args.first : nil
            let rest = Array(args.dropFirst(byAttribute ? 1 : 0))
            let keep = name.hasPrefix("select")
            return .list(try items.filter { item in
                let subject = attribute.map { try? lookupPath(item, $0, line: line) } ?? item
                guard let subject else { return false }
                let passed: Bool
                if case let .string(test)? = rest.first {
                    passed = try applyTest(test, subject, Array(rest.dropFirst()), kwargs, line: line)
                } else {
                    passed = subject.truthy
                }
                return passed == keep
            })
        case "dictsort":
            guard case let .dict(d) = value else { throw JinjaError.runtime("dictsort filter requires a mapping", line: line) }
            let caseSensitive = flag(0, "case_sensitive")
            let byValue = arg(1, "by")?.pythonString == "value"
            let pairs = try sorted(d.entries.map { JinjaValue.tuple([$0.key, $0.value]) }, reverse: flag(2, "reverse"), line: line) { pair in
                guard case let .tuple(kv) = pair else { return pair }
                let v = byValue ? kv[1] : kv[0]
                return caseSensitive ? v : Self.lowercasedIfString(v)
            }
            return .list(pairs)
        case "sort":
            let caseSensitive = flag(1, "case_sensitive")
            let attribute = arg(2, "attribute")
            return .list(try sorted(try iterate(value, line: line), reverse: flag(0, "reverse"), line: line) { item in
                let v = try attribute.map { try lookupPath(item, $0, line: line) } ?? item
                return caseSensitive ? v : Self.lowercasedIfString(v)
            })
        case "unique":
            let caseSensitive = flag(0, "case_sensitive")
            let attribute = arg(1, "attribute")
            var seen: [JinjaValue] = []
            var out: [JinjaValue] = []
            for item in try iterate(value, line: line) {
                var key = try attribute.map { try lookupPath(item, $0, line: line) } ?? item
                if !caseSensitive { key = Self.lowercasedIfString(key) }
                if !seen.contains(where: { JinjaValue.pythonEquals($0, key) }) { seen.append(key); out.append(item) }
            }
            return .list(out)
        case "reverse":
            if case let .string(s) = value { return .string(String(String.UnicodeScalarView(s.unicodeScalars.reversed()))) }
            return .list(try iterate(value, line: line).reversed())
        case "min", "max":
            let caseSensitive = flag(0, "case_sensitive")
            let attribute = arg(1, "attribute")
            let items = try sorted(try iterate(value, line: line), reverse: false, line: line) { item in
                let v = try attribute.map { try lookupPath(item, $0, line: line) } ?? item
                return caseSensitive ? v : Self.lowercasedIfString(v)
            }
            return (name == "min" ? items.first : items.last) ?? .undefined(reason: "No aggregated item, sequence was empty.")
        case "sum":
            var total = arg(1, "start") ?? .int(0)
            let attribute = arg(0, "attribute")
            for item in try iterate(value, line: line) {
                total = try arithmetic("+", total, try attribute.map { try lookupPath(item, $0, line: line) } ?? item, line: line)
            }
            return total
        case "int":
            return try toInt(value, default: arg(0, "default") ?? .int(0), base: arg(1, "base")?.integer ?? 10)
        case "float":
            return toFloat(value) ?? arg(0, "default") ?? .float(0)
        case "abs":
            switch value {
            case let .int(i): return .int(abs(i))
            case let .bool(b): return .int(b ? 1 : 0)
            case let .float(d): return .float(abs(d))
            default: throw JinjaError.runtime("bad operand type for abs(): '\(value.typeName)'", line: line)
            }
        case "round":
            guard let x = value.number else { throw JinjaError.runtime("type \(value.typeName) doesn't define __round__ method", line: line) }
            let precision = arg(0, "precision")?.integer ?? 0
            let method = arg(1, "method")?.pythonString ?? "common"
            let scale = pow(10.0, Double(precision))
            switch method {
            case "common": return .float(Self.pythonRound(x, precision))
            case "ceil": return .float((x * scale).rounded(.up) / scale)
            case "floor": return .float((x * scale).rounded(.down) / scale)
            default: throw JinjaError.runtime("method must be common, ceil or floor", line: line)
            }
        case "indent":
            return .string(Self.indent(value.pythonString, width: arg(0, "width") ?? .int(4), first: flag(1, "first"), blank: flag(2, "blank")))
        case "batch":
            guard let size = arg(0, "linecount")?.integer, size > 0 else { throw JinjaError.runtime("batch size must be positive", line: line) }
            let items = try iterate(value, line: line)
            var out: [JinjaValue] = []
            var start = 0
            while start < items.count {
                var chunk = Array(items[start..<min(start + size, items.count)])
                if chunk.count < size, let fill = arg(1, "fill_with"), !(fill.isNone) {
                    chunk += Array(repeating: fill, count: size - chunk.count)
                }
                out.append(.list(chunk))
                start += size
            }
            return .list(out)
        case "attr":
            return try attribute(value, arg(0, "name")?.pythonString ?? "", line: line)
        case "escape", "e", "forceescape":
            return .string(Self.htmlEscape(value.pythonString))
        default:
            throw JinjaError.unsupported("unsupported filter '\(name)'", line: line)
        }
    }

    func length(_ value: JinjaValue, line: Int) throws -> Int {
        switch value {
        case let .string(s): return s.unicodeScalars.count
        case let .list(a), let .tuple(a): return a.count
        case let .dict(d): return d.count
        case .undefined: return 0
        default: throw JinjaError.runtime("object of type '\(value.typeName)' has no len()", line: line)
        }
    }

    /// jinja2's `make_attrgetter`: a dotted path, integer parts index sequences.
    func lookupPath(_ value: JinjaValue, _ path: JinjaValue, line: Int) throws -> JinjaValue {
        guard case let .string(p) = path else { return try item(value, path, line: line) }
        var v = value
        for part in p.split(separator: ".", omittingEmptySubsequences: false) {
            if let i = Int(part) { v = try item(v, .int(i), line: line) } else { v = try item(v, .string(String(part)), line: line) }
        }
        return v
    }

    func sorted(_ items: [JinjaValue], reverse: Bool, line: Int, key: (JinjaValue) throws -> JinjaValue) throws -> [JinjaValue] {
        let keyed = try items.enumerated().map { ($0.offset, $0.element, try key($0.element)) }
        var failure: Error? = nil
        let result = keyed.sorted { a, b in
            do {
                let c = try JinjaValue.pythonCompare(a.2, b.2)
                if c != 0 { return reverse ? c > 0 : c < 0 }
            } catch { failure = error }
            return a.0 < b.0
        }
        if let failure { throw (failure as? JinjaError)?.at(line) ?? failure }
        return result.map(\.1)
    }

    static func lowercasedIfString(_ v: JinjaValue) -> JinjaValue {
        if case let .string(s) = v { return .string(s.lowercased()) }
        return v
    }

    func toJSON(_ value: JinjaValue, _ args: [JinjaValue], _ kwargs: [(String, JinjaValue)], line: Int) throws -> JinjaValue {
        func arg(_ i: Int, _ n: String) -> JinjaValue? { Self.argument(args, kwargs, i, n) }
        var options = JSONValue.DumpOptions(ensureASCII: arg(0, "ensure_ascii")?.truthy ?? false)
        switch arg(1, "indent") {
        case nil, .none?: break
        case let .int(n)?: options.indent = n
        case let other?: throw JinjaError.unsupported("unsupported tojson indent \(other.pythonRepr)", line: line)
        }
        if let separators = arg(2, "separators"), !separators.isNone {
            guard case let .list(s) = separators.asTuple, s.count == 2, case let .string(item) = s[0], case let .string(key) = s[1] else {
                throw JinjaError.runtime("tojson separators must be a pair of strings", line: line)
            }
            options.itemSeparator = item
            options.keySeparator = key
        }
        options.sortKeys = arg(3, "sort_keys")?.truthy ?? false
        do { return .string(try value.toJSON().dumps(options)) } catch let e as JinjaError { throw e.at(line) }
    }

    func toInt(_ value: JinjaValue, default fallback: JinjaValue, base: Int) throws -> JinjaValue {
        switch value {
        case let .int(i): return .int(i)
        case let .bool(b): return .int(b ? 1 : 0)
        case let .float(d): return d.isFinite && abs(d) < 9.2e18 ? .int(Int(d)) : fallback
        case let .string(s):
            let t = Self.strip(s, nil, leading: true, trailing: true).replacingOccurrences(of: "_", with: "")
            if let i = Int(t, radix: base) { return .int(i) }
            if base == 10, let d = Double(t), d.isFinite, abs(d) < 9.2e18 { return .int(Int(d)) }
            return fallback
        default: return fallback
        }
    }

    func toFloat(_ value: JinjaValue) -> JinjaValue? {
        switch value {
        case let .string(s):
            let t = Self.strip(s, nil, leading: true, trailing: true)
            return Double(t).map { .float($0) }
        default:
            return value.number.map { .float($0) }
        }
    }

    /// Python's `round(x, n)`: round half to even on the decimal value.
    static func pythonRound(_ x: Double, _ n: Int) -> Double {
        let scale = pow(10.0, Double(n))
        let y = x * scale
        var r = y.rounded(.toNearestOrEven)
        if abs(y - y.rounded(.towardZero)) != 0.5 { r = y.rounded() }
        return r / scale
    }

    /// jinja2 `do_title`: upper-cases the first character of each word, words split at `-`, whitespace,
    /// and opening brackets; the rest of each word is lower-cased.
    static func jinjaTitle(_ s: String) -> String {
        var out = ""
        var atStart = true
        for c in s.unicodeScalars {
            let separator = c == "-" || c == "(" || c == "{" || c == "[" || c == "<" || isPythonSpace(c)
            if separator { out.unicodeScalars.append(c); atStart = true; continue }
            out += atStart ? String(c).uppercased() : String(c).lowercased()
            atStart = false
        }
        return out
    }

    /// jinja2 `do_indent` (3.x): lines after the first are indented; blank lines only with `blank`.
    static func indent(_ s: String, width: JinjaValue, first: Bool, blank: Bool) -> String {
        let indention: String
        if case let .string(w) = width { indention = w } else { indention = String(repeating: " ", count: max(0, width.integer ?? 4)) }
        let lines = (s + "\n").split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        var rv: String
        if blank {
            rv = lines.joined(separator: "\n" + indention)
        } else {
            rv = lines.first ?? ""
            let rest = lines.dropFirst()
            if !rest.isEmpty { rv += "\n" + rest.map { $0.isEmpty ? $0 : indention + $0 }.joined(separator: "\n") }
        }
        return first ? indention + rv : rv
    }

    static func htmlEscape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&#34;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}

extension JinjaValue {
    var isNone: Bool { if case .none = self { return true }; return false }
    /// Lists and tuples alike, as `.list`.
    var asTuple: JinjaValue {
        if case let .tuple(t) = self { return .list(t) }
        return self
    }
}
