extension SentencePieceModelTokenizer {
    /// mistral-common's `decode(ids)`: the sentencepiece library's decoding, special tokens ignored.
    public func decode(_ ids: [Int]) throws -> String {
        try decode(ids, specialTokens: .ignore)
    }

    /// mistral-common's `decode(ids, special_token_policy)`. `.ignore` is sentencepiece's `decode`: control
    /// tokens vanish, the unknown token reads " ⁇ ", runs of byte pieces become UTF-8 with each byte that is
    /// not part of a valid character replaced by U+FFFD, "▁" becomes a space and the first text piece loses
    /// one leading "▁". `.keep` joins the raw pieces ("▁" kept), as mistral-common does; `.raise` throws on a
    /// control token and otherwise decodes as `.ignore`.
    public func decode(_ ids: [Int], specialTokens policy: SpecialTokenPolicy) throws -> String {
        for id in ids { _ = try checked(id) }
        switch policy {
        case .keep:
            var text: [UInt8] = []
            for id in ids { text.append(contentsOf: model.pieces[id]) }
            return String(decoding: text, as: UTF8.self)
        case .raise:
            if let id = ids.first(where: isSpecial) { throw TokenizerFileError.specialTokenInDecode(id: id) }
        case .ignore:
            break
        }
        var text: [UInt8] = []
        var bytes: [UInt8] = []
        var atStart = true   // sentencepiece's "is_bos_ws": no text piece yet
        for id in ids {
            let type = model.types[id]
            if type == .byte {
                bytes.append(byteValues[id])
                atStart = false
                continue
            }
            if !bytes.isEmpty {
                UTF8Repair.appendReplacingEachInvalidByte(bytes, to: &text)
                bytes.removeAll(keepingCapacity: true)
            }
            switch type {
            case .control, .byte:
                continue
            case .unknown:
                text.append(contentsOf: model.unknownSurface)
            case .normal, .userDefined, .unused:
                var piece = model.pieces[id][...]
                if atStart && (model.addDummyPrefix || model.removeExtraWhitespaces)
                    && piece.starts(with: Self.escapedSpace) {
                    piece = piece.dropFirst(3)
                }
                text.append(contentsOf: Self.unescape(piece))
            }
            atStart = false
        }
        if !bytes.isEmpty { UTF8Repair.appendReplacingEachInvalidByte(bytes, to: &text) }
        return String(decoding: text, as: UTF8.self)
    }
}

/// UTF-8 validation and the two ways of repairing invalid bytes the reference libraries use.
enum UTF8Repair {
    /// Length of the valid UTF-8 character starting at `i`, or nil (overlong forms, surrogates and values
    /// above U+10FFFF are invalid, as in Unicode's well-formed table).
    static func validCharacterLength(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> Int? {
        let lead = b[i]
        let n = b.count
        func continuation(_ k: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
            k < n && b[k] >= low && b[k] <= high
        }
        switch lead {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: return continuation(i + 1) ? 2 : nil
        case 0xE0: return continuation(i + 1, 0xA0) && continuation(i + 2) ? 3 : nil
        case 0xE1...0xEC, 0xEE...0xEF: return continuation(i + 1) && continuation(i + 2) ? 3 : nil
        case 0xED: return continuation(i + 1, 0x80, 0x9F) && continuation(i + 2) ? 3 : nil
        case 0xF0: return continuation(i + 1, 0x90) && continuation(i + 2) && continuation(i + 3) ? 4 : nil
        case 0xF1...0xF3: return continuation(i + 1) && continuation(i + 2) && continuation(i + 3) ? 4 : nil
        case 0xF4: return continuation(i + 1, 0x80, 0x8F) && continuation(i + 2) && continuation(i + 3) ? 4 : nil
        default: return nil
        }
    }

    static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]

    /// sentencepiece's byte-piece decoding: each byte that does not start a valid character becomes U+FFFD.
    static func appendReplacingEachInvalidByte(_ bytes: [UInt8], to out: inout [UInt8]) {
        bytes.withUnsafeBufferPointer { b in
            var i = 0
            while i < b.count {
                if let n = validCharacterLength(b, at: i) {
                    out.append(contentsOf: b[i..<i + n])
                    i += n
                } else {
                    out.append(contentsOf: replacement)
                    i += 1
                }
            }
        }
    }

    /// Offset of the first byte that is not valid UTF-8, or nil.
    static func firstInvalidOffset(_ bytes: some Collection<UInt8>) -> Int? {
        let array = Array(bytes)
        return array.withUnsafeBufferPointer { b -> Int? in
            var i = 0
            while i < b.count {
                guard let n = validCharacterLength(b, at: i) else { return i }
                i += n
            }
            return nil
        }
    }
}
