/// Decodes UTF-8 to scalar values plus the byte offset of each, so that pre-token ranges over scalars map
/// back to byte ranges without re-encoding. Input comes from a `String`, so it is valid UTF-8; a malformed
/// sequence would still decode (to U+FFFD per byte) rather than trap.
enum UTF8Scalars {
    /// `offsets[i]` is the index in `bytes` of scalar `i`'s first byte; `offsets[count]` is `bytes.endIndex`.
    static func decode(_ bytes: ArraySlice<UInt8>) -> (scalars: [UInt32], offsets: [Int]) {
        var scalars: [UInt32] = []
        var offsets: [Int] = []
        scalars.reserveCapacity(bytes.count)
        offsets.reserveCapacity(bytes.count + 1)
        let base = bytes.startIndex
        var i = base
        let end = bytes.endIndex
        while i < end {
            offsets.append(i)
            let b0 = UInt32(bytes[i])
            var length = 1
            var value = b0
            if b0 >= 0xF0, i + 3 < end {
                length = 4
                value = (b0 & 0x07) << 18 | (UInt32(bytes[i + 1]) & 0x3F) << 12
                    | (UInt32(bytes[i + 2]) & 0x3F) << 6 | (UInt32(bytes[i + 3]) & 0x3F)
            } else if b0 >= 0xE0, i + 2 < end {
                length = 3
                value = (b0 & 0x0F) << 12 | (UInt32(bytes[i + 1]) & 0x3F) << 6 | (UInt32(bytes[i + 2]) & 0x3F)
            } else if b0 >= 0xC0, i + 1 < end {
                length = 2
                value = (b0 & 0x1F) << 6 | (UInt32(bytes[i + 1]) & 0x3F)
            } else if b0 >= 0x80 {
                value = 0xFFFD
            }
            scalars.append(value)
            i += length
        }
        offsets.append(end)
        return (scalars, offsets)
    }
}
