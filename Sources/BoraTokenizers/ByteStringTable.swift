/// Open-addressing hash map from byte strings to `Int32`, looked up straight from a byte buffer so that the
/// merge loops never build a `String` or an `Array` to ask "is this a token?".
///
/// Keys are compared as bytes, never as `String`s: Swift's `String` equality is canonical equivalence, under
/// which distinct tokens ("é" precomposed and "e" + U+0301) would collide.
struct ByteStringTable: Sendable {
    private var storage: [UInt8] = []     // all keys, concatenated
    private var keyStart: [Int32] = []    // (entries)
    private var keyLength: [Int32] = []   // (entries)
    private var values: [Int32] = []      // (entries)
    private var slots: [Int32]            // entry index, or -1 for empty; count is a power of two
    private var mask: Int

    init(minimumCapacity: Int = 16) {
        var size = 16
        while size < minimumCapacity * 2 { size <<= 1 }
        slots = Array(repeating: -1, count: size)
        mask = size - 1
    }

    var count: Int { values.count }

    /// Inserts `key`, or replaces its value when `replace` is true. Returns the entry's value afterwards.
    @discardableResult
    mutating func insert(_ key: some Collection<UInt8>, value: Int32, replace: Bool) -> Int32 {
        let bytes = Array(key)
        if let entry = bytes.withUnsafeBufferPointer({ findEntry($0) }) {
            if replace { values[entry] = value }
            return values[entry]
        }
        if (values.count + 1) * 2 > slots.count { grow() }
        let entry = Int32(values.count)
        keyStart.append(Int32(storage.count))
        keyLength.append(Int32(bytes.count))
        values.append(value)
        storage.append(contentsOf: bytes)
        var slot = bytes.withUnsafeBufferPointer { Self.hash($0) } & mask
        while slots[slot] >= 0 { slot = (slot + 1) & mask }
        slots[slot] = entry
        return value
    }

    func value(_ key: UnsafeBufferPointer<UInt8>) -> Int32? {
        findEntry(key).map { values[$0] }
    }

    func value(_ key: [UInt8]) -> Int32? {
        key.withUnsafeBufferPointer { value($0) }
    }

    private func findEntry(_ key: UnsafeBufferPointer<UInt8>) -> Int? {
        var slot = Self.hash(key) & mask
        return storage.withUnsafeBufferPointer { stored -> Int? in
            while true {
                let entry = Int(slots[slot])
                if entry < 0 { return nil }
                if Int(keyLength[entry]) == key.count {
                    let start = Int(keyStart[entry])
                    var equal = true
                    for i in 0..<key.count where stored[start + i] != key[i] {
                        equal = false
                        break
                    }
                    if equal { return entry }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = Array(repeating: -1, count: size)
        mask = size - 1
        storage.withUnsafeBufferPointer { stored in
            for entry in 0..<values.count {
                let key = UnsafeBufferPointer(rebasing: stored[Int(keyStart[entry])..<Int(keyStart[entry] + keyLength[entry])])
                var slot = Self.hash(key) & mask
                while slots[slot] >= 0 { slot = (slot + 1) & mask }
                slots[slot] = Int32(entry)
            }
        }
    }

    /// FNV-1a, 64 bit.
    private static func hash(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key {
            h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }
}
