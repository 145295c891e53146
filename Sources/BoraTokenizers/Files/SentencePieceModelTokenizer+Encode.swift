/// A candidate merge of two adjacent symbols: highest score first, then leftmost (sentencepiece
/// bpe_model.cc's agenda order). `size` detects candidates made stale by an earlier merge.
struct SentencePieceCandidate: Comparable {
    var score: Float
    var left: Int32
    var right: Int32
    var size: Int32

    static func < (a: Self, b: Self) -> Bool {
        a.score != b.score ? a.score > b.score : a.left < b.left
    }

    static func == (a: Self, b: Self) -> Bool {
        a.score == b.score && a.left == b.left
    }
}

/// Buffers of one `encode` call.
struct SentencePieceScratch {
    var text: [UInt8] = []        // the normalized text: "▁" prefix, spaces as "▁"
    var start: [Int32] = []       // (symbols) offset in `text`
    var length: [Int32] = []      // (symbols) bytes; 0 once merged into the left neighbour
    var previous: [Int32] = []
    var next: [Int32] = []
    var frozen: [Bool] = []       // user-defined symbols never merge
    var queue = BinaryHeap<SentencePieceCandidate>()
}

extension SentencePieceModelTokenizer {
    public func encode(_ text: String, addBos: Bool, parseSpecial: Bool) throws -> [Int] {
        var output: [Int] = []
        if addBos {
            guard let bos = model.bosId else { throw TokenizerError.missingSpecialToken("bos") }
            output.append(bos)
        }
        let bytes = Array(text.utf8)
        var scratch = SentencePieceScratch()
        if parseSpecial {
            for fragment in control.split(bytes) {
                switch fragment {
                case .token(let id): output.append(id)
                case .text(let range): encodeText(bytes[range], into: &output, scratch: &scratch)
                }
            }
        } else {
            encodeText(bytes[...], into: &output, scratch: &scratch)
        }
        return output
    }

    /// sentencepiece's identity normalizer (dummy "▁" prefix, optional whitespace cleanup, spaces as "▁").
    func normalize(_ text: ArraySlice<UInt8>, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        var body = text
        if model.removeExtraWhitespaces {
            while body.first == 0x20 { body = body.dropFirst() }
            while body.last == 0x20 { body = body.dropLast() }
        }
        guard !body.isEmpty else { return }
        out.reserveCapacity(body.count + body.count / 4 + 3)
        let space: [UInt8] = model.escapeWhitespaces ? Self.escapedSpace : [0x20]
        if model.addDummyPrefix { out.append(contentsOf: space) }
        var previousSpace = false
        for byte in body {
            if byte == 0x20 {
                if model.removeExtraWhitespaces && previousSpace { continue }
                out.append(contentsOf: space)
                previousSpace = true
            } else {
                out.append(byte)
                previousSpace = false
            }
        }
    }

    /// Normalizes, then encodes each segment (see `segmentable`): splits it into characters and user-defined
    /// pieces, merges by score, then maps each symbol to its piece or, for characters the vocabulary lacks,
    /// to byte pieces (sentencepiece byte fallback).
    func encodeText(_ raw: ArraySlice<UInt8>, into output: inout [Int], scratch s: inout SentencePieceScratch) {
        normalize(raw, into: &s.text)
        let count = s.text.count
        guard count > 0 else { return }
        let text = s.text
        text.withUnsafeBufferPointer { text in
            guard segmentable else {
                encodeSegment(text, 0..<count, into: &output, scratch: &s)
                return
            }
            // A new segment starts at each "▁" that follows something other than "▁".
            var segmentStart = 0
            var i = 0
            var previousIsSpace = false
            while i < count {
                let isSpace = text[i] == 0xE2 && i + 2 < count && text[i + 1] == 0x96 && text[i + 2] == 0x81
                if isSpace {
                    if !previousIsSpace && i > segmentStart {
                        encodeSegment(text, segmentStart..<i, into: &output, scratch: &s)
                        segmentStart = i
                    }
                    i += 3
                } else {
                    i += 1
                }
                previousIsSpace = isSpace
            }
            encodeSegment(text, segmentStart..<count, into: &output, scratch: &s)
        }
    }

    /// BPE over `text[range]`.
    func encodeSegment(_ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into output: inout [Int],
                       scratch s: inout SentencePieceScratch) {
        s.start.removeAll(keepingCapacity: true)
        s.length.removeAll(keepingCapacity: true)
        s.previous.removeAll(keepingCapacity: true)
        s.next.removeAll(keepingCapacity: true)
        s.frozen.removeAll(keepingCapacity: true)
        s.queue.removeAll()
        var offset = range.lowerBound
        let end = range.upperBound
        while offset < end {
            var n: Int
            var frozen = false
            if let match = userDefined.match(text, at: offset), offset + match.length <= end {
                n = match.length
                frozen = true
            } else {
                let lead = text[offset]
                n = lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
                n = min(n, end - offset)
            }
            s.previous.append(Int32(s.start.count - 1))
            s.start.append(Int32(offset))
            s.length.append(Int32(n))
            s.frozen.append(frozen)
            offset += n
            s.next.append(offset == end ? -1 : Int32(s.start.count))
        }
        let symbols = s.start.count
        guard symbols > 0 else { return }
        for i in 1..<max(symbols, 1) { addCandidate(Int32(i - 1), Int32(i), text, &s) }

        while let candidate = s.queue.pop() {
            let left = Int(candidate.left), right = Int(candidate.right)
            guard s.length[left] > 0, s.length[right] > 0, s.next[left] == candidate.right,
                  s.length[left] + s.length[right] == candidate.size else { continue }
            s.length[left] += s.length[right]
            s.length[right] = 0
            s.next[left] = s.next[right]
            if s.next[right] >= 0 { s.previous[Int(s.next[right])] = candidate.left }
            addCandidate(s.previous[left], candidate.left, text, &s)
            addCandidate(candidate.left, s.next[left], text, &s)
        }

        var i = 0
        while i >= 0 {
            let start = Int(s.start[i]), length = Int(s.length[i])
            let piece = UnsafeBufferPointer(rebasing: text[start..<start + length])
            if let id = pieceIds.value(piece), Int(id) != model.unknownId {
                output.append(Int(id))
            } else if model.byteFallback {
                for byte in piece {
                    let id = byteIds[Int(byte)]
                    output.append(id >= 0 ? Int(id) : model.unknownId ?? 0)
                }
            } else {
                output.append(model.unknownId ?? 0)
            }
            i = Int(s.next[i])
        }
    }

    private func addCandidate(_ left: Int32, _ right: Int32, _ text: UnsafeBufferPointer<UInt8>,
                              _ s: inout SentencePieceScratch) {
        guard left >= 0, right >= 0, !s.frozen[Int(left)], !s.frozen[Int(right)] else { return }
        let start = Int(s.start[Int(left)])
        let size = Int(s.length[Int(left)] + s.length[Int(right)])
        guard let id = mergeable.value(UnsafeBufferPointer(rebasing: text[start..<start + size])) else { return }
        s.queue.push(SentencePieceCandidate(score: model.scores[Int(id)], left: left, right: right, size: Int32(size)))
    }
}
