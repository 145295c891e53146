/// Cuts text at occurrences of special tokens before the model's tokenizer sees it. Port of llama.cpp
/// `llama_vocab::impl::tokenizer_st_partition` (src/llama-vocab.cpp): special tokens are tried one after the
/// other, longest text first; each one splits every remaining text fragment at all its occurrences.
/// Control and unknown tokens are only matched with `parseSpecial`; user-defined tokens always are.
enum SpecialTokenPartition {
    enum Fragment: Equatable {
        case text(Range<Int>)   // indices into the UTF-8 bytes
        case token(Int)
    }

    static func split(_ bytes: [UInt8], core: VocabularyCore, parseSpecial: Bool) -> [Fragment] {
        guard !bytes.isEmpty else { return [] }
        var fragments: [Fragment] = [.text(0..<bytes.count)]
        var present = [Bool](repeating: false, count: 256)
        for byte in bytes { present[Int(byte)] = true }

        for special in core.specialTokens {
            let id = Int(special)
            if !parseSpecial && !core.attributes[id].isDisjoint(with: [.control, .unknown]) { continue }
            let token = core.bytes(of: id)
            guard let first = token.first, present[Int(first)], token.count <= bytes.count else { continue }
            var refined: [Fragment] = []
            var changed = false
            for fragment in fragments {
                guard case .text(let range) = fragment else {
                    refined.append(fragment)
                    continue
                }
                var rest = range
                while let match = firstOccurrence(of: token, in: bytes, within: rest) {
                    changed = true
                    if match > rest.lowerBound { refined.append(.text(rest.lowerBound..<match)) }
                    refined.append(.token(id))
                    rest = (match + token.count)..<rest.upperBound
                }
                if !rest.isEmpty { refined.append(.text(rest)) }
            }
            if changed { fragments = refined }
        }
        return fragments
    }

    private static func firstOccurrence(of needle: ArraySlice<UInt8>, in haystack: [UInt8], within range: Range<Int>) -> Int? {
        let n = needle.count
        guard n > 0, range.count >= n, let first = needle.first else { return nil }
        var i = range.lowerBound
        let last = range.upperBound - n
        while i <= last {
            if haystack[i] == first {
                var j = 1
                var k = needle.startIndex + 1
                while j < n && haystack[i + j] == needle[k] {
                    j += 1
                    k += 1
                }
                if j == n { return i }
            }
            i += 1
        }
        return nil
    }
}
