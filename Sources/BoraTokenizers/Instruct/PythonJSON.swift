/// The JSON steps of mistral-common's encoding done the way Python's `json` module does them.
enum PythonJSON {
    /// `json.loads(text)`, or nil where Python raises `JSONDecodeError`. Objects become what a Python dict
    /// holds: a repeated key keeps its first position and its last value.
    /// Differences left: Python also reads NaN/Infinity and integers beyond 64 bits.
    static func loads(_ text: String) -> JSONValue? {
        guard let v = try? JSONValue(parsing: text) else { return nil }
        return dictSemantics(v)
    }

    /// `json.dumps(value, ensure_ascii=False)`.
    static func dumps(_ v: JSONValue) -> String {
        v.dumps(JSONValue.DumpOptions(ensureASCII: false))
    }

    static func dictSemantics(_ v: JSONValue) -> JSONValue {
        switch v {
        case .array(let items): return .array(items.map(dictSemantics))
        case .object(let pairs):
            var keys: [String] = []
            var values: [String: JSONValue] = [:]
            for (k, value) in pairs {
                if values[k] == nil { keys.append(k) }
                values[k] = dictSemantics(value)
            }
            return .object(keys.map { ($0, values[$0] ?? .null) })
        default: return v
        }
    }

    /// mistral-common `_normalize_json_content`: "" -> "{}", JSON text re-serialized, other text unchanged.
    static func normalizeContent(_ text: String) -> String {
        if text.isEmpty { return "{}" }
        guard let v = loads(text) else { return text }
        return dumps(v)
    }

    /// mistral-common `_parse_json_content`: the JSON value of `text`, or `text` as a string when it is not JSON.
    static func parseContent(_ text: String) -> JSONValue {
        loads(text) ?? .string(text)
    }

    /// `FunctionCall.arguments` after validation (`json.dumps` of an object, "{}" for null) and normalization.
    static func normalizedArguments(_ arguments: JSONValue) -> String {
        switch arguments {
        case .string(let s): return normalizeContent(s)
        case .null: return "{}"
        default: return dumps(dictSemantics(arguments))
        }
    }
}

/// Python's `re.match(r"^[a-zA-Z0-9_-]{1,64}$", name)` (`$` also matches before a final newline).
func isValidFunctionName(_ name: String) -> Bool {
    matches(name, maxLength: 64, exactLength: false, extra: [UInt8(ascii: "_"), UInt8(ascii: "-")])
}

/// Python's `re.match(r"^[a-zA-Z0-9]{9}$", id)`.
func isValidToolCallId(_ id: String) -> Bool {
    matches(id, maxLength: 9, exactLength: true, extra: [])
}

private func matches(_ s: String, maxLength: Int, exactLength: Bool, extra: Set<UInt8>) -> Bool {
    var bytes = Array(s.utf8)
    if bytes.last == 0x0A { bytes.removeLast() }
    guard !bytes.isEmpty, bytes.count <= maxLength, !exactLength || bytes.count == maxLength else { return false }
    return bytes.allSatisfy { b in
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || extra.contains(b)
    }
}
