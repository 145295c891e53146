/// JSON text exactly as Python's `json.dumps` writes it, so that prompts rendered with tool schemas or
/// `tojson` are byte-identical to the references (mistral-common, Hugging Face's chat templates).
extension JSONValue {
    public struct DumpOptions: Sendable {
        /// `ensure_ascii`: escape every non-ASCII character as \uXXXX (Python's default is true).
        public var ensureASCII = true
        /// `indent`: nil for one line.
        public var indent: Int?
        /// `separators`: Python's default is (", ", ": ") without indent and (",", ": ") with it.
        public var itemSeparator: String?
        public var keySeparator = ": "
        public var sortKeys = false
        public init(ensureASCII: Bool = true, indent: Int? = nil, itemSeparator: String? = nil,
                    keySeparator: String = ": ", sortKeys: Bool = false) {
            self.ensureASCII = ensureASCII; self.indent = indent; self.itemSeparator = itemSeparator
            self.keySeparator = keySeparator; self.sortKeys = sortKeys
        }
    }

    public func dumps(_ o: DumpOptions = DumpOptions()) -> String {
        var out = ""
        write(&out, o, level: 0)
        return out
    }

    func write(_ out: inout String, _ o: DumpOptions, level: Int) {
        let itemSep = o.itemSeparator ?? (o.indent == nil ? ", " : ",")
        func newline(_ l: Int) {
            if let n = o.indent { out += "\n" + String(repeating: " ", count: n * l) }
        }
        switch self {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .int(i): out += String(i)
        case let .double(d): out += Self.pythonFloat(d)
        case let .string(s): Self.writeString(s, ensureASCII: o.ensureASCII, into: &out)
        case let .array(items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (k, v) in items.enumerated() {
                if k > 0 { out += itemSep }
                newline(level + 1)
                v.write(&out, o, level: level + 1)
            }
            newline(level)
            out += "]"
        case let .object(pairs):
            if pairs.isEmpty { out += "{}"; return }
            let ordered = o.sortKeys ? pairs.sorted { $0.0.unicodeScalars.lexicographicallyPrecedes($1.0.unicodeScalars) } : pairs
            out += "{"
            for (k, (key, v)) in ordered.enumerated() {
                if k > 0 { out += itemSep }
                newline(level + 1)
                Self.writeString(key, ensureASCII: o.ensureASCII, into: &out)
                out += o.keySeparator
                v.write(&out, o, level: level + 1)
            }
            newline(level)
            out += "}"
        }
    }

    /// Python's `repr(float)`: shortest round-trip digits, ".0" on integral values, exponent past 1e16.
    static func pythonFloat(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d > 0 ? "Infinity" : "-Infinity" }
        var s = "\(d)"  // Swift also prints the shortest round-trip form
        if let e = s.firstIndex(of: "e") {
            // Swift: 1e+16 / 1.5e-07; Python: 1e+16 / 1.5e-07 as well, but Swift writes "1e-05" the same way.
            let mantissa = s[..<e], exponent = s[s.index(after: e)...]
            var exp = String(exponent)
            let sign = exp.hasPrefix("-") ? "-" : "+"
            exp = exp.trimmingPrefix { $0 == "-" || $0 == "+" }.description
            if exp.count < 2 { exp = "0" + exp }
            s = mantissa + "e" + sign + exp
        }
        return s
    }

    static func writeString(_ s: String, ensureASCII: Bool, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                let v = scalar.value
                if v < 0x20 || (ensureASCII && v > 0x7E) {
                    if v > 0xFFFF {
                        let u = v - 0x10000
                        out += hex4(0xD800 + (u >> 10)) + hex4(0xDC00 + (u & 0x3FF))
                    } else {
                        out += hex4(v)
                    }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    static func hex4(_ v: UInt32) -> String {
        let h = String(v, radix: 16)
        return "\\u" + String(repeating: "0", count: 4 - h.count) + h
    }
}
