/// A candidate merge of two adjacent symbols. Highest score first, then leftmost, as llama.cpp's
/// `llm_bigram_spm::comparator`; `size` detects candidates made stale by an earlier merge.
struct SPMBigram: Comparable {
    var score: Float
    var left: Int32
    var right: Int32
    var size: Int32

    static func < (a: SPMBigram, b: SPMBigram) -> Bool {
        a.score != b.score ? a.score > b.score : a.left < b.left
    }

    static func == (a: SPMBigram, b: SPMBigram) -> Bool {
        a.score == b.score && a.left == b.left
    }
}

/// Buffers reused across the fragments of one `encode` call.
struct SPMScratch {
    var text: [UInt8] = []        // the fragment, spaces escaped
    var start: [Int32] = []       // (symbols) offset in `text`
    var length: [Int32] = []      // (symbols) bytes; 0 once merged into the left neighbour
    var previous: [Int32] = []
    var next: [Int32] = []
    var queue = BinaryHeap<SPMBigram>()
}

extension SentencePieceTokenizer {
    /// Tokenizes `scratch.text` (already escaped) and appends the ids.
    func encodeEscaped(into output: inout [Int], scratch s: inout SPMScratch) throws {
        s.start.removeAll(keepingCapacity: true)
        s.length.removeAll(keepingCapacity: true)
        s.previous.removeAll(keepingCapacity: true)
        s.next.removeAll(keepingCapacity: true)
        s.queue.removeAll()
        let count = s.text.count
        // One symbol per UTF-8 character.
        var offset = 0
        while offset < count {
            let lead = s.text[offset]
            let width = lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
            let n = min(width, count - offset)
            s.previous.append(Int32(s.start.count - 1))
            s.start.append(Int32(offset))
            s.length.append(Int32(n))
            offset += n
            s.next.append(offset == count ? -1 : Int32(s.start.count))
        }
        let symbols = s.start.count
        guard symbols > 0 else { return }
        for i in 1..<symbols { addBigram(Int32(i - 1), Int32(i), &s) }

        while let bigram = s.queue.pop() {
            let left = Int(bigram.left), right = Int(bigram.right)
            guard s.length[left] > 0, s.length[right] > 0, s.length[left] + s.length[right] == bigram.size else {
                continue
            }
            s.length[left] += s.length[right]
            s.length[right] = 0
            s.next[left] = s.next[right]
            if s.next[right] >= 0 { s.previous[Int(s.next[right])] = bigram.left }
            addBigram(s.previous[left], bigram.left, &s)
            addBigram(bigram.left, s.next[left], &s)
        }

        var i = 0
        while i >= 0 {
            let start = Int(s.start[i]), length = Int(s.length[i])
            let id = s.text.withUnsafeBufferPointer {
                core.tokenIds.value(UnsafeBufferPointer(rebasing: $0[start..<start + length]))
            }
            if let id {
                output.append(Int(id))
            } else {
                // A merged symbol is always a token, so this is one character the vocabulary lacks.
                for j in start..<start + length {
                    let byte = s.text[j]
                    let token = byteTokens[Int(byte)]
                    guard token >= 0 else { throw TokenizerError.unencodableByte(byte) }
                    output.append(Int(token))
                }
            }
            i = Int(s.next[i])
        }
    }

    private func addBigram(_ left: Int32, _ right: Int32, _ s: inout SPMScratch) {
        guard left >= 0, right >= 0 else { return }
        let start = Int(s.start[Int(left)])
        let size = Int(s.length[Int(left)] + s.length[Int(right)])
        let id = s.text.withUnsafeBufferPointer {
            core.tokenIds.value(UnsafeBufferPointer(rebasing: $0[start..<start + size]))
        }
        guard let id else { return }
        s.queue.push(SPMBigram(score: scores[Int(id)], left: left, right: right, size: Int32(size)))
    }
}
