import BoraTokenizers

extension JSONValue {
    /// Compact JSON for the wire (UTF-8, no spaces).
    var wire: String { dumps(.init(ensureASCII: false, itemSeparator: ",", keySeparator: ":")) }
}

/// Typed access to the fields of a request body, each wrong type an `APIError` naming the field.
/// Absent and `null` fields read as nil (the APIs treat them alike); unknown fields are never read.
struct JSONFields {
    let object: JSONValue
    /// Prefix for `param` in errors ("messages[2].")
    let path: String

    init(_ value: JSONValue, path: String = "") throws(APIError) {
        guard value.object != nil else {
            throw APIError(.badRequest, path.isEmpty ? "the request body must be a JSON object"
                                                     : "\(path.dropLast()) must be a JSON object",
                           param: path.isEmpty ? nil : String(path.dropLast()), code: "invalid_type")
        }
        object = value; self.path = path
    }

    func value(_ key: String) -> JSONValue? {
        guard let v = object[key], v != .null else { return nil }
        return v
    }

    private func wrongType(_ key: String, _ expected: String, _ v: JSONValue) -> APIError {
        APIError(.badRequest, "\(path)\(key) must be \(expected), got \(Self.kind(v))", param: path + key, code: "invalid_type")
    }

    func string(_ key: String) throws(APIError) -> String? {
        guard let v = value(key) else { return nil }
        guard let s = v.string else { throw wrongType(key, "a string", v) }
        return s
    }

    func bool(_ key: String) throws(APIError) -> Bool? {
        guard let v = value(key) else { return nil }
        guard case let .bool(b) = v else { throw wrongType(key, "a boolean", v) }
        return b
    }

    func int(_ key: String) throws(APIError) -> Int? {
        guard let v = value(key) else { return nil }
        switch v {
        case let .int(i): return i
        case let .double(d) where d.rounded() == d && abs(d) < 1e15: return Int(d)
        default: throw wrongType(key, "an integer", v)
        }
    }

    func double(_ key: String) throws(APIError) -> Double? {
        guard let v = value(key) else { return nil }
        switch v {
        case let .int(i): return Double(i)
        case let .double(d): return d
        default: throw wrongType(key, "a number", v)
        }
    }

    func array(_ key: String) throws(APIError) -> [JSONValue]? {
        guard let v = value(key) else { return nil }
        guard let a = v.array else { throw wrongType(key, "an array", v) }
        return a
    }

    func fields(_ key: String) throws(APIError) -> JSONFields? {
        guard let v = value(key) else { return nil }
        return try JSONFields(v, path: path + key + ".")
    }

    /// A string or a list of strings (`stop`).
    func strings(_ key: String) throws(APIError) -> [String]? {
        guard let v = value(key) else { return nil }
        if let s = v.string { return [s] }
        guard let a = v.array else { throw wrongType(key, "a string or an array of strings", v) }
        var out: [String] = []
        for item in a {
            guard let s = item.string else { throw wrongType(key, "a string or an array of strings", v) }
            out.append(s)
        }
        return out
    }

    static func kind(_ v: JSONValue) -> String {
        switch v {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int, .double: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
