extension Tokenizer {
    /// Encodes UTF-8 bytes from outside (a file, a socket, stdin), refusing invalid UTF-8 with
    /// `TokenizerFileError.invalidUTF8` (byte offset) instead of silently replacing it.
    public func encode(utf8 bytes: [UInt8], addBos: Bool, parseSpecial: Bool) throws -> [Int] {
        if let offset = UTF8Repair.firstInvalidOffset(bytes) { throw TokenizerFileError.invalidUTF8(offset: offset) }
        return try encode(String(decoding: bytes, as: UTF8.self), addBos: addBos, parseSpecial: parseSpecial)
    }
}
