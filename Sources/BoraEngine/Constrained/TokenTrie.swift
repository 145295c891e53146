import BoraTokenizers

/// The byte strings of a vocabulary's ordinary tokens in a trie, laid out in preorder so that a walk can skip
/// a whole subtree (every token sharing a rejected prefix) with one jump. Built once per tokenizer; the
/// constrained-decoding mask walks it once per step instead of testing every token.
public final class TokenTrie: Sendable {
    /// Per node (preorder; the root, the empty prefix, is not stored): its last byte, its depth (1 = first
    /// byte), the index just past its subtree, and the range of `tokenIds` ending exactly there.
    let byte: [UInt8]
    let depth: [Int32]
    let subtreeEnd: [Int32]
    let tokenStart: [Int32]
    let tokenEnd: [Int32]
    let tokenIds: [Int32]
    let maxDepth: Int
    /// The depth-1 node of each first byte (-1 when no token starts with it).
    let rootChild: [Int32]
    /// True when every byte that valid UTF-8 uses is a token of its own, so that any completion of `n` bytes
    /// can be spelled in at most `n` tokens.
    let spellsEveryByte: Bool
    /// Bytes of each token (empty for tokens left out: special and end-of-generation tokens).
    package let tokenBytes: [[UInt8]]
    /// End-of-generation tokens: allowed exactly when the output is complete.
    public let endOfGeneration: [Int]
    public let vocabularySize: Int

    /// - Parameters:
    ///   - vocabularySize: the model's logits width (may exceed the tokenizer's).
    ///   - specials: special tokens (by text) to include, the k-th as the private-use code point U+F0000 + k,
    ///     so that a grammar can ask for exactly that token (`ToolCallFormat.mistralSpecials`). In the trie the
    ///     k-th is the two bytes 0xFF k, which no valid UTF-8 contains (tokens with a 0xFF byte are left out),
    ///     and `UTF8Partial` reads them as that code point, while text that spells U+F0000 + k in UTF-8 (byte
    ///     tokens can) is refused: only the special token itself produces it.
    public init(tokenizer: any Tokenizer, vocabularySize: Int? = nil, specials: [String] = []) {
        let n = vocabularySize ?? tokenizer.vocabularySize
        self.vocabularySize = n
        var bytesOf = [[UInt8]](repeating: [], count: n)
        var eog: [Int] = []
        for id in 0..<min(n, tokenizer.vocabularySize) {
            if tokenizer.isEndOfGeneration(id) { eog.append(id); continue }
            guard let b = try? tokenizer.pieceBytes(id), !b.isEmpty else { continue }
            if let s = String(validating: b, as: UTF8.self), tokenizer.specialTokenId(s) == id { continue }
            if b.contains(0xFF) { continue }  // never in valid UTF-8; 0xFF starts a special token's bytes here
            bytesOf[id] = b
        }
        for (k, text) in specials.enumerated() where k < Self.specialCount {
            if let id = tokenizer.specialTokenId(text), id < n { bytesOf[id] = [0xFF, UInt8(k)] }
        }
        endOfGeneration = eog
        tokenBytes = bytesOf
        let order = (0..<n).filter { !bytesOf[$0].isEmpty }.sorted {
            bytesOf[$0].lexicographicallyPrecedes(bytesOf[$1]) || (bytesOf[$0] == bytesOf[$1] && $0 < $1)
        }
        var byte: [UInt8] = [], depth: [Int32] = [], end: [Int32] = [], tStart: [Int32] = [], tEnd: [Int32] = []
        var ids: [Int32] = []
        var path: [Int] = [] // node index at each depth - 1
        var previous: [UInt8] = []
        for id in order {
            let b = bytesOf[id]
            var common = 0
            while common < min(b.count, previous.count), common < path.count, b[common] == previous[common] { common += 1 }
            while path.count > common { end[path.removeLast()] = Int32(byte.count) }
            for k in common..<b.count {
                path.append(byte.count)
                byte.append(b[k]); depth.append(Int32(k + 1)); end.append(0)
                tStart.append(Int32(ids.count)); tEnd.append(Int32(ids.count))
            }
            // Tokens come in order, so those ending at this node are contiguous.
            if let last = path.last {
                if tEnd[last] != Int32(ids.count) { tStart[last] = Int32(ids.count) }
                ids.append(Int32(id))
                tEnd[last] = Int32(ids.count)
            }
            previous = b
        }
        while let last = path.popLast() { end[last] = Int32(byte.count) }
        self.byte = byte; self.depth = depth; subtreeEnd = end; tokenStart = tStart; tokenEnd = tEnd; tokenIds = ids
        maxDepth = Int(depth.max() ?? 0)
        var roots = [Int32](repeating: -1, count: 256)
        var j = 0
        while j < byte.count { roots[Int(byte[j])] = Int32(j); j = Int(end[j]) }
        rootChild = roots
        var single = Set<UInt8>()
        for b in bytesOf where b.count == 1 { single.insert(b[0]) }
        spellsEveryByte = (0x00...0xF4).allSatisfy { $0 == 0xC0 || $0 == 0xC1 || single.contains(UInt8($0)) }
    }

    public var nodeCount: Int { byte.count }

    /// The code points standing for special tokens: U+F0000 + k for the k-th (`init(specials:)`).
    static let specialBase: UInt32 = 0xF0000
    static let specialCount = 256
}
