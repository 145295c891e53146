/// The "BPE" model of a Hugging Face `tokenizer.json`, over token ids. Port of `tokenizers`
/// src/models/bpe (model.rs `merge_word`, word.rs `merge_all`): a word becomes one symbol per character
/// (byte pieces `<0xXX>` with `byte_fallback`, else the unknown token, fused when `fuse_unk`), then the
/// adjacent pair with the lowest merge rank is merged, leftmost first, until no pair has a merge.
struct HuggingFaceBPE: Sendable {
    /// Token text (UTF-8) -> id.
    let tokenIds: ByteStringTable
    /// (left id << 32 | right id) -> (rank << 32 | merged id).
    let merges: [UInt64: UInt64]
    let unknownId: Int32?
    let byteFallback: Bool
    let fuseUnknown: Bool
    let ignoreMerges: Bool
    /// The `<0xXX>` token of each byte, or -1.
    let byteIds: [Int32]

    struct Candidate: Comparable {
        var rank: Int32
        var position: Int32
        var merged: Int32
        static func < (a: Self, b: Self) -> Bool { a.rank != b.rank ? a.rank < b.rank : a.position < b.position }
    }

    struct Scratch {
        var symbols: [Int32] = []     // token id of each symbol
        var next: [Int32] = []
        var previous: [Int32] = []
        var alive: [Bool] = []
        var queue = BinaryHeap<Candidate>()
    }

    @inline(__always)
    func merge(_ left: Int32, _ right: Int32) -> (rank: Int32, id: Int32)? {
        guard let value = merges[UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))] else {
            return nil
        }
        return (Int32(truncatingIfNeeded: value >> 32), Int32(truncatingIfNeeded: value))
    }

    /// Appends the ids of `word` (UTF-8 of the model-level text: byte-level characters or "▁"-text).
    func encode(_ word: UnsafeBufferPointer<UInt8>, into output: inout [Int], scratch s: inout Scratch) {
        guard !word.isEmpty else { return }
        if ignoreMerges, let id = tokenIds.value(word) {
            output.append(Int(id))
            return
        }
        s.symbols.removeAll(keepingCapacity: true)
        var i = 0
        var previousUnknown = false
        while i < word.count {
            let lead = word[i]
            let n = min(lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4, word.count - i)
            let character = UnsafeBufferPointer(rebasing: word[i..<i + n])
            if let id = tokenIds.value(character) {
                s.symbols.append(id)
                previousUnknown = false
            } else if byteFallback, character.allSatisfy({ byteIds[Int($0)] >= 0 }) {
                for byte in character { s.symbols.append(byteIds[Int(byte)]) }
                previousUnknown = false
            } else if let unknown = unknownId {
                if !(fuseUnknown && previousUnknown) { s.symbols.append(unknown) }
                previousUnknown = true
            }
            i += n
        }
        let count = s.symbols.count
        s.next.removeAll(keepingCapacity: true)
        s.previous.removeAll(keepingCapacity: true)
        s.alive.removeAll(keepingCapacity: true)
        s.queue.removeAll()
        for k in 0..<count {
            s.next.append(k + 1 < count ? Int32(k + 1) : -1)
            s.previous.append(Int32(k - 1))
            s.alive.append(true)
        }
        for k in 0..<max(count - 1, 0) {
            if let m = merge(s.symbols[k], s.symbols[k + 1]) {
                s.queue.push(Candidate(rank: m.rank, position: Int32(k), merged: m.id))
            }
        }
        while let c = s.queue.pop() {
            let left = Int(c.position)
            guard s.alive[left], s.next[left] >= 0 else { continue }
            let right = Int(s.next[left])
            // Stale when either side changed since the candidate was pushed.
            guard let m = merge(s.symbols[left], s.symbols[right]), m.id == c.merged, m.rank == c.rank else { continue }
            s.symbols[left] = m.id
            s.alive[right] = false
            s.next[left] = s.next[right]
            if s.next[right] >= 0 { s.previous[Int(s.next[right])] = Int32(left) }
            if s.previous[left] >= 0, let p = merge(s.symbols[Int(s.previous[left])], m.id) {
                s.queue.push(Candidate(rank: p.rank, position: s.previous[left], merged: p.id))
            }
            if s.next[left] >= 0, let p = merge(m.id, s.symbols[Int(s.next[left])]) {
                s.queue.push(Candidate(rank: p.rank, position: Int32(left), merged: p.id))
            }
        }
        var k = count > 0 ? 0 : -1
        while k >= 0 {
            output.append(Int(s.symbols[k]))
            k = Int(s.next[k])
        }
    }
}
