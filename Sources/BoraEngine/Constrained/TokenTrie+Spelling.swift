extension TokenTrie {
    /// The fewest tokens whose bytes, concatenated, are exactly `bytes` (0 for none; nil when the vocabulary
    /// cannot spell them). Dynamic programming over the positions, walking the trie from each.
    func fewestTokens(_ bytes: [UInt8]) -> Int? {
        let best = fewestTokensPerSuffix(bytes)
        return best[0] < Grammar.infinite ? best[0] : nil
    }

    /// For each `i` in `0...bytes.count`, the fewest tokens that spell `bytes[i...]` exactly
    /// (`Grammar.infinite` when the vocabulary cannot). `known` gives that count for some positions (a suffix
    /// priced before), which are then taken as they are.
    func fewestTokensPerSuffix(_ bytes: [UInt8], known: [(offset: Int, tokens: Int)] = []) -> [Int] {
        let n = bytes.count
        var best = [Int](repeating: Grammar.infinite, count: n + 1) // best[i]: tokens to spell bytes[i...]
        best[n] = 0
        var isKnown = [Bool](repeating: false, count: known.isEmpty ? 0 : n + 1)
        for (offset, tokens) in known where offset >= 0 && offset <= n {
            best[offset] = tokens
            isKnown[offset] = true
        }
        var i = n - 1
        while i >= 0 {
            if !isKnown.isEmpty, isKnown[i] {
                i -= 1
                continue
            }
            // Walk down the trie along bytes[i...]; every node where a token ends is a way to take that prefix.
            var lo = 0, hi = 0 // the sibling range at the current depth (the root's children: `rootChild`)
            var k = i
            while k < n {
                var node: Int
                if k == i {
                    node = Int(rootChild[Int(bytes[k])])
                    guard node >= 0 else { break }
                } else {
                    node = lo
                    while node < hi, byte[node] != bytes[k] { node = Int(subtreeEnd[node]) }
                    guard node < hi else { break }
                }
                if tokenStart[node] < tokenEnd[node], best[k + 1] < Grammar.infinite {
                    best[i] = min(best[i], best[k + 1] + 1)
                }
                (lo, hi) = (node + 1, Int(subtreeEnd[node]))
                k += 1
            }
            i -= 1
        }
        return best
    }
}
