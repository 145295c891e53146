import BoraTokenizers

extension JSONSchemaCompiler {
    mutating func object(_ schema: JSONValue, path: String, depth: Int) throws(GrammarError) -> String {
        let ws = primitive("ws")
        let properties = schema["properties"]?.object ?? []
        if let p = schema["properties"], p.object == nil { throw .invalidSchema("properties must be an object", path: path + "/properties") }
        var required = Set<String>()
        if let r = schema["required"] {
            guard let list = r.array?.compactMap(\.string), list.count == r.array?.count else {
                throw .invalidSchema("required must be a list of strings", path: path + "/required")
            }
            required = Set(list)
        }
        // Extra keys: any value when additionalProperties is true, or absent with no properties declared.
        var extra: String?
        switch schema["additionalProperties"] {
        case .bool(false)?: extra = nil
        case .bool(true)?: extra = primitive("value")
        case nil: extra = properties.isEmpty ? primitive("value") : nil
        case let s?: extra = try visit(s, path: path + "/additionalProperties", depth: depth + 1)
        }
        for name in required where !properties.contains(where: { $0.0 == name }) {
            guard extra != nil else {
                throw .invalidSchema("required property '\(name)' is not among the properties and additionalProperties is false", path: path + "/required")
            }
        }
        var pairs: [(String, String, Bool)] = [] // (key literal, value expr, required)
        for (name, sub) in properties {
            let value = try visit(sub, path: "\(path)/properties/\(name)", depth: depth + 1)
            pairs.append((Self.jsonLiteral(.string(name)), value, required.contains(name)))
        }
        let extraPair = extra.map { "\(primitive("string")) \(ws) \":\" \(ws) \($0)" }
        // tail(i, needComma): the properties from i on; optional ones may be left out.
        var memo: [String: String] = [:]
        func tail(_ i: Int, _ needComma: Bool) -> String {
            let key = "\(i)-\(needComma)"
            if let m = memo[key] { return m }
            let comma = needComma ? "\(ws) \",\" \(ws) " : ""
            var body: String
            if i == pairs.count {
                if let extraPair {
                    body = needComma ? "( \(ws) \",\" \(ws) \(extraPair) )*" : "( \(extraPair) ( \(ws) \",\" \(ws) \(extraPair) )* )?"
                } else {
                    body = "\"\""
                }
            } else {
                let (k, v, req) = pairs[i]
                let take = "\(comma)\(k) \(ws) \":\" \(ws) \(v) \(tail(i + 1, true))"
                body = req ? take : "( \(take) ) | \(tail(i + 1, needComma))"
            }
            let name = fresh("obj", body)
            memo[key] = name
            return name
        }
        let inner = tail(0, false)
        return fresh("object", "\"{\" \(ws) \(inner) \(ws) \"}\"")
    }

    mutating func array(_ schema: JSONValue, path: String, depth: Int) throws(GrammarError) -> String {
        let ws = primitive("ws")
        if schema["uniqueItems"] == .bool(true) { throw .unsupportedKeyword("uniqueItems", path: path) }
        let item: String
        switch schema["items"] {
        case nil: item = primitive("value")
        case let s? where s.array != nil: throw .unsupportedKeyword("items as a list (use prefixItems-free schemas)", path: path + "/items")
        case let s?: item = try visit(s, path: path + "/items", depth: depth + 1)
        }
        func count(_ key: String) throws(GrammarError) -> Int? {
            guard let v = schema[key] else { return nil }
            guard case let .int(n) = v, n >= 0 else { throw .invalidSchema("\(key) must be a non-negative integer", path: path + "/" + key) }
            return n
        }
        let lo = try count("minItems") ?? 0
        let hi = try count("maxItems")
        if let hi, hi < lo { throw .invalidSchema("maxItems \(hi) is below minItems \(lo)", path: path) }
        guard max(lo, hi ?? 0) <= 1000 else { throw .unsupportedKeyword("minItems/maxItems above 1000", path: path) }
        if hi == 0 { return fresh("array", "\"[\" \(ws) \"]\"") }
        let element = fresh("item", item)
        let more = "( \(ws) \",\" \(ws) \(element) )"
        let restMin = max(lo - 1, 0)
        let rest = hi.map { "\(more){\(restMin),\($0 - 1)}" } ?? "\(more){\(restMin),}"
        let items = lo == 0 ? "( \(element) \(rest) \(ws) )?" : "\(element) \(rest) \(ws)"
        return fresh("array", "\"[\" \(ws) \(items) \"]\"")
    }

    mutating func string(_ schema: JSONValue, path: String) throws(GrammarError) -> String {
        if let format = schema["format"] {
            guard let f = format.string, let body = Self.formats[f] else {
                throw .unsupportedKeyword("format '\(format.string ?? "?")' (supported: \(Self.formats.keys.sorted().joined(separator: ", ")))", path: path)
            }
            return fresh("format", "\"\\\"\" \(body) \"\\\"\"")
        }
        if let pattern = schema["pattern"] {
            guard let p = pattern.string else { throw .invalidSchema("pattern must be a string", path: path + "/pattern") }
            let body: String
            do { body = try RegexToGBNF.translate(p) } catch { throw .unsupportedKeyword("pattern '\(p)' (\(error))", path: path) }
            return fresh("pattern", "\"\\\"\" ( \(body) ) \"\\\"\"")
        }
        let char = primitive("char")
        func length(_ key: String) throws(GrammarError) -> Int? {
            guard let v = schema[key] else { return nil }
            guard case let .int(n) = v, n >= 0 else { throw .invalidSchema("\(key) must be a non-negative integer", path: path + "/" + key) }
            return n
        }
        let lo = try length("minLength"), hi = try length("maxLength")
        if lo == nil, hi == nil { return primitive("string") }
        if let lo, let hi, hi < lo { throw .invalidSchema("maxLength \(hi) is below minLength \(lo)", path: path) }
        guard max(lo ?? 0, hi ?? 0) <= 5000 else { throw .unsupportedKeyword("minLength/maxLength above 5000", path: path) }
        let rep = hi.map { "{\(lo ?? 0),\($0)}" } ?? "{\(lo ?? 0),}"
        return fresh("string", "\"\\\"\" \(char)\(rep) \"\\\"\"")
    }

    /// GBNF bodies (without quotes) of the supported string formats.
    static let formats: [String: String] = {
        let date = "[0-9]{4} \"-\" ( \"0\" [1-9] | \"1\" [0-2] ) \"-\" ( \"0\" [1-9] | [12] [0-9] | \"3\" [01] )"
        let time = "( [01] [0-9] | \"2\" [0-3] ) \":\" [0-5] [0-9] \":\" [0-5] [0-9] ( \".\" [0-9]{1,6} )? ( \"Z\" | [-+] ( [01] [0-9] | \"2\" [0-3] ) \":\" [0-5] [0-9] )"
        let hex = "[0-9a-f]"
        return [
            "date": date,
            "time": time,
            "date-time": "\(date) \"T\" \(time)",
            "uuid": "\(hex){8} \"-\" \(hex){4} \"-\" \(hex){4} \"-\" \(hex){4} \"-\" \(hex){12}",
            "email": "[a-zA-Z0-9._+-]{1,32} \"@\" [a-zA-Z0-9-]{1,32} ( \".\" [a-zA-Z0-9-]{1,32} ){0,3} \".\" [a-zA-Z]{2,8}",
        ]
    }()
}
