import BoraTokenizers
import Testing

/// Chat and FIM requests against mistral-common 1.13.1's `encode_chat_completion` / `encode_fim`
/// (Tests/Fixtures/instruct, scripts/make_instruct_goldens.py): same ids, same text, or the same rejection.
@Suite("Mistral instruct encoding goldens")
struct InstructGoldenTests {
    /// Where Bora deliberately differs: mistral-common encodes FIM on v2 with `<unk>` in place of the
    /// [SUFFIX]/[PREFIX] tokens v2 lacks; Bora refuses instead of building a prompt the model cannot read.
    static func isKnownDivergence(_ fixture: InstructFixture, _ c: JSONValue) -> Bool {
        fixture.version == .v2 && c["fim"] != nil
    }

    /// mistral-common drops a `reasoning_effort` that a v15 model's settings builder has no field for; Bora
    /// refuses it, so that a client learns the model cannot honour it.
    static func isRefusedSetting(_ fixture: InstructFixture, _ c: JSONValue) -> Bool {
        fixture.version >= .v15 && fixture.settingsBuilder?.reasoningEffort == nil
            && (c["request"]?["reasoning_effort"] ?? .null) != .null
    }

    @Test("every golden case agrees", arguments: InstructFixture.names)
    func goldens(name: String) throws {
        let fixture = try InstructFixture(name)
        let encoder = fixture.encoder
        var agreed = 0
        for c in fixture.cases {
            let caseName = c["name"]?.string ?? "?"
            let result: Result<InstructEncoding, InstructError>
            do {
                if let fim = c["fim"] {
                    result = .success(try encoder.encodeFIM(FIMRequest(json: fim)))
                } else {
                    result = .success(try encoder.encode(ChatCompletionRequest(json: c["request"] ?? .null)))
                }
            } catch {
                result = .failure(error)
            }
            if Self.isKnownDivergence(fixture, c) {
                if case .failure(.missingControlToken) = result { agreed += 1; continue }
                Issue.record("\(name)/\(caseName): expected Bora to refuse, got \(result)")
                continue
            }
            if Self.isRefusedSetting(fixture, c) {
                if case .failure(.rejected("InvalidRequestException", let m)) = result, m.contains("reasoning_effort") {
                    agreed += 1; continue
                }
                Issue.record("\(name)/\(caseName): expected Bora to refuse the reasoning effort, got \(result)")
                continue
            }
            if let expectedError = c["error"]?.string {
                let kind = c["error_type"]?.string ?? ""
                guard case .failure(let error) = result else {
                    Issue.record("\(name)/\(caseName): mistral-common rejects (\(kind): \(expectedError)), Bora encoded")
                    continue
                }
                if error == .rejected(kind: kind, message: expectedError) { agreed += 1; continue }
                // pydantic's ValidationError wraps the message in its own report (field path, input, link):
                // Bora gives the message alone.
                if kind == "ValidationError", case .rejected("ValidationError", let message) = error,
                   expectedError.contains(message) { agreed += 1; continue }
                Issue.record("\(name)/\(caseName): expected \(kind): \(expectedError)\n got \(error)")
                continue
            }
            switch result {
            case .failure(let error):
                Issue.record("\(name)/\(caseName): mistral-common encodes, Bora failed: \(error)")
            case .success(let encoding):
                let tokens = c["tokens"]?.array?.compactMap { v -> Int? in if case .int(let i) = v { return i }; return nil }
                let text = c["text"]?.string
                #expect(encoding.tokens == tokens, "\(name)/\(caseName) tokens")
                #expect(encoding.text == text, "\(name)/\(caseName) text")
                if encoding.tokens == tokens && encoding.text == text { agreed += 1 }
            }
        }
        #expect(agreed == fixture.cases.count, "\(name): \(agreed)/\(fixture.cases.count) cases agree")
        #expect(fixture.cases.count >= 25)
    }

    @Test("encode(json:) reads chat and FIM requests")
    func jsonEntryPoint() throws {
        let fixture = try InstructFixture("tekken_240718")
        let encoder = MistralInstructEncoder(version: fixture.version, tokenizer: fixture.tokenizer)
        let chat = try encoder.encode(json: #"{"model": "x", "messages": [{"role": "user", "content": "Hello, how are you?"}]}"#)
        #expect(chat.text == "<s>[INST]Hello, how are you?[/INST]")
        #expect(chat.json.hasPrefix(#"{"tokens": [1, 3, "#))
        let fim = try encoder.encode(json: #"{"prompt": "x = ", "suffix": ""}"#)
        #expect(fim.text == "<s>[SUFFIX][PREFIX]x = ")
    }
}

@Suite("SentencePiece pieces in the prompt text")
struct SentencePiecePiecesTests {
    @Test("SentencePieceTokenizer renders mistral-common's text: pieces, byte tokens, control tokens")
    func rendering() throws {
        let vocabulary = TestVocabularies.sentencePiece([("▁", -1), ("h", -2), ("i", -2), ("▁hi", -3)])
        let tokenizer = try SentencePieceTokenizer(vocabulary)
        #expect(try tokenizer.vocabularyPiece(1) == "<s>")
        let ids = try tokenizer.encode("hi\n", addBos: false, parseSpecial: false)
        #expect(try ids.map { try tokenizer.vocabularyPiece($0) }.joined() == "▁hi<0x0A>")
        #expect(throws: TokenizerError.self) { try tokenizer.vocabularyPiece(-1) }
        // v1 needs only <s> and </s>, which every SentencePiece vocabulary has.
        let v1 = MistralInstructEncoder(version: .v1, tokenizer: tokenizer)
        let encoding = try v1.encode(ChatCompletionRequest(messages: [.user(.text("hi"))]))
        #expect(encoding.tokens.first == 1)
        #expect(encoding.text.hasPrefix("<s>▁"))
        // v3 needs [INST], which this vocabulary lacks: a clear error.
        #expect(throws: InstructError.missingControlToken("[INST]", version: .v3)) {
            try MistralInstructEncoder(version: .v3, tokenizer: tokenizer)
                .encode(ChatCompletionRequest(messages: [.user(.text("hi"))]))
        }
    }
}
