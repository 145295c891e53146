/// The Python methods templates call on strings, dicts and lists (`.strip()`, `.split()`, `.items()`,
/// `.get()`, ...), and the loop object's `cycle`. Mutating methods are refused like jinja2's
/// `ImmutableSandboxedEnvironment` refuses them.
extension JinjaInterpreter {
    /// Argument `index` (positional) or `name` (keyword), nil when absent.
    static func argument(_ args: [JinjaValue], _ kwargs: [(String, JinjaValue)], _ index: Int, _ name: String) -> JinjaValue? {
        if index < args.count { return args[index] }
        return kwargs.last { $0.0 == name }?.1
    }

    static func isPythonSpace(_ c: Unicode.Scalar) -> Bool {
        (0x09...0x0D).contains(c.value) || (0x1C...0x1F).contains(c.value) || c.properties.isWhitespace
    }

    static func strip(_ s: String, _ chars: JinjaValue?, leading: Bool, trailing: Bool) -> String {
        var scalars = Array(s.unicodeScalars)[...]
        let test: (Unicode.Scalar) -> Bool
        if case let .string(set)? = chars {
            let set = Set(set.unicodeScalars)
            test = { set.contains($0) }
        } else {
            test = isPythonSpace
        }
        if leading { while let f = scalars.first, test(f) { scalars.removeFirst() } }
        if trailing { while let l = scalars.last, test(l) { scalars.removeLast() } }
        return String(String.UnicodeScalarView(scalars))
    }

    /// Python `str.split(sep=None, maxsplit=-1)`.
    static func split(_ s: String, _ sep: JinjaValue?, _ maxsplit: Int, line: Int) throws -> [JinjaValue] {
        var parts: [String] = []
        if case let .string(sep)? = sep {
            guard !sep.isEmpty else { throw JinjaError.runtime("empty separator", line: line) }
            let source = Array(s.unicodeScalars), needle = Array(sep.unicodeScalars)
            var start = 0, i = 0
            while i + needle.count <= source.count, maxsplit < 0 || parts.count < maxsplit {
                if Array(source[i..<i + needle.count]) == needle {
                    parts.append(String(String.UnicodeScalarView(source[start..<i])))
                    i += needle.count
                    start = i
                } else {
                    i += 1
                }
            }
            parts.append(String(String.UnicodeScalarView(source[start...])))
        } else {
            let source = Array(s.unicodeScalars)
            var i = 0
            while i < source.count {
                while i < source.count, isPythonSpace(source[i]) { i += 1 }
                if i == source.count { break }
                if maxsplit >= 0, parts.count == maxsplit {
                    var end = source.count
                    while end > i, isPythonSpace(source[end - 1]) { end -= 1 }
                    parts.append(String(String.UnicodeScalarView(source[i..<end])))
                    break
                }
                let start = i
                while i < source.count, !isPythonSpace(source[i]) { i += 1 }
                parts.append(String(String.UnicodeScalarView(source[start..<i])))
            }
        }
        return parts.map { .string($0) }
    }

    /// Python `str.title()`: a cased letter after an uncased character starts a word.
    static func pythonTitle(_ s: String) -> String {
        var out = ""
        var previousCased = false
        for c in s.unicodeScalars {
            let cased = c.properties.isCased
            out += previousCased ? String(c).lowercased() : String(c).uppercased()
            previousCased = cased
        }
        return out
    }

    static func capitalize(_ s: String) -> String {
        guard let first = s.unicodeScalars.first else { return s }
        return String(first).uppercased() + String(String.UnicodeScalarView(s.unicodeScalars.dropFirst())).lowercased()
    }

    static func replace(_ s: String, _ old: String, _ new: String, count: Int) -> String {
        if old.isEmpty {
            var out = "", n = 0
            for c in s.unicodeScalars {
                if count < 0 || n < count { out += new; n += 1 }
                out.unicodeScalars.append(c)
            }
            if count < 0 || n < count { out += new }
            return out
        }
        let source = Array(s.unicodeScalars), needle = Array(old.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0, n = 0
        while i < source.count {
            if (count < 0 || n < count), i + needle.count <= source.count, Array(source[i..<i + needle.count]) == needle {
                out.append(contentsOf: new.unicodeScalars)
                i += needle.count
                n += 1
            } else {
                out.append(source[i])
                i += 1
            }
        }
        return String(out)
    }

    func method(_ value: JinjaValue, _ name: String, line: Int) throws -> JinjaValue? {
        func bound(_ body: @escaping ([JinjaValue], [(String, JinjaValue)]) throws -> JinjaValue) -> JinjaValue {
            .callable(JinjaCallable(name: name, call: body))
        }
        func arg(_ a: [JinjaValue], _ k: [(String, JinjaValue)], _ i: Int, _ n: String) -> JinjaValue? {
            Self.argument(a, k, i, n)
        }
        switch value {
        case let .string(s):
            switch name {
            case "strip", "lstrip", "rstrip":
                return bound { a, k in
                    .string(Self.strip(s, arg(a, k, 0, "chars"), leading: name != "rstrip", trailing: name != "lstrip"))
                }
            case "split":
                return bound { a, k in
                    .list(try Self.split(s, arg(a, k, 0, "sep"), arg(a, k, 1, "maxsplit")?.integer ?? -1, line: line))
                }
            case "startswith", "endswith":
                return bound { a, k in
                    let prefixes: [JinjaValue]
                    switch arg(a, k, 0, "prefix") {
                    case let .tuple(t)?: prefixes = t
                    case let p?: prefixes = [p]
                    case nil: throw JinjaError.runtime("\(name)() takes at least 1 argument (0 given)", line: line)
                    }
                    return .bool(try prefixes.contains { p in
                        guard case let .string(p) = p else {
                            throw JinjaError.runtime("\(name) first arg must be str or a tuple of str, not \(p.typeName)", line: line)
                        }
                        let (x, y) = (Array(s.unicodeScalars), Array(p.unicodeScalars))
                        return name == "startswith" ? x.starts(with: y) : x.reversed().starts(with: y.reversed())
                    })
                }
            case "upper": return bound { _, _ in .string(s.uppercased()) }
            case "lower": return bound { _, _ in .string(s.lowercased()) }
            case "title": return bound { _, _ in .string(Self.pythonTitle(s)) }
            case "capitalize": return bound { _, _ in .string(Self.capitalize(s)) }
            case "replace":
                return bound { a, k in
                    guard case let .string(old)? = arg(a, k, 0, "old"), case let .string(new)? = arg(a, k, 1, "new") else {
                        throw JinjaError.runtime("replace() arguments must be str", line: line)
                    }
                    return .string(Self.replace(s, old, new, count: arg(a, k, 2, "count")?.integer ?? -1))
                }
            case "find", "count", "index":
                return bound { a, k in
                    guard case let .string(sub)? = arg(a, k, 0, "sub") else {
                        throw JinjaError.runtime("\(name)() argument must be str", line: line)
                    }
                    let (x, y) = (Array(s.unicodeScalars), Array(sub.unicodeScalars))
                    var hits: [Int] = []
                    var i = 0
                    while i + y.count <= x.count {
                        if Array(x[i..<i + y.count]) == y { hits.append(i); i += max(y.count, 1) } else { i += 1 }
                        if name != "count", !hits.isEmpty { break }
                    }
                    if name == "count" { return .int(hits.count) }
                    if let h = hits.first { return .int(h) }
                    if name == "index" { throw JinjaError.runtime("substring not found", line: line) }
                    return .int(-1)
                }
            case "join":
                return bound { a, _ in
                    let items = try self.iterate(a.first ?? .list([]), line: line)
                    return .string(try items.map { v -> String in
                        guard case let .string(t) = v else {
                            throw JinjaError.runtime("sequence item: expected str instance, \(v.typeName) found", line: line)
                        }
                        return t
                    }.joined(separator: s))
                }
            case "splitlines":
                return bound { _, _ in .list(s.split(omittingEmptySubsequences: false, whereSeparator: { $0.isNewline }).map { .string(String($0)) }.dropLast(s.last?.isNewline == true ? 1 : 0).map { $0 }) }
            case "isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower":
                return bound { _, _ in
                    let u = s.unicodeScalars
                    guard !u.isEmpty else { return .bool(false) }
                    switch name {
                    case "isdigit": return .bool(u.allSatisfy { $0.properties.numericType == .decimal || $0.properties.numericType == .digit })
                    case "isalpha": return .bool(u.allSatisfy { $0.properties.isAlphabetic })
                    case "isalnum": return .bool(u.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil })
                    case "isspace": return .bool(u.allSatisfy(Self.isPythonSpace))
                    case "isupper": return .bool(s.uppercased() == s && s.lowercased() != s)
                    default: return .bool(s.lowercased() == s && s.uppercased() != s)
                    }
                }
            case "format", "format_map", "center", "ljust", "rjust", "zfill", "partition", "rpartition", "rsplit", "rfind", "swapcase", "casefold", "encode", "expandtabs", "translate", "removeprefix", "removesuffix":
                throw JinjaError.unsupported("unsupported string method '\(name)'", line: line)
            default: return nil
            }
        case let .dict(d):
            switch name {
            case "items": return bound { _, _ in .list(d.entries.map { .tuple([$0.key, $0.value]) }) }
            case "keys": return bound { _, _ in .list(d.keys) }
            case "values": return bound { _, _ in .list(d.values) }
            case "get":
                return bound { a, k in
                    guard let key = arg(a, k, 0, "key") else { throw JinjaError.runtime("get expected at least 1 argument, got 0", line: line) }
                    return d[key] ?? arg(a, k, 1, "default") ?? .none
                }
            case "copy": return bound { _, _ in .dict(d) }
            case "update", "pop", "popitem", "setdefault", "clear":
                return .undefined(reason: "access to attribute '\(name)' of 'dict' object is unsafe.")
            default: return nil
            }
        case let .list(l), let .tuple(l):
            switch name {
            case "index", "count":
                return bound { a, _ in
                    let x = a.first ?? .none
                    if name == "count" { return .int(l.filter { JinjaValue.pythonEquals($0, x) }.count) }
                    guard let i = l.firstIndex(where: { JinjaValue.pythonEquals($0, x) }) else {
                        throw JinjaError.runtime("\(x.pythonRepr) is not in list", line: line)
                    }
                    return .int(i)
                }
            case "append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear":
                guard case .list = value else { return nil }
                return .undefined(reason: "access to attribute '\(name)' of 'list' object is unsafe.")
            case "copy":
                return bound { _, _ in value }
            default: return nil
            }
        case let .loop(loop):
            switch name {
            case "cycle":
                return bound { a, _ in
                    guard !a.isEmpty else { throw JinjaError.runtime("no items for cycling given", line: line) }
                    return a[loop.index0 % a.count]
                }
            case "changed":
                throw JinjaError.unsupported("unsupported loop.changed()", line: line)
            default: return nil
            }
        default:
            return nil
        }
    }
}
