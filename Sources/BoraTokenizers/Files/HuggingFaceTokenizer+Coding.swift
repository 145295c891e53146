import Foundation

extension HuggingFaceTokenizer {
    public func encode(_ text: String, addBos: Bool, parseSpecial: Bool) throws -> [Int] {
        var output: [Int] = addBos ? configuration.templatePrefix : []
        let bytes = Array(text.utf8)
        var scratch = HuggingFaceBPE.Scratch()
        let normalizedTokens = parseSpecial ? normalizedMatcher : normalizedNonSpecialMatcher
        for fragment in (parseSpecial ? rawMatcher : rawNonSpecialMatcher).split(bytes) {
            guard case .text(let range) = fragment else {
                if case .token(let id) = fragment { output.append(id) }
                continue
            }
            let normalized = normalize(bytes[range])
            for piece in normalizedTokens.split(normalized) {
                switch piece {
                case .token(let id):
                    output.append(id)
                case .text(let r):
                    preTokenize(normalized[r], atStart: range.lowerBound == 0 && r.lowerBound == 0) { word in
                        word.withUnsafeBufferPointer { model.encode($0, into: &output, scratch: &scratch) }
                    }
                }
            }
        }
        if addBos { output += configuration.templateSuffix }
        return output
    }

    func normalize(_ text: ArraySlice<UInt8>) -> [UInt8] {
        guard !configuration.normalizer.isEmpty, !text.isEmpty else { return Array(text) }
        return Array(Self.normalize(String(decoding: text, as: UTF8.self), configuration.normalizer).utf8)
    }

    static func normalize(_ text: String, _ steps: [HuggingFaceConfiguration.NormalizerStep]) -> String {
        var string = text
        for step in steps {
            switch step {
            case .prepend(let prefix): if !string.isEmpty { string = prefix + string }
            case .replace(let pattern, let content): string = string.replacingOccurrences(of: pattern, with: content)
            case .nfc: string = string.precomposedStringWithCanonicalMapping
            }
        }
        return string
    }

    /// Calls `body` with each word of `text` in the model's alphabet.
    func preTokenize(_ text: ArraySlice<UInt8>, atStart: Bool, _ body: ([UInt8]) -> Void) {
        guard !text.isEmpty else { return }
        switch configuration.preTokenization {
        case .none:
            body(Array(text))
        case let .byteLevel(splitter, addPrefixSpace):
            var bytes = Array(text)
            if addPrefixSpace && bytes.first != 0x20 { bytes.insert(0x20, at: 0) }
            func emit(_ word: ArraySlice<UInt8>) {
                var encoded: [UInt8] = []
                encoded.reserveCapacity(word.count * 2)
                for byte in word { encoded.append(contentsOf: ByteLevelEncoding.utf8ForByte[Int(byte)]) }
                body(encoded)
            }
            switch splitter {
            case nil:
                emit(bytes[...])
            case .llamaCpp(let kind)?:
                let (scalars, offsets) = UTF8Scalars.decode(bytes[...])
                for word in PreTokenizer(kind: kind).split(scalars) {
                    emit(bytes[offsets[word.lowerBound]..<offsets[word.upperBound]])
                }
            case .tekken?:
                var scratch = TekkenPattern.Scratch()
                TekkenPattern.classify(bytes[...], into: &scratch)
                scratch.forEachPiece { start, end in emit(bytes[start..<end]) }
            }
        case let .metaspace(replacement, prepend, split):
            let mark = Array(replacement.utf8)
            var bytes: [UInt8] = []
            for byte in text {
                if byte == 0x20 { bytes += mark } else { bytes.append(byte) }
            }
            let prepends = prepend == .always || (prepend == .first && atStart)
            if prepends && !bytes.starts(with: mark) { bytes = mark + bytes }
            guard split, !mark.isEmpty else {
                body(bytes)
                return
            }
            var start = 0
            var i = 0
            while i < bytes.count {
                if i > start, bytes[i...].starts(with: mark) {
                    body(Array(bytes[start..<i]))
                    start = i
                }
                i += bytes[i...].starts(with: mark) ? mark.count : 1
            }
            body(Array(bytes[start...]))
        case let .split(pattern, behavior):
            Self.split(Array(text), on: pattern, behavior, body)
        }
    }

    /// The pieces of `bytes` around the non-overlapping occurrences of `pattern`, left to right (tokenizers'
    /// `Split` with a string pattern); empty pieces are skipped.
    package static func split(_ bytes: [UInt8], on pattern: [UInt8], _ behavior: HuggingFaceConfiguration.SplitBehavior,
                      _ body: ([UInt8]) -> Void) {
        func emit(_ range: Range<Int>) { if !range.isEmpty { body(Array(bytes[range])) } }
        var start = 0, i = 0
        while i + pattern.count <= bytes.count {
            guard bytes[i..<(i + pattern.count)].elementsEqual(pattern) else {
                i += 1
                continue
            }
            let end = i + pattern.count
            switch behavior {
            case .removed: emit(start..<i); start = end
            case .isolated: emit(start..<i); emit(i..<end); start = end
            case .mergedWithPrevious: emit(start..<end); start = end
            case .mergedWithNext: emit(start..<i); start = i
            }
            i = end
        }
        emit(start..<bytes.count)
    }

    public func decode(_ ids: [Int]) throws -> String {
        try decode(ids, specialTokens: .ignore)
    }

    /// `tokenizers`' `decode(ids, skip_special_tokens=)`: `.ignore` skips special added tokens, `.keep`
    /// keeps them, `.raise` throws on one; then the file's decoder chain.
    public func decode(_ ids: [Int], specialTokens policy: SpecialTokenPolicy) throws -> String {
        var pieces: [String] = []
        for id in ids {
            let id = try checked(id)
            if specialIds.contains(id) {
                if policy == .ignore { continue }
                if policy == .raise { throw TokenizerFileError.specialTokenInDecode(id: id) }
            }
            pieces.append(tokens[id] ?? "")
        }
        guard let steps = configuration.decoder else { return pieces.joined(separator: " ") }
        for step in steps {
            switch step {
            case .byteLevel:
                var bytes: [UInt8] = []
                for piece in pieces { bytes += ByteLevelEncoding.decodeLeavingUnmapped(piece) }
                pieces = [String(decoding: bytes, as: UTF8.self)]
            case let .replace(pattern, content):
                pieces = pieces.map { $0.replacingOccurrences(of: pattern, with: content) }
            case .byteFallback:
                pieces = Self.fallBackToBytes(pieces)
            case .fuse:
                pieces = [pieces.joined()]
            case let .strip(character, start, stop):
                pieces = pieces.map { piece in
                    var s = Substring(piece)
                    var n = 0
                    while n < start, s.first == character { s = s.dropFirst(); n += 1 }
                    n = 0
                    while n < stop, s.last == character { s = s.dropLast(); n += 1 }
                    return String(s)
                }
            case let .metaspace(replacement, prependFirst):
                pieces = pieces.enumerated().map { i, piece in
                    var s = piece.replacingOccurrences(of: replacement, with: " ")
                    if i == 0 && prependFirst && s.hasPrefix(" ") { s.removeFirst() }
                    return s
                }
            }
        }
        return pieces.joined()
    }

    /// The ByteFallback decoder: a run of `<0xXX>` tokens becomes its UTF-8 text, or one U+FFFD per token
    /// when the bytes are not valid UTF-8.
    static func fallBackToBytes(_ pieces: [String]) -> [String] {
        var out: [String] = []
        var run: [UInt8] = []
        var runTokens = 0
        func flush() {
            guard runTokens > 0 else { return }
            if UTF8Repair.firstInvalidOffset(run) == nil {
                out.append(String(decoding: run, as: UTF8.self))
            } else {
                out += Array(repeating: "\u{FFFD}", count: runTokens)
            }
            run.removeAll()
            runTokens = 0
        }
        for piece in pieces {
            if let byte = byteValue(piece) {
                run.append(byte)
                runTokens += 1
            } else {
                flush()
                out.append(piece)
            }
        }
        flush()
        return out
    }

    static func byteValue(_ piece: String) -> UInt8? {
        let u = Array(piece.utf8)
        guard u.count == 6, u.starts(with: "<0x".utf8), u[5] == UInt8(ascii: ">") else { return nil }
        return UInt8(String(decoding: u[3..<5], as: UTF8.self), radix: 16)
    }
}

extension ByteLevelEncoding {
    /// Token text in GPT-2 byte characters -> bytes; characters outside the mapping keep their UTF-8.
    static func decodeLeavingUnmapped(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        for scalar in text.unicodeScalars {
            let value = Int(scalar.value)
            if value < byteForScalar.count, byteForScalar[value] >= 0 {
                out.append(UInt8(byteForScalar[value]))
            } else {
                out += Array(String(scalar).utf8)
            }
        }
        return out
    }
}
