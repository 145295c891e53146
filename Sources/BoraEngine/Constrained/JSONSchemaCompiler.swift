import BoraTokenizers

/// Compiles a JSON Schema (the subset in docs/grammar.md) into GBNF text whose strings are JSON documents
/// valid against the schema. Keywords outside the subset are refused by name rather than ignored, so a
/// constrained output is valid by construction. Objects list their properties in schema order and, unless
/// `additionalProperties` is given, only the declared ones (a valid subset of what the schema allows).
public struct JSONSchemaCompiler {
    /// Deepest nesting of subschemas followed while compiling.
    public static let maxDepth = 32

    private var rootSchema: JSONValue
    private var rules: [(String, String)] = []
    private var defined: Set<String> = []
    private var refRules: [String: String] = [:]
    private var counter = 0

    static let annotations: Set<String> = ["title", "description", "default", "examples", "$schema", "$id", "$comment",
                                           "deprecated", "readOnly", "writeOnly", "$defs", "definitions", "strict"]
    static let supported: Set<String> = ["type", "properties", "required", "enum", "const", "items", "minItems", "maxItems",
                                         "anyOf", "oneOf", "allOf", "additionalProperties", "pattern", "format",
                                         "minLength", "maxLength", "$ref", "minimum", "uniqueItems"]

    /// GBNF text for `schema` (root rule `root`).
    public static func gbnf(schema: JSONValue) throws(GrammarError) -> String {
        try gbnf(named: [("root", schema)])
    }

    /// GBNF text defining one rule per schema (tool arguments), for use inside a larger grammar; helper
    /// rules are shared or numbered so that they never clash.
    public static func gbnf(named schemas: [(rule: String, schema: JSONValue)]) throws(GrammarError) -> String {
        var c = JSONSchemaCompiler(rootSchema: .null)
        var tops: [(String, String)] = []
        for (rule, schema) in schemas {
            c.rootSchema = schema
            c.refRules = [:]
            tops.append((rule, try c.visit(schema, path: "#", depth: 0)))
        }
        return (tops + c.rules).map { "\($0.0) ::= \($0.1)" }.joined(separator: "\n") + "\n"
    }

    /// The compiled grammar for `schema`; a schema that admits no value is `invalidSchema`.
    public static func grammar(schema: JSONValue) throws(GrammarError) -> Grammar {
        let text = try gbnf(schema: schema)
        do { return try Grammar(gbnf: text) } catch {
            switch error {
            case let .leftRecursion(rule): throw .invalidSchema("a $ref cycle that never reaches a value (\(rule))", path: "#")
            case .admitsNoString: throw .invalidSchema("no JSON value satisfies it (a required recursive part never ends)", path: "#")
            default: throw error
            }
        }
    }

    /// Any JSON object (OpenAI's `response_format` `{"type": "json_object"}`).
    public static var anyObjectGBNF: String {
        (try? gbnf(schema: .object([("type", .string("object"))]))) ?? ""
    }

    private init(rootSchema: JSONValue) { self.rootSchema = rootSchema }

    // MARK: Rules

    mutating func define(_ name: String, _ body: String) -> String {
        if !defined.contains(name) {
            defined.insert(name)
            rules.append((name, body))
        }
        return name
    }

    mutating func fresh(_ hint: String, _ body: String) -> String {
        counter += 1
        return define("\(hint)-\(counter)", body)
    }

    mutating func primitive(_ name: String) -> String {
        switch name {
        // At most one space between JSON tokens: no newlines or indentation for a model to spend tokens on
        // (llama.cpp's json-schema-to-grammar also bounds whitespace, less tightly).
        case "ws": return define("ws", "\" \"?")
        case "char": return define("char", "[^\"\\\\\\x00-\\x1F] | \"\\\\\" ( [\"\\\\/bfnrt] | \"u\" ( [0-9a-cA-Ce-fE-F] [0-9a-fA-F]{3} | [dD] [0-7] [0-9a-fA-F]{2} ) )")
        case "string": _ = primitive("char"); return define("string", "\"\\\"\" char* \"\\\"\"")
        case "integer": return define("integer", "\"-\"? ( \"0\" | [1-9] [0-9]{0,15} )")
        case "number": _ = primitive("integer"); return define("number", "integer ( \".\" [0-9]{1,16} )? ( [eE] [-+]? [0-9]{1,3} )?")
        case "boolean": return define("boolean", "\"true\" | \"false\"")
        case "null": return define("null", "\"null\"")
        case "value":
            for p in ["ws", "string", "number", "boolean", "null"] { _ = primitive(p) }
            _ = define("object", "\"{\" ws ( string ws \":\" ws value ( ws \",\" ws string ws \":\" ws value )* ws )? \"}\"")
            _ = define("array", "\"[\" ws ( value ( ws \",\" ws value )* ws )? \"]\"")
            return define("value", "object | array | string | number | boolean | null")
        default: return define(name, "\"\"")
        }
    }

    /// A GBNF string literal matching exactly `text`.
    static func literal(_ text: String) -> String {
        var out = "\""
        for u in text.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if u.value < 0x20 || u.value == 0x7F { out += "\\x" + String(u.value, radix: 16).leftPadded(2) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    /// The GBNF literal of a JSON value's compact text.
    static func jsonLiteral(_ v: JSONValue) -> String {
        literal(v.dumps(JSONValue.DumpOptions(ensureASCII: false, itemSeparator: ",", keySeparator: ":")))
    }

    // MARK: Schemas

    mutating func visit(_ schema: JSONValue, path: String, depth: Int) throws(GrammarError) -> String {
        guard depth <= Self.maxDepth else { throw .tooDeep(limit: Self.maxDepth, path: path) }
        if case let .bool(b) = schema {
            guard b else { throw .invalidSchema("the schema `false` admits no value", path: path) }
            return primitive("value")
        }
        guard let pairs = schema.object else { throw .invalidSchema("a schema must be an object or a boolean", path: path) }
        for (key, _) in pairs where !Self.supported.contains(key) && !Self.annotations.contains(key) {
            throw .unsupportedKeyword(key, path: path)
        }
        if let ref = schema["$ref"]?.string { return try reference(ref, path: path, depth: depth) }
        if let c = schema["const"] { return Self.jsonLiteral(c) }
        if let e = schema["enum"] {
            guard let values = e.array, !values.isEmpty else { throw .invalidSchema("enum must be a non-empty array", path: path + "/enum") }
            return "( " + values.map(Self.jsonLiteral).joined(separator: " | ") + " )"
        }
        for key in ["anyOf", "oneOf", "allOf"] {
            guard let v = schema[key] else { continue }
            guard let list = v.array, !list.isEmpty else { throw .invalidSchema("\(key) must be a non-empty array", path: path + "/" + key) }
            if key == "allOf" {
                guard list.count == 1 else { throw .unsupportedKeyword("allOf (with more than one schema)", path: path) }
                return try visit(list[0], path: path + "/allOf/0", depth: depth + 1)
            }
            var alts: [String] = []
            for (k, s) in list.enumerated() { alts.append(try visit(s, path: "\(path)/\(key)/\(k)", depth: depth + 1)) }
            return "( " + alts.joined(separator: " | ") + " )"
        }
        switch schema["type"] {
        case nil:
            if schema["properties"] != nil || schema["additionalProperties"] != nil { return try object(schema, path: path, depth: depth) }
            if schema["items"] != nil { return try array(schema, path: path, depth: depth) }
            return primitive("value")
        case let .string(t)?: return try typed(t, schema, path: path, depth: depth)
        case let .array(types)?:
            var alts: [String] = []
            for t in types {
                guard let name = t.string else { throw .invalidSchema("type must be a string or a list of strings", path: path + "/type") }
                alts.append(try typed(name, schema, path: path, depth: depth))
            }
            guard !alts.isEmpty else { throw .invalidSchema("type list is empty", path: path + "/type") }
            return "( " + alts.joined(separator: " | ") + " )"
        default: throw .invalidSchema("type must be a string or a list of strings", path: path + "/type")
        }
    }

    private mutating func typed(_ type: String, _ schema: JSONValue, path: String, depth: Int) throws(GrammarError) -> String {
        switch type {
        case "object": return try object(schema, path: path, depth: depth)
        case "array": return try array(schema, path: path, depth: depth)
        case "string": return try string(schema, path: path)
        case "integer", "number": return try number(type, schema, path: path)
        case "boolean", "null": return primitive(type)
        default: throw .invalidSchema("unknown type '\(type)' (use object, array, string, integer, number, boolean or null)", path: path + "/type")
        }
    }

    private mutating func number(_ type: String, _ schema: JSONValue, path: String) throws(GrammarError) -> String {
        guard let minimum = schema["minimum"] else { return primitive(type) }
        let digits = "( \"0\" | [1-9] [0-9]{0,15} )"
        let fraction = type == "number" ? " ( \".\" [0-9]{1,16} )?" : ""
        switch minimum {
        case .int(0), .double(0): return fresh("nonnegative", digits + fraction)
        case .int(1) where type == "integer", .double(1) where type == "integer": return fresh("positive", "[1-9] [0-9]{0,15}")
        default: throw .unsupportedKeyword("minimum (other than 0, or 1 for integers)", path: path)
        }
    }

    private mutating func reference(_ ref: String, path: String, depth: Int) throws(GrammarError) -> String {
        if let name = refRules[ref] { return name }
        guard ref.hasPrefix("#") else { throw .unsupportedKeyword("$ref to another document (\(ref))", path: path) }
        var target = rootSchema
        for raw in ref.dropFirst().split(separator: "/", omittingEmptySubsequences: true) {
            let key = String(raw).replacing("~1", with: "/").replacing("~0", with: "~")
            if let next = target[key] { target = next }
            else if let list = target.array, let k = Int(key), list.indices.contains(k) { target = list[k] }
            else { throw .invalidSchema("$ref '\(ref)' points to nothing", path: path) }
        }
        counter += 1
        let name = "ref-\(counter)"
        refRules[ref] = name
        defined.insert(name)
        let slot = rules.count
        rules.append((name, ""))
        let body = try visit(target, path: ref, depth: depth + 1)
        rules[slot].1 = body
        return name
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}
