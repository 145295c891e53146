/// Turns terminal bytes into keys: UTF-8 text, control characters, and the VT100/xterm escape sequences
/// for arrows, home/end and delete. A sequence split across reads waits for its rest.
public struct KeyDecoder: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    public mutating func feed(_ bytes: [UInt8]) -> [LineEditor.Key] {
        pending += bytes
        var keys: [LineEditor.Key] = []
        var i = 0
        func add(_ k: LineEditor.Key) {
            if case let .text(s) = k, case let .text(prev)? = keys.last {
                keys[keys.count - 1] = .text(prev + s)
            } else {
                keys.append(k)
            }
        }
        loop: while i < pending.count {
            let b = pending[i]
            switch b {
            case 0x1B:
                guard i + 2 < pending.count || (i + 1 < pending.count && pending[i + 1] != 0x5B && pending[i + 1] != 0x4F) else {
                    break loop  // wait for the rest of the sequence
                }
                guard pending[i + 1] == 0x5B || pending[i + 1] == 0x4F else { i += 2; continue }  // Alt-key: ignored
                var j = i + 2
                while j < pending.count && !(0x40...0x7E).contains(pending[j]) { j += 1 }
                guard j < pending.count else { break loop }
                let params = String(decoding: pending[(i + 2)..<j], as: UTF8.self)
                switch (pending[j], params) {
                case (0x41, _): add(.up)
                case (0x42, _): add(.down)
                case (0x43, _): add(.right)
                case (0x44, _): add(.left)
                case (0x48, _), (0x7E, "1"), (0x7E, "7"): add(.home)
                case (0x46, _), (0x7E, "4"), (0x7E, "8"): add(.end)
                case (0x7E, "3"): add(.delete)
                default: break
                }
                i = j + 1
            case 0x01: add(.home); i += 1
            case 0x02: add(.left); i += 1
            case 0x03: add(.ctrlC); i += 1
            case 0x04: add(.ctrlD); i += 1
            case 0x05: add(.end); i += 1
            case 0x06: add(.right); i += 1
            case 0x08, 0x7F: add(.backspace); i += 1
            case 0x0A, 0x0D: add(.enter); i += 1
            case 0x0B: add(.ctrlK); i += 1
            case 0x0E: add(.down); i += 1
            case 0x10: add(.up); i += 1
            case 0x15: add(.ctrlU); i += 1
            case 0x17: add(.ctrlW); i += 1
            case 0x00..<0x20: i += 1
            default:
                let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
                guard i + length <= pending.count else { break loop }
                add(.text(String(decoding: pending[i..<(i + length)], as: UTF8.self)))
                i += length
            }
        }
        pending.removeFirst(i)
        return keys
    }
}
