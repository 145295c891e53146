/// A candidate merge of two adjacent symbols. Lowest rank first, then leftmost, as llama.cpp's
/// `llm_bigram_bpe::comparator`.
struct BPEBigram: Comparable {
    var rank: Int32
    var left: Int32
    var right: Int32
    var leftPiece: Int32
    var rightPiece: Int32

    static func < (a: BPEBigram, b: BPEBigram) -> Bool {
        a.rank != b.rank ? a.rank < b.rank : a.left < b.left
    }

    static func == (a: BPEBigram, b: BPEBigram) -> Bool {
        a.rank == b.rank && a.left == b.left
    }
}

/// Buffers reused across the words of one `encode` call.
struct BPEScratch {
    var encoded: [UInt8] = []     // the word in GPT-2 byte characters
    var piece: [Int32] = []       // (symbols) piece id, -1 if the text is no piece
    var start: [Int32] = []       // (symbols) offset in `encoded`
    var length: [Int32] = []      // (symbols) bytes in `encoded`; 0 once merged into the left neighbour
    var previous: [Int32] = []
    var next: [Int32] = []
    var queue = BinaryHeap<BPEBigram>()
}

extension BytePairTokenizer {
    /// Merges one pre-token (its UTF-8 bytes) and appends the resulting token ids.
    func encodeWord(_ word: ArraySlice<UInt8>, into output: inout [Int], scratch s: inout BPEScratch) {
        s.encoded.removeAll(keepingCapacity: true)
        s.piece.removeAll(keepingCapacity: true)
        s.start.removeAll(keepingCapacity: true)
        s.length.removeAll(keepingCapacity: true)
        s.previous.removeAll(keepingCapacity: true)
        s.next.removeAll(keepingCapacity: true)
        s.queue.removeAll()
        // One symbol per byte: each byte is one character of the byte-level encoding.
        for byte in word {
            let character = ByteLevelEncoding.utf8ForByte[Int(byte)]
            s.start.append(Int32(s.encoded.count))
            s.length.append(Int32(character.count))
            s.encoded.append(contentsOf: character)
            s.piece.append(merges.bytePiece[Int(byte)])
        }
        let count = s.piece.count
        if configuration.ignoreMerges, let id = s.encoded.withUnsafeBufferPointer({ core.tokenIds.value($0) }) {
            output.append(Int(id))
            return
        }
        for i in 0..<count {
            s.previous.append(Int32(i - 1))
            s.next.append(i + 1 < count ? Int32(i + 1) : -1)
        }
        for i in 1..<max(count, 1) { addBigram(Int32(i - 1), Int32(i), &s) }

        while let bigram = s.queue.pop() {
            let left = Int(bigram.left), right = Int(bigram.right)
            // Skip candidates made stale by an earlier merge.
            guard s.length[left] > 0, s.length[right] > 0,
                  s.piece[left] == bigram.leftPiece, s.piece[right] == bigram.rightPiece,
                  let merged = merges.merge(bigram.leftPiece, bigram.rightPiece) else { continue }
            s.piece[left] = merged.piece
            s.length[left] += s.length[right]
            s.length[right] = 0
            s.next[left] = s.next[right]
            if s.next[right] >= 0 { s.previous[Int(s.next[right])] = bigram.left }
            addBigram(s.previous[left], bigram.left, &s)
            addBigram(bigram.left, s.next[left], &s)
        }

        var i = count > 0 ? 0 : -1
        while i >= 0 {
            defer { i = Int(s.next[i]) }
            let piece = s.piece[i]
            if piece >= 0, merges.pieceToken[Int(piece)] >= 0 {
                output.append(Int(merges.pieceToken[Int(piece)]))
                continue
            }
            // Not a token: llama.cpp emits the token of each single byte of the text, when there is one.
            let start = Int(s.start[i])
            for j in start..<start + Int(s.length[i]) {
                if let id = core.tokenIds.value([s.encoded[j]]) { output.append(Int(id)) }
            }
        }
    }

    private func addBigram(_ left: Int32, _ right: Int32, _ s: inout BPEScratch) {
        guard left >= 0, right >= 0 else { return }
        let leftPiece = s.piece[Int(left)], rightPiece = s.piece[Int(right)]
        guard let merge = merges.merge(leftPiece, rightPiece) else { return }
        s.queue.push(BPEBigram(rank: merge.rank, left: left, right: right, leftPiece: leftPiece, rightPiece: rightPiece))
    }
}
