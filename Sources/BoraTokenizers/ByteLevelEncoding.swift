/// GPT-2's reversible byte <-> printable character mapping (`bytes_to_unicode` in openai/gpt-2 encoder.py;
/// llama.cpp `unicode_byte_to_utf8_map`): printable Latin-1 bytes map to themselves, the other 68 bytes to
/// U+0100 onwards, in byte order. Byte-level BPE vocabularies spell every token in these characters.
enum ByteLevelEncoding {
    /// The character standing for each byte.
    static let scalarForByte: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            let printable = (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
            if printable {
                table[byte] = UInt32(byte)
            } else {
                table[byte] = next
                next += 1
            }
        }
        return table
    }()

    /// UTF-8 of `scalarForByte[b]`: one or two bytes.
    static let utf8ForByte: [[UInt8]] = scalarForByte.map { scalar in
        scalar < 0x80 ? [UInt8(scalar)] : [UInt8(0xC0 | scalar >> 6), UInt8(0x80 | scalar & 0x3F)]   // all < 0x800
    }

    /// The byte a character stands for, or nil for characters outside the mapping. Indexed by scalar value < 324.
    static let byteForScalar: [Int16] = {
        var table = [Int16](repeating: -1, count: 324)
        for (byte, scalar) in scalarForByte.enumerated() { table[Int(scalar)] = Int16(byte) }
        return table
    }()

    /// Decodes a token's text back to bytes, as llama.cpp `llama_decode_text`: a character outside the
    /// mapping becomes "[UNK_BYTE_0x<its UTF-8 in hex><the token text>]".
    static func decode(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        let string = String(decoding: text, as: UTF8.self)
        for scalar in string.unicodeScalars {
            let value = Int(scalar.value)
            if value < byteForScalar.count, byteForScalar[value] >= 0 {
                out.append(UInt8(byteForScalar[value]))
            } else {
                out.append(contentsOf: "[UNK_BYTE_0x".utf8)
                for byte in String(scalar).utf8 {
                    let hex = String(byte, radix: 16)
                    out.append(contentsOf: (hex.count == 1 ? "0" + hex : hex).utf8)
                }
                out.append(contentsOf: text)
                out.append(UInt8(ascii: "]"))
            }
        }
        return out
    }
}
