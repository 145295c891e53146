import BoraEngine
import BoraModels
import BoraTokenizers
import Foundation
import Testing

/// The token limit rule: a constrained output is complete when `maxTokens` runs out, as long as it was at
/// least the grammar's cost in tokens (even when the shortest output is longer in bytes than the limit).
@Suite(.serialized) struct ConstrainedBudgetTests {
    static let weatherTool = ToolSpec(name: "get_weather", parameters: .object([
        ("type", .string("object")),
        ("properties", .object([
            ("city", .object([("type", .string("string"))])),
            ("unit", .object([("enum", .array([.string("c"), .string("f")]))])),
        ])),
        ("required", .array([.string("city"), .string("unit")])),
    ]))

    /// The request of the bug report (`tool_choice` "required", `max_tokens` 64): the shortest call is 80
    /// bytes, so counting a byte per token never let the limit rule act and the call was cut off.
    @Test func forcedToolCallFitsIn64Tokens() throws {
        let loaded = try LoadedModel(path: try TestPaths.smolLM2())
        let bundle = try loaded.requireBundle()
        let request = #"""
            {"messages": [{"role": "user", "content": "Weather in Paris?"}], "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Current weather in a city", "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "unit": {"enum": ["c", "f"]}}, "required": ["city", "unit"]}}}]}
            """#
        let prompt = try bundle.encodeRequest(json: request).tokens
        let format = ToolCallFormat.detect(bundle)
        #expect(format == .hermes)
        let grammar = try format.grammar(tools: [Self.weatherTool], parallel: true)
        let constraint = try TokenConstraint(grammar: grammar, trie: try loaded.tokenTrie())
        #expect(grammar.minimumLength > 64)
        #expect(constraint.finishCost < 64)
        let session = DecoderSession(model: loaded.model, contextLength: prompt.count + 64, threads: 2)
        let result = try Generator(loaded: loaded, session: session)
            .generate(prompt: prompt, maxTokens: 64, sampling: .greedy, constraint: constraint) { _, _ in .proceed }.result
        #expect(result.tokens.count <= 64)
        #expect(constraint.isComplete, "incomplete: \(result.text)")
        let calls = format.parse(text: result.text, tokens: result.tokens, tokenizer: try loaded.requireTokenizer()).toolCalls
        #expect(calls.count >= 1, "no call in \(result.text)")
        for call in calls {
            #expect(call.name == "get_weather")
            #expect(JSONSchemaValidator.violation(of: call.arguments, against: Self.weatherTool.parameters) == nil, "\(call.arguments)")
        }
    }

    /// A complete output that the grammar lets go on (another call, another repetition) ends when what
    /// would follow cannot finish in the tokens left, instead of starting it: the least-cost fallback is
    /// only for outputs that cannot end yet.
    @Test func completeOutputEndsRatherThanStartWhatCannotFinish() throws {
        let loaded = try LoadedModel(path: try TestPaths.smolLM2())
        let trie = try loaded.tokenTrie()
        let grammar = try Grammar(gbnf: #"root ::= "x" ( "<" [q]{40} ">" )*"#)
        let constraint = try TokenConstraint(grammar: grammar, trie: trie)
        let x = try #require(trie.tokenBytes.firstIndex(of: Array("x".utf8)))
        let open = try #require(trie.tokenBytes.firstIndex(of: Array("<".utf8)))
        try constraint.accept(x)
        #expect(constraint.isComplete)
        #expect(try !constraint.allows(open, remaining: 3))
        let mask = try constraint.mask(remaining: 3)
        let allowed = (0..<trie.vocabularySize).filter { mask[$0 >> 6] & (1 << UInt64($0 & 63)) != 0 }
        #expect(!allowed.isEmpty && allowed.allSatisfy { trie.endOfGeneration.contains($0) }, "\(allowed.prefix(8))")
        #expect(try constraint.allows(open, remaining: 60))
    }

    /// With the limit set to the initial cost exactly, any walk through the allowed tokens (here random ones)
    /// ends complete: the cost bound holds token by token.
    @Test(arguments: [
        #"{"type":"object","properties":{"story":{"type":"string"},"n":{"type":"integer"},"tags":{"type":"array","items":{"enum":["ä","b"]},"minItems":2}},"required":["story","n","tags"]}"#,
        #"{"type":"array","items":{"type":"object","properties":{"k":{"type":"string","minLength":3,"maxLength":5}},"required":["k"]},"minItems":1,"maxItems":3}"#,
        #"{"anyOf":[{"type":"integer"},{"type":"string","format":"date"},{"const":"naïve café"}]}"#,
    ])
    func tightestLimitCompletesOnAnyPath(schemaText: String) throws {
        let loaded = try LoadedModel(path: try TestPaths.smolLM2())
        let trie = try loaded.tokenTrie()
        let tokenizer = try loaded.requireTokenizer()
        let grammar = try JSONSchemaCompiler.grammar(schema: try JSONValue(parsing: schemaText))
        for seed in UInt64(1)...6 {
            var rng = seed &* 0x9E37_79B9_7F4A_7C15
            func next() -> UInt64 { rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407; return rng >> 11 }
            let constraint = try TokenConstraint(grammar: grammar, trie: trie)
            // A few free tokens first, so that the limit starts in the middle of the output.
            let free = Int(next() % 8)
            var text: [UInt8] = []
            func take(_ remaining: Int) throws {
                let mask = try constraint.mask(remaining: remaining)
                var allowed: [Int] = []
                for (w, word) in mask.enumerated() where word != 0 {
                    for b in 0..<64 where word & (1 << UInt64(b)) != 0 && !trie.endOfGeneration.contains(w * 64 + b) { allowed.append(w * 64 + b) }
                }
                try #require(!allowed.isEmpty)
                let t = allowed[Int(next() % UInt64(allowed.count))]
                try constraint.accept(t)
                text += try tokenizer.pieceBytes(t)
            }
            for _ in 0..<free where !constraint.isFinal { try take(1000) }
            let limit = constraint.finishCost
            #expect(limit < 1000)
            for used in 0..<limit where !constraint.isComplete { try take(limit - used) }
            #expect(constraint.isComplete, "seed \(seed): incomplete after \(limit) tokens: \(String(decoding: text, as: UTF8.self))")
            if let value = try? JSONValue(parsing: String(decoding: text, as: UTF8.self)) {
                #expect(JSONSchemaValidator.violation(of: value, against: try JSONValue(parsing: schemaText)) == nil)
            } else {
                Issue.record("seed \(seed): does not parse: \(String(decoding: text, as: UTF8.self))")
            }
        }
    }
}
