/// tiktoken's byte-pair merge (`_byte_pair_merge` in tiktoken src/lib.rs, which mistral-common's Tekken
/// uses): start from single bytes, repeatedly join the adjacent pair whose joined bytes have the lowest rank
/// (leftmost on ties) until no joined pair is a token, then emit each part's rank.
///
/// Short pieces use tiktoken's own linear scan; long ones a heap with the same order (rank, then
/// position), so that one very long word stays O(n log n).
enum RankedMerge {
    struct Scratch {
        var boundary: [Int32] = []    // (parts + 1) start of each part, then the end
        var pairRank: [Int32] = []    // (parts) rank of part i joined with part i + 1, or Int32.max
        var next: [Int32] = []
        var previous: [Int32] = []
        var alive: [Bool] = []
        var queue = BinaryHeap<Candidate>()
    }

    struct Candidate: Comparable {
        var rank: Int32
        var left: Int32
        var end: Int32                // end byte of the right part when pushed; detects stale entries

        static func < (a: Self, b: Self) -> Bool { a.rank != b.rank ? a.rank < b.rank : a.left < b.left }
    }

    static let longPiece = 64

    /// Appends the ids (rank + `offset`) of `piece`, which is longer than one byte and not itself a token.
    static func merge(_ piece: UnsafeBufferPointer<UInt8>, ranks: ByteStringTable, offset: Int,
                      into output: inout [Int], scratch s: inout Scratch) {
        if piece.count > longPiece {
            mergeLong(piece, ranks: ranks, offset: offset, into: &output, scratch: &s)
            return
        }
        func rank(_ start: Int32, _ end: Int32) -> Int32 {
            ranks.value(UnsafeBufferPointer(rebasing: piece[Int(start)..<Int(end)])) ?? Int32.max
        }
        let n = piece.count
        s.boundary.removeAll(keepingCapacity: true)
        s.pairRank.removeAll(keepingCapacity: true)
        for i in 0...n { s.boundary.append(Int32(i)) }
        for i in 0..<n - 1 { s.pairRank.append(rank(Int32(i), Int32(i + 2))) }
        while true {
            var best = Int32.max
            var index = -1
            for i in 0..<s.pairRank.count where s.pairRank[i] < best {
                best = s.pairRank[i]
                index = i
            }
            if index < 0 { break }
            // Join parts `index` and `index + 1`; the ranks of the pairs on either side change.
            s.boundary.remove(at: index + 1)
            s.pairRank.remove(at: index)
            let parts = s.boundary.count - 1
            if index < parts - 1 { s.pairRank[index] = rank(s.boundary[index], s.boundary[index + 2]) }
            if index > 0 { s.pairRank[index - 1] = rank(s.boundary[index - 1], s.boundary[index + 1]) }
        }
        for i in 0..<s.boundary.count - 1 {
            output.append(Int(rank(s.boundary[i], s.boundary[i + 1])) + offset)
        }
    }

    private static func mergeLong(_ piece: UnsafeBufferPointer<UInt8>, ranks: ByteStringTable, offset: Int,
                                  into output: inout [Int], scratch s: inout Scratch) {
        let n = piece.count
        func rank(_ start: Int32, _ end: Int32) -> Int32 {
            ranks.value(UnsafeBufferPointer(rebasing: piece[Int(start)..<Int(end)])) ?? Int32.max
        }
        // Part i covers boundary[i]..<boundary[next[i]] (boundary[n] = n).
        s.boundary.removeAll(keepingCapacity: true)
        s.next.removeAll(keepingCapacity: true)
        s.previous.removeAll(keepingCapacity: true)
        s.alive.removeAll(keepingCapacity: true)
        s.queue.removeAll()
        for i in 0...n {
            s.boundary.append(Int32(i))
            s.next.append(Int32(i + 1))
            s.previous.append(Int32(i - 1))
            s.alive.append(true)
        }
        func push(_ left: Int32) {
            guard left >= 0, Int(left) < n else { return }
            let right = s.next[Int(left)]
            guard Int(right) < n else { return }
            let end = s.next[Int(right)]
            let r = rank(left, end)
            if r != Int32.max { s.queue.push(Candidate(rank: r, left: left, end: end)) }
        }
        for i in 0..<n - 1 { push(Int32(i)) }
        while let candidate = s.queue.pop() {
            let left = Int(candidate.left)
            guard s.alive[left] else { continue }
            let right = Int(s.next[left])
            guard right < n, s.next[right] == candidate.end else { continue }
            s.alive[right] = false
            s.next[left] = candidate.end
            s.previous[Int(candidate.end)] = Int32(left)
            push(Int32(left))
            push(s.previous[left])
        }
        var i: Int32 = 0
        while Int(i) < n {
            let end = s.next[Int(i)]
            output.append(Int(rank(i, end)) + offset)
            i = end
        }
    }
}
