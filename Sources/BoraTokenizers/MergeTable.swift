/// The merges of a byte-level BPE vocabulary, over integer "pieces" so that the merge loop never touches text.
///
/// A piece is any string the merge loop can hold: each token, each side of a merge, each merge result.
/// `pairs[(left, right)]` gives a merge's rank and the piece it makes. The first occurrence of a pair wins,
/// as with llama.cpp's `bpe_ranks.emplace`.
struct MergeTable: Sendable {
    private(set) var pieces = ByteStringTable()
    /// Token id of each piece, or -1 when the piece is not a token.
    private(set) var pieceToken: [Int32] = []
    /// (left piece << 32 | right piece) -> (rank << 32 | merged piece)
    private(set) var pairs: [UInt64: UInt64] = [:]
    /// The piece of the one-character string standing for each byte (`ByteLevelEncoding`), or -1.
    private(set) var bytePiece: [Int32] = []

    init(tokenIds: ByteStringTable, tokens: [String], merges: [String]) throws {
        pieces = ByteStringTable(minimumCapacity: tokens.count + merges.count)
        for (id, token) in tokens.enumerated() {
            let text = token.isEmpty ? "[EMPTY_\(id)]" : token
            let piece = piece(for: Array(text.utf8))
            pieceToken[Int(piece)] = tokenIds.value(Array(text.utf8)) ?? Int32(id)
        }
        pairs.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() {
            let bytes = Array(merge.utf8)
            // llama.cpp splits at the first space after the first byte.
            guard bytes.count >= 3, let space = bytes[1...].firstIndex(of: 0x20), space + 1 < bytes.count else {
                throw TokenizerError.malformedMerge(rank: rank, text: merge)
            }
            let left = piece(for: Array(bytes[..<space]))
            let right = piece(for: Array(bytes[(space + 1)...]))
            let merged = piece(for: Array(bytes[..<space]) + Array(bytes[(space + 1)...]))
            let key = UInt64(UInt32(left)) << 32 | UInt64(UInt32(right))
            if pairs[key] == nil {
                pairs[key] = UInt64(rank) << 32 | UInt64(UInt32(merged))
            }
        }
        bytePiece = ByteLevelEncoding.utf8ForByte.map { pieces.value($0) ?? -1 }
    }

    private mutating func piece(for bytes: [UInt8]) -> Int32 {
        let next = Int32(pieceToken.count)
        let piece = pieces.insert(bytes, value: next, replace: false)
        if piece == next { pieceToken.append(-1) }
        return piece
    }

    /// Rank and resulting piece of merging `left` and `right`, if the vocabulary has that merge.
    @inline(__always)
    func merge(_ left: Int32, _ right: Int32) -> (rank: Int32, piece: Int32)? {
        guard left >= 0, right >= 0, let value = pairs[UInt64(UInt32(left)) << 32 | UInt64(UInt32(right))] else {
            return nil
        }
        return (Int32(truncatingIfNeeded: value >> 32), Int32(truncatingIfNeeded: value))
    }
}
