import BoraEngine
import BoraTokenizers

/// Random model outputs with and without tool calls, in each family's format, for the differential tests of
/// the streamed tool-call reader: content (some of it looking like markers), calls with nested arguments
/// whose strings hold braces, quotes, escapes and non-ASCII text, in compact or spaced JSON, and calls that
/// are malformed before their arguments begin.
enum ToolOutputSampler {
    static func pick<T>(_ items: [T], _ rng: inout SplitMix64) -> T { items[Int(rng.next() % UInt64(items.count))] }
    static func chance(_ p: Double, _ rng: inout SplitMix64) -> Bool { rng.nextDouble() < p }

    static let words = ["Sure.", "Let me check", "a < b", "<tool", "<tool_cal", "x{y}", "héllo 👋", "\n", "  ", "[1, 2]", "\"q\""]
    static let strings = ["Paris", "}{", "a \"quoted\" word", "back\\slash", "é ñ 日本", "line\nbreak", "", "[TOOL_CALLS]", "<tool_call>"]

    static func value(_ depth: Int, _ rng: inout SplitMix64) -> JSONValue {
        switch rng.next() % (depth > 2 ? 4 : 6) {
        case 0: return .string(pick(strings, &rng))
        case 1: return .int(Int(rng.next() % 2000) - 1000)
        case 2: return pick([.bool(true), .bool(false), .null, .double(2.5)], &rng)
        case 3: return .string(pick(strings, &rng) + pick(strings, &rng))
        case 4: return .array((0..<Int(rng.next() % 3)).map { _ in value(depth + 1, &rng) })
        default: return object(depth + 1, &rng)
        }
    }

    static func object(_ depth: Int, _ rng: inout SplitMix64) -> JSONValue {
        .object((0..<Int(rng.next() % 4)).map { i in ("k\(i)\(pick(["", "_x", "é"], &rng))", value(depth, &rng)) })
    }

    static func json(_ v: JSONValue, _ rng: inout SplitMix64) -> String {
        chance(0.5, &rng) ? v.dumps(.init(ensureASCII: false, itemSeparator: ",", keySeparator: ":"))
            : v.dumps(.init(ensureASCII: chance(0.3, &rng)))
    }

    static func content(_ rng: inout SplitMix64) -> String {
        (0..<Int(rng.next() % 4)).map { _ in pick(words, &rng) }.joined(separator: pick([" ", ""], &rng))
    }

    /// One output of `format` (the text families).
    static func output(_ format: ToolCallFormat, rng: inout SplitMix64) -> String {
        let name = JSONValue.string(pick(["get_weather", "search", "f", "tool_é"], &rng)).dumps()
        let arguments = json(object(0, &rng), &rng)
        if format == .llama3 {
            switch rng.next() % 4 {
            case 0: return content(&rng)
            case 1: return json(object(0, &rng), &rng)
            default: return pick(["", " ", "\n"], &rng) + "{\"name\": \(name), \"parameters\": \(arguments)}"
            }
        }
        var text = chance(0.5, &rng) ? content(&rng) : ""
        for _ in 0..<Int(rng.next() % 3) {
            let body: String
            switch rng.next() % 8 {
            case 0: body = "not json"
            case 1: body = "{\"name\": 5, \"arguments\": {}}"
            case 2: body = "{\"name\": \(name), \"arguments\": [1]}"
            case 3: body = "{\"arguments\": \(json(object(0, &rng), &rng)), \"name\": \(name)}"
            default: body = "{\"name\": \(name), \"arguments\": \(json(object(0, &rng), &rng))}"
            }
            text += pick(["", "\n", " "], &rng) + "<tool_call>\n" + body + "\n</tool_call>"
        }
        if chance(0.2, &rng) { text += content(&rng) }
        return text
    }

    /// `text` cut into pieces of 1 to 8 characters, as tokens would cut it.
    static func pieces(_ text: String, rng: inout SplitMix64) -> [String] {
        var out: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            let n = 1 + Int(rng.next() % 8)
            out.append(String(rest.prefix(n)))
            rest = rest.dropFirst(n)
        }
        return out
    }
}

/// A tokenizer that knows no tokens: the text families are read from text alone.
struct StubTokenizer: Tokenizer {
    var vocabularySize: Int { 0 }
    var bosId: Int? { nil }
    var eosId: Int? { nil }
    var addsBosByDefault: Bool { false }
    func isEndOfGeneration(_ id: Int) -> Bool { false }
    func encode(_ text: String, addBos: Bool, parseSpecial: Bool) throws -> [Int] { [] }
    func decode(_ ids: [Int]) throws -> String { "" }
    func pieceBytes(_ id: Int) throws -> [UInt8] { [] }
    func specialTokenId(_ text: String) -> Int? { nil }
}
