/// A GGUF metadata value (GGUF spec, `gguf_metadata_value_type`).
public enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case float32(Float), bool(Bool), string(String), uint64(UInt64), int64(Int64), float64(Double)
    case array([GGUFValue])

    public var string: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    /// Any integer type as Int (nil when it does not fit).
    public var int: Int? {
        switch self {
        case let .uint8(v): return Int(v)
        case let .int8(v): return Int(v)
        case let .uint16(v): return Int(v)
        case let .int16(v): return Int(v)
        case let .uint32(v): return Int(v)
        case let .int32(v): return Int(v)
        case let .uint64(v): return Int(exactly: v)
        case let .int64(v): return Int(v)
        default: return nil
        }
    }

    /// Any numeric type as Double.
    public var double: Double? {
        switch self {
        case let .float32(v): return Double(v)
        case let .float64(v): return v
        default: return int.map(Double.init)
        }
    }

    public var bool: Bool? {
        if case let .bool(b) = self { return b }
        return nil
    }

    public var array: [GGUFValue]? {
        if case let .array(a) = self { return a }
        return nil
    }

    /// A short rendering for `bora inspect`: long arrays are summarised.
    public func summary(maxItems: Int = 8, maxChars: Int = 120) -> String {
        switch self {
        case let .string(s):
            let flat = s.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\\n")
            return flat.count > maxChars ? "\"\(flat.prefix(maxChars))...\" (\(s.utf8.count) bytes)" : "\"\(flat)\""
        case let .array(items):
            let shown = items.prefix(maxItems).map { $0.summary(maxItems: 3, maxChars: 24) }.joined(separator: ", ")
            return items.count > maxItems ? "[\(shown), ...] (\(items.count) items)" : "[\(shown)]"
        case let .bool(b): return String(b)
        case let .float32(v): return String(v)
        case let .float64(v): return String(v)
        default: return int.map(String.init) ?? "?"
        }
    }
}
