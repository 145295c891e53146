/// Turns a stream of token bytes into text without splitting a multi-byte character: bytes of an
/// unfinished UTF-8 sequence wait for the next token. Invalid bytes become U+FFFD.
public struct UTF8Assembler: Sendable {
    var pending: [UInt8] = []

    public init() {}

    /// Appends bytes and returns the text that is now complete.
    public mutating func append(_ bytes: [UInt8]) -> String {
        pending += bytes
        let keep = Self.incompleteSuffixLength(pending)
        let ready = pending[..<(pending.count - keep)]
        let text = String(decoding: ready, as: UTF8.self)
        pending.removeFirst(pending.count - keep)
        return text
    }

    /// Whatever is left at the end of the stream.
    public mutating func flush() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// Length of a trailing UTF-8 sequence whose lead byte announces more bytes than are present.
    static func incompleteSuffixLength(_ b: [UInt8]) -> Int {
        var i = b.count - 1
        var continuation = 0
        while i >= 0 && continuation < 3 && b[i] & 0xC0 == 0x80 {
            continuation += 1
            i -= 1
        }
        guard i >= 0 else { return 0 }
        let lead = b[i]
        let need: Int
        if lead & 0xE0 == 0xC0 { need = 1 } else if lead & 0xF0 == 0xE0 { need = 2 } else if lead & 0xF8 == 0xF0 { need = 3 } else { return 0 }
        return continuation < need ? continuation + 1 : 0
    }
}
