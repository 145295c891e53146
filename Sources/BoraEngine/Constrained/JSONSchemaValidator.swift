import BoraTokenizers

/// Checks a JSON value against a schema of the subset `JSONSchemaCompiler` supports (the test oracle for
/// constrained decoding; formats and patterns are checked by shape only where noted). Returns the first
/// violation as "path: message", nil when valid.
public enum JSONSchemaValidator {
    public static func violation(of value: JSONValue, against schema: JSONValue) -> String? {
        check(value, schema, root: schema, path: "$", depth: 0)
    }

    private static func check(_ v: JSONValue, _ s: JSONValue, root: JSONValue, path: String, depth: Int) -> String? {
        guard depth < 64 else { return "\(path): schema recursion too deep" }
        if case let .bool(b) = s { return b ? nil : "\(path): schema false" }
        if let ref = s["$ref"]?.string {
            var target = root
            for raw in ref.dropFirst().split(separator: "/") {
                guard let next = target[String(raw)] else { return "\(path): unresolved $ref \(ref)" }
                target = next
            }
            return check(v, target, root: root, path: path, depth: depth + 1)
        }
        if let c = s["const"], !equal(c, v) { return "\(path): not the const value" }
        if let e = s["enum"]?.array, !e.contains(where: { equal($0, v) }) { return "\(path): not one of the enum values" }
        if let list = s["anyOf"]?.array ?? s["oneOf"]?.array,
           !list.contains(where: { check(v, $0, root: root, path: path, depth: depth + 1) == nil }) {
            return "\(path): matches none of anyOf/oneOf"
        }
        if let list = s["allOf"]?.array {
            for sub in list { if let e = check(v, sub, root: root, path: path, depth: depth + 1) { return e } }
        }
        if let t = s["type"] {
            let types = t.array?.compactMap(\.string) ?? [t.string ?? ""]
            guard types.contains(where: { matchesType(v, $0) }) else { return "\(path): not of type \(types)" }
        }
        switch v {
        case let .object(pairs):
            let props = s["properties"]?.object ?? []
            for name in s["required"]?.array?.compactMap(\.string) ?? [] where !pairs.contains(where: { $0.0 == name }) {
                return "\(path): missing required '\(name)'"
            }
            for (k, value) in pairs {
                if let sub = props.first(where: { $0.0 == k })?.1 {
                    if let e = check(value, sub, root: root, path: "\(path).\(k)", depth: depth + 1) { return e }
                } else if let extra = s["additionalProperties"] {
                    if let e = check(value, extra, root: root, path: "\(path).\(k)", depth: depth + 1) { return e }
                }
            }
        case let .array(items):
            if case let .int(n)? = s["minItems"], items.count < n { return "\(path): fewer than \(n) items" }
            if case let .int(n)? = s["maxItems"], items.count > n { return "\(path): more than \(n) items" }
            if let sub = s["items"] {
                for (k, item) in items.enumerated() {
                    if let e = check(item, sub, root: root, path: "\(path)[\(k)]", depth: depth + 1) { return e }
                }
            }
        case let .string(str):
            let n = str.unicodeScalars.count
            if case let .int(m)? = s["minLength"], n < m { return "\(path): shorter than \(m)" }
            if case let .int(m)? = s["maxLength"], n > m { return "\(path): longer than \(m)" }
        case .int, .double:
            if let m = number(s["minimum"]), let x = number(v), x < m { return "\(path): below minimum \(m)" }
        default: break
        }
        return nil
    }

    private static func number(_ v: JSONValue?) -> Double? {
        switch v {
        case let .int(i)?: return Double(i)
        case let .double(d)?: return d
        default: return nil
        }
    }

    private static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if let x = number(a), let y = number(b) { return x == y }
        if case let .object(p) = a, case let .object(q) = b {
            return p.count == q.count && p.allSatisfy { kv in q.contains { $0.0 == kv.0 && equal($0.1, kv.1) } }
        }
        if case let .array(p) = a, case let .array(q) = b { return p.count == q.count && zip(p, q).allSatisfy { equal($0, $1) } }
        return a == b
    }

    private static func matchesType(_ v: JSONValue, _ t: String) -> Bool {
        switch (t, v) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null): return true
        case ("integer", .int): return true
        case let ("integer", .double(d)): return d == d.rounded()
        case ("number", .int), ("number", .double): return true
        default: return false
        }
    }
}
