import BoraTokenizers
import Testing

/// Ids and decoding identical to mistral-common for every tokenizer file it ships.
@Suite("Mistral tokenizer files vs mistral-common")
struct MistralGoldenTests {
    @Test("encode with and without BOS", arguments: MistralFixtures.allFiles)
    func encode(_ name: String) throws {
        let golden = try MistralFixtures.golden(name)
        let tokenizer = try loadTokenizer(path: try MistralFixtures.path(name))
        #expect(golden.cases.count >= 60)
        var agree = 0
        for c in golden.cases {
            let ids = try tokenizer.encode(c.text, addBos: false, parseSpecial: false)
            let idsBos = try tokenizer.encode(c.text, addBos: true, parseSpecial: false)
            #expect(ids == c.ids, "\(name): \(c.text.debugDescription)")
            #expect(idsBos == c.ids_bos, "\(name) with BOS: \(c.text.debugDescription)")
            if ids == c.ids && idsBos == c.ids_bos { agree += 1 }
        }
        print("\(name): \(agree)/\(golden.cases.count) strings encode identically (with and without BOS)")
    }

    @Test("decode", arguments: MistralFixtures.allFiles)
    func decode(_ name: String) throws {
        let golden = try MistralFixtures.golden(name)
        let tokenizer = try loadTokenizer(path: try MistralFixtures.path(name))
        for c in golden.cases {
            #expect(try tokenizer.decode(c.ids) == c.decoded, "\(name): \(c.text.debugDescription)")
            #expect(try tokenizer.decode(c.ids_bos) == c.decoded_bos, "\(name) with BOS: \(c.text.debugDescription)")
        }
        for c in golden.decode {
            #expect(try tokenizer.decode(c.ids) == c.decoded, "\(name): \(c.ids)")
        }
    }

    @Test("special tokens, BOS, EOS, vocabulary size", arguments: MistralFixtures.allFiles)
    func specialTokens(_ name: String) throws {
        let golden = try MistralFixtures.golden(name)
        let tokenizer = try loadTokenizer(path: try MistralFixtures.path(name))
        #expect(tokenizer.vocabularySize == golden.vocabulary_size)
        #expect(tokenizer.bosId == golden.bos_id)
        #expect(tokenizer.eosId == golden.eos_id)
        #expect(tokenizer.addsBosByDefault)
        #expect(tokenizer.isEndOfGeneration(golden.eos_id) && !tokenizer.isEndOfGeneration(golden.bos_id))
        for (text, id) in golden.special_tokens {
            #expect(tokenizer.specialTokenId(text) == id, "\(name): \(text)")
        }
        #expect(tokenizer.specialTokenId("hello") == nil)
        #expect(tokenizer.specialTokenId("[NOT_A_TOKEN]") == nil)
    }
}
