import BoraTokenizers
import Foundation
import Testing

/// `tokenizer.json`'s `Split` pre-tokenizer on a literal string, as Gemma 3's tokenizer has it (" ", merged
/// with the previous piece, after a normalizer that turns spaces into "▁").
@Suite struct SplitPreTokenizerTests {
    func pieces(_ text: String, _ behavior: HuggingFaceConfiguration.SplitBehavior, on pattern: String = " ") -> [String] {
        var out: [String] = []
        HuggingFaceTokenizer.split(Array(text.utf8), on: Array(pattern.utf8), behavior) { out.append(String(decoding: $0, as: UTF8.self)) }
        return out
    }

    /// tokenizers' `SplitDelimiterBehavior` on "the  quick brown" (two spaces after "the").
    @Test func behaviors() {
        #expect(pieces("the  quick brown", .removed) == ["the", "quick", "brown"])
        #expect(pieces("the  quick brown", .isolated) == ["the", " ", " ", "quick", " ", "brown"])
        #expect(pieces("the  quick brown", .mergedWithPrevious) == ["the ", " ", "quick ", "brown"])
        #expect(pieces("the  quick brown", .mergedWithNext) == ["the", " ", " quick", " brown"])
        #expect(pieces("nothing", .mergedWithPrevious) == ["nothing"])
    }

    /// A Gemma-shaped tokenizer.json: the normalizer makes "▁" of every space, so the Split on " " leaves the
    /// text whole and BPE merges across words, as SentencePiece does.
    @Test func gemmaShapedTokenizer() throws {
        let json = #"""
        {"version": "1.0", "added_tokens": [{"id": 0, "content": "<unk>", "special": true, "normalized": false}],
         "normalizer": {"type": "Replace", "pattern": {"String": " "}, "content": "▁"},
         "pre_tokenizer": {"type": "Split", "pattern": {"String": " "}, "behavior": "MergedWithPrevious", "invert": false},
         "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
                     {"type": "ByteFallback"}, {"type": "Fuse"}]},
         "model": {"type": "BPE", "unk_token": "<unk>", "byte_fallback": false,
                   "vocab": {"<unk>": 0, "a": 1, "▁": 2, "b": 3, "▁b": 4, "a▁b": 5},
                   "merges": [["▁", "b"], ["a", "▁b"]]}}
        """#
        let t = try HuggingFaceTokenizer(json: Array(json.utf8))
        #expect(try t.encode("a b", addBos: false, parseSpecial: false) == [5])
        #expect(try t.encode("b a", addBos: false, parseSpecial: false) == [3, 2, 1])
        #expect(try t.decode([5]) == "a b")
    }

    @Test func regexSplitIsStillAClearError() throws {
        let json = #"""
        {"version": "1.0", "added_tokens": [],
         "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "\\s+"}, "behavior": "Removed", "invert": false},
         "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}
        """#
        #expect { _ = try HuggingFaceTokenizer(json: Array(json.utf8)) } throws: { "\($0)".contains("literal string") }
    }
}
