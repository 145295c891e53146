import BoraEngine
import BoraModels
import BoraTokenizers
import Foundation
import Testing

/// Constrained decoding on SmolLM2: the trie mask against a token-by-token reference, and the schema suite
/// (Tests/Fixtures/schemas): every greedy output, within a short token budget, parses and validates.
@Suite(.serialized) struct ConstrainedDecodingTests {
    static let maxTokens = 64

    static func schemaFiles() throws -> [String] {
        let dir = TestPaths.fixture("schemas")
        return try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".json") }.sorted().map { dir + "/" + $0 }
    }

    /// The trie walk's mask equals testing every token on its own (the scalar reference), at several states.
    @Test func trieMaskMatchesPerTokenReference() throws {
        let loaded = try LoadedModel(path: try TestPaths.smolLM2())
        let tokenizer = try loaded.requireTokenizer()
        let trie = try loaded.tokenTrie()
        let schema = try JSONValue(parsing: #"{"type":"object","properties":{"name":{"type":"string","maxLength":6},"n":{"type":"integer"},"e":{"enum":["é","ü"]}},"required":["name","n","e"]}"#)
        let constraint = try TokenConstraint(grammar: try JSONSchemaCompiler.grammar(schema: schema), trie: trie)
        let text = #"{"name": "Zoë", "n": 12, "e": "é"}"#
        let ids = try tokenizer.encode(text, addBos: false, parseSpecial: false)
        for (step, id) in ([-1] + ids).enumerated() {
            if id >= 0 { try constraint.accept(id) }
            // Loose, the byte bound, the token cost (tight) and below it (the least-cost fallback).
            for remaining in [1000, constraint.distance + 1, max(1, constraint.finishCost), max(1, constraint.finishCost - 1)] {
                let mask = try constraint.mask(remaining: remaining)
                var mismatches = 0
                for t in 0..<trie.vocabularySize {
                    let inMask = mask[t >> 6] & (1 << UInt64(t & 63)) != 0
                    if inMask != (try constraint.allows(t, remaining: remaining)) { mismatches += 1 }
                }
                #expect(mismatches == 0, "step \(step), remaining \(remaining): \(mismatches) tokens differ")
            }
        }
        #expect(constraint.isComplete)
    }

    @Test func schemaSuiteOutputsValidate() throws {
        let files = try Self.schemaFiles()
        #expect(files.count >= 30)
        let loaded = try LoadedModel(path: try TestPaths.smolLM2())
        let bundle = try loaded.requireBundle()
        let trie = try loaded.tokenTrie()
        for file in files {
            let schemaText = try String(contentsOfFile: file, encoding: .utf8)
            let schema = try JSONValue(parsing: schemaText)
            let title = schema["title"]?.string ?? "data"
            let prompt = try bundle.encodeUserPrompt("Reply with JSON only. \(title).")
            let session = DecoderSession(model: loaded.model, contextLength: prompt.count + Self.maxTokens, threads: 2)
            let constraint = try TokenConstraint(grammar: try JSONSchemaCompiler.grammar(schema: schema), trie: trie)
            let result = try Generator(loaded: loaded, session: session)
                .generate(prompt: prompt, maxTokens: Self.maxTokens, sampling: .greedy, constraint: constraint) { _, _ in .proceed }.result
            let name = URL(fileURLWithPath: file).lastPathComponent
            // scripts/check_schemas_jsonschema.py --outputs DIR validates these same texts with Python jsonschema.
            if let dir = ProcessInfo.processInfo.environment["BORA_SCHEMA_OUTPUTS"], !dir.isEmpty {
                try? result.text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
            }
            #expect(constraint.isComplete, "\(name): incomplete output \(result.text)")
            let value = try #require(try? JSONValue(parsing: result.text), "\(name): does not parse: \(result.text)")
            #expect(JSONSchemaValidator.violation(of: value, against: schema) == nil,
                    "\(name): \(JSONSchemaValidator.violation(of: value, against: schema) ?? "") in \(result.text)")
        }
    }

    /// An unbounded string with a budget far too small to finish it freely: the budget rule closes it in time.
    @Test func budgetForcesCompletion() throws {
        let loaded = try LoadedModel(path: try TestPaths.smolLM2())
        let prompt = try loaded.requireBundle().encodeUserPrompt("Write a long story as JSON.")
        let schema = try JSONValue(parsing: #"{"type":"object","properties":{"story":{"type":"string"},"moral":{"type":"string"}},"required":["story","moral"]}"#)
        let constraint = try TokenConstraint(grammar: try JSONSchemaCompiler.grammar(schema: schema), trie: try loaded.tokenTrie())
        let session = DecoderSession(model: loaded.model, contextLength: prompt.count + 30, threads: 2)
        let result = try Generator(loaded: loaded, session: session)
            .generate(prompt: prompt, maxTokens: 30, sampling: .greedy, constraint: constraint) { _, _ in .proceed }.result
        #expect(result.tokens.count <= 30)
        let value = try #require(try? JSONValue(parsing: result.text), "does not parse: \(result.text)")
        #expect(JSONSchemaValidator.violation(of: value, against: schema) == nil)
    }

    @Test func cliJSONSchemaAndGrammar() throws {
        let model = try TestPaths.smolLM2()
        let r = try CLI.run(["generate", "-m", model, "--chat", "-p", "A color as JSON", "-n", "40", "--temperature", "0",
                             "--json-schema", TestPaths.fixture("schemas/03-color-enum.json")])
        #expect(r.status == 0, "\(r.stderr)")
        let value = try JSONValue(parsing: r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(["red", "green", "blue"].contains(value["color"]?.string ?? ""))

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bora-grammar-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("yesno.gbnf").path
        try #"root ::= ("yes" | "no") "." "#.write(toFile: good, atomically: true, encoding: .utf8)
        let g = try CLI.run(["generate", "-m", model, "-p", "Is water wet?", "-n", "8", "--temperature", "0", "--grammar", good])
        #expect(g.status == 0, "\(g.stderr)")
        #expect(["yes.", "no."].contains(g.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))

        let bad = dir.appendingPathComponent("bad.gbnf").path
        try #"root ::= root "x""#.write(toFile: bad, atomically: true, encoding: .utf8)
        let b = try CLI.run(["generate", "-m", model, "-p", "x", "-n", "4", "--grammar", bad])
        #expect(b.status != 0)
        #expect(b.stderr.contains("left-recursive"))
    }
}
