/// A value inside a running template: the Python objects a chat template sees under jinja2
/// (JSON data plus tuples, undefined, namespaces, loop objects and callables).
enum JinjaValue {
    /// jinja2's default `Undefined`; `reason` is the message raised when it is used as an object
    /// ("'foo' is undefined", "'dict object' has no attribute 'x'").
    case undefined(reason: String)
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case list([JinjaValue])
    case tuple([JinjaValue])
    case dict(JinjaDict)
    case namespace(JinjaNamespace)
    case loop(JinjaLoop)
    case callable(JinjaCallable)

    init(_ json: JSONValue) {
        switch json {
        case .null: self = .none
        case let .bool(b): self = .bool(b)
        case let .int(i): self = .int(i)
        case let .double(d): self = .float(d)
        case let .string(s): self = .string(s)
        case let .array(a): self = .list(a.map(JinjaValue.init))
        case let .object(o):
            var d = JinjaDict()
            for (k, v) in o { d[.string(k)] = JinjaValue(v) }
            self = .dict(d)
        }
    }

    var isUndefined: Bool { if case .undefined = self { return true }; return false }

    /// Python's type name, for error messages.
    var typeName: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "str"
        case .list: return "list"
        case .tuple: return "tuple"
        case .dict: return "dict"
        case .namespace: return "Namespace"
        case .loop: return "LoopContext"
        case .callable: return "function"
        }
    }

    /// Python truthiness.
    var truthy: Bool {
        switch self {
        case .undefined, .none: return false
        case let .bool(b): return b
        case let .int(i): return i != 0
        case let .float(d): return d != 0
        case let .string(s): return !s.isEmpty
        case let .list(a), let .tuple(a): return !a.isEmpty
        case let .dict(d): return !d.isEmpty
        case .namespace, .loop, .callable: return true
        }
    }

    /// Numeric view (bool is an int in Python).
    var number: Double? {
        switch self {
        case let .bool(b): return b ? 1 : 0
        case let .int(i): return Double(i)
        case let .float(d): return d
        default: return nil
        }
    }

    var integer: Int? {
        switch self {
        case let .bool(b): return b ? 1 : 0
        case let .int(i): return i
        default: return nil
        }
    }
}

/// An insertion-ordered dict with Python key equality (1 == 1.0 == True).
struct JinjaDict {
    var entries: [(key: JinjaValue, value: JinjaValue)] = []

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }
    var keys: [JinjaValue] { entries.map(\.key) }
    var values: [JinjaValue] { entries.map(\.value) }

    func index(of key: JinjaValue) -> Int? {
        entries.firstIndex { JinjaValue.pythonEquals($0.key, key) }
    }

    subscript(key: JinjaValue) -> JinjaValue? {
        get { index(of: key).map { entries[$0].value } }
        set {
            if let i = index(of: key) {
                if let newValue { entries[i].value = newValue } else { entries.remove(at: i) }
            } else if let newValue {
                entries.append((key, newValue))
            }
        }
    }

    subscript(name: String) -> JinjaValue? { self[.string(name)] }
}

/// `namespace(...)`: the one mutable object templates have, shared by reference.
final class JinjaNamespace {
    var attributes = JinjaDict()
    init(_ attributes: JinjaDict) { self.attributes = attributes }
}

/// The `loop` variable of one iteration.
struct JinjaLoop {
    var index0: Int
    var items: [JinjaValue]
    var depth0: Int

    func attribute(_ name: String) -> JinjaValue? {
        let length = items.count
        switch name {
        case "index0": return .int(index0)
        case "index": return .int(index0 + 1)
        case "revindex": return .int(length - index0)
        case "revindex0": return .int(length - index0 - 1)
        case "first": return .bool(index0 == 0)
        case "last": return .bool(index0 == length - 1)
        case "length": return .int(length)
        case "depth": return .int(depth0 + 1)
        case "depth0": return .int(depth0)
        case "previtem": return index0 > 0 ? items[index0 - 1] : .undefined(reason: "there is no previous item")
        case "nextitem": return index0 + 1 < length ? items[index0 + 1] : .undefined(reason: "there is no next item")
        default: return nil
        }
    }
}

/// A macro, a global function or a bound method. Arguments: positional, then keyword.
struct JinjaCallable {
    var name: String
    var call: (_ args: [JinjaValue], _ kwargs: [(String, JinjaValue)]) throws -> JinjaValue
}
