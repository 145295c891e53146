import BoraModels
import BoraTokenizers
import BoraEngine
import Testing

/// The thought / answer split as text streams, on marker ids alone (no model).
@Suite("Thought splitter")
struct ThoughtSplitterTests {
    static let markers = ThoughtMarkers(open: "<think>", close: "</think>", openToken: 100, closeToken: 101)

    /// Feeds (piece, token) pairs; returns the thought and the answer.
    static func split(_ pieces: [(String, Int)], startsInside: Bool = false, inline: Bool = false) -> (String, String) {
        var s = ThoughtSplitter(markers: markers, startsInside: startsInside, inline: inline)
        var thought = "", answer = ""
        for (piece, token) in pieces {
            for part in s.feed(piece, token: token) {
                switch part {
                case let .thought(t): thought += t
                case let .answer(t): answer += t
                }
            }
        }
        return (thought, answer)
    }

    @Test func markersAndTheLayoutAroundThemAreDropped() {
        let (t, a) = Self.split([("<think>", 100), ("\n", 1), ("Two", 2), (" and", 3), (" two", 4), ("\n", 5), ("</think>", 101),
                                 ("\n\n", 6), ("Four", 7), (".", 8)])
        #expect(t == "Two and two")
        #expect(a == "Four.")
    }

    @Test func whitespaceInsideTheThoughtIsKept() {
        let (t, _) = Self.split([("<think>", 100), ("a", 1), (" ", 2), ("\n", 3), ("b", 4), ("  ", 5), ("</think>", 101)])
        #expect(t == "a \nb")
    }

    @Test func noThoughtMeansAllAnswerUntrimmed() {
        let (t, a) = Self.split([("\n", 1), ("Hi", 2)])
        #expect(t.isEmpty)
        #expect(a == "\nHi")
    }

    @Test func promptThatOpenedTheThought() {
        let (t, a) = Self.split([("x", 1), ("</think>", 101), ("y", 2)], startsInside: true)
        #expect(t == "x" && a == "y")
    }

    /// Mistral's markers are control tokens whose text is empty: `none` writes them out.
    @Test func inlineWritesTheMarkers() {
        let (t, a) = Self.split([("", 100), ("x", 1), ("", 101), ("y", 2)], inline: true)
        #expect(t.isEmpty)
        #expect(a == "<think>x</think>y")
    }

    /// A close marker outside a thought and an open marker inside one are text like any other token.
    @Test func strayMarkers() {
        let (t, a) = Self.split([("</think>", 101), ("a", 1), ("<think>", 100), ("b", 2), ("<think>", 100), ("c", 3)])
        #expect(a == "</think>a")
        #expect(t == "b<think>c")
    }

    @Test func unterminatedThoughtStaysThought() {
        let (t, a) = Self.split([("<think>", 100), ("half", 1)])
        #expect(t == "half" && a.isEmpty)
    }
}

/// The engine's side of a thought (`ThinkingControl`), on the real model: SmolLM2's `<gh_stars>` (7) and
/// `<issue_start>` (8) stand for the markers.
@Suite("Thinking control in the engine")
struct ThinkingControlTests {
    /// Inside a thought from the start, with a budget of 3: three free tokens, then the close forced, then
    /// a constrained answer that is valid JSON (the grammar applies after the thought only).
    static let schema = #"{"type":"object","properties":{"color":{"enum":["red","blue"]}},"required":["color"]}"#

    /// SmolLM2 asked for a color as JSON, constrained to `schema`, with `thinking`.
    static func generate(_ thinking: ThinkingControl) throws -> (GenerationResult, LoadedModel) {
        let loaded = try LoadedModel(path: try TestPaths.smolLM2())
        let prompt = try loaded.requireBundle().encodeUserPrompt("A color as JSON.")
        let constraint = try TokenConstraint(grammar: try JSONSchemaCompiler.grammar(schema: try JSONValue(parsing: schema)),
                                             trie: try loaded.tokenTrie())
        let session = DecoderSession(model: loaded.model, contextLength: prompt.count + 40, threads: 2)
        let result = try Generator(loaded: loaded, session: session)
            .generate(prompt: prompt, maxTokens: 40, sampling: .greedy, constraint: constraint, thinking: thinking) { _, _ in .proceed }.result
        return (result, loaded)
    }

    @Test func budgetClosesTheThoughtAndTheConstraintFollowsIt() throws {
        let (result, loaded) = try Self.generate(ThinkingControl(open: 7, close: 8, startsInside: true, budget: 3))
        let schema = try JSONValue(parsing: Self.schema)
        #expect(result.reasoningTokens == 3)
        #expect(result.tokens.count > 4 && result.tokens[3] == 8, "\(result.tokens)")
        let answer = try loaded.requireBundle().tokenizer.decode(Array(result.tokens.dropFirst(4)))
        let value = try #require(try? JSONValue(parsing: answer), "does not parse: \(answer)")
        #expect(JSONSchemaValidator.violation(of: value, against: schema) == nil)
    }

    /// Without a thought the answer is constrained from the first token (the model did not open one).
    @Test func noThoughtConstrainedFromTheStart() throws {
        let (result, _) = try Self.generate(ThinkingControl(open: 7, close: 8))
        #expect(result.reasoningTokens == 0)
        #expect((try? JSONValue(parsing: result.text)) != nil, "\(result.text)")
    }

    @Test func badMarkersAreRefused() throws {
        let loaded = try LoadedModel(path: try TestPaths.smolLM2())
        let session = DecoderSession(model: loaded.model, contextLength: 64, threads: 1)
        #expect(throws: EngineError.self) {
            _ = try Generator(loaded: loaded, session: session).generate(prompt: [1, 2], maxTokens: 4, sampling: .greedy,
                                                                          thinking: ThinkingControl(open: 7, close: 7)) { _, _ in .proceed }
        }
    }
}
