/// The bytes each token renders to, computed once (llama.cpp `cache_token_to_piece`, built with
/// `token_to_piece(id, special=true)`), and detokenization on top of them.
struct TokenPieces: Sendable {
    private let storage: [UInt8]
    private let start: [Int32]    // (vocabularySize + 1)

    /// - Parameter normalText: how a normal token's text becomes bytes (byte-level decoding for "gpt2",
    ///   U+2581 -> space for "llama").
    init(_ core: VocabularyCore, normalText: (ArraySlice<UInt8>) -> [UInt8]) {
        var storage: [UInt8] = []
        var start: [Int32] = [0]
        storage.reserveCapacity(core.tokenBytes.count)
        start.reserveCapacity(core.count + 1)
        for id in 0..<core.count {
            let attributes = core.attributes[id]
            if !attributes.isDisjoint(with: .special) {
                storage.append(contentsOf: core.bytes(of: id))
            } else if attributes.contains(.normal) {
                storage.append(contentsOf: normalText(core.bytes(of: id)))
            } else if attributes.contains(.byte), let byte = core.byteValue(of: id) {
                storage.append(byte)
            }
            // Unused and undefined tokens render as nothing.
            start.append(Int32(storage.count))
        }
        self.storage = storage
        self.start = start
    }

    func bytes(of id: Int) -> ArraySlice<UInt8> {
        storage[Int(start[id])..<Int(start[id + 1])]
    }

    /// llama.cpp `llama_detokenize(remove_special=false, unparse_special=true)`: with `add_space_prefix` the
    /// first token loses one leading space; `cleanSpaces` applies HF's `clean_up_tokenization_spaces`.
    func decode(_ ids: [Int], core: VocabularyCore, cleanSpaces: Bool) throws -> String {
        var text: [UInt8] = []
        for (i, id) in ids.enumerated() {
            var piece = bytes(of: try core.checked(id))
            if i == 0 && core.addSpacePrefix && piece.first == 0x20 { piece = piece.dropFirst() }
            text.append(contentsOf: piece)
        }
        if cleanSpaces { text = Self.cleanUpSpaces(text) }
        return String(decoding: text, as: UTF8.self)
    }

    /// The three passes of llama.cpp's `clean_spaces` in `detokenize`: " ?" " !" " ." " ," lose the space,
    /// a lone " ' " loses both spaces, and " 's" " 'm" " 're" " 've" lose the space.
    static func cleanUpSpaces(_ input: [UInt8]) -> [UInt8] {
        let space = UInt8(ascii: " "), quote = UInt8(ascii: "'")
        guard input.count > 1 else { return input }

        var text = input
        var out: [UInt8] = [text[0]]
        for i in 1..<text.count {
            let x = text[i]
            if text[i - 1] == space && (x == UInt8(ascii: "?") || x == UInt8(ascii: "!")
                || x == UInt8(ascii: ".") || x == UInt8(ascii: ",")) {
                out.removeLast()
            }
            out.append(x)
        }

        text = out
        out = text.isEmpty ? [] : [text[0]]
        var i = 1
        while i < text.count {
            let x = text[i]
            if x == quote && i + 1 < text.count && text[i - 1] == space && text[i + 1] == space {
                out.removeLast()
                i += 1
                text[i] = 0    // llama.cpp overwrites the skipped space with NUL; later lookbehinds see it
            }
            out.append(x)
            i += 1
        }

        text = out
        out = text.isEmpty ? [] : [text[0]]
        for i in 1..<max(text.count, 1) {
            let x = text[i]
            if text[i - 1] == space && x == quote && i + 1 < text.count {
                let x1 = text[i + 1]
                if x1 == UInt8(ascii: "s") || x1 == UInt8(ascii: "m") {
                    out.removeLast()
                } else if i + 2 < text.count {
                    let x2 = text[i + 2]
                    if (x1 == UInt8(ascii: "r") && x2 == UInt8(ascii: "e")) || (x1 == UInt8(ascii: "v") && x2 == UInt8(ascii: "e")) {
                        out.removeLast()
                    }
                }
            }
            out.append(x)
        }
        return out
    }
}
