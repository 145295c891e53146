import BoraEngine
import BoraTokenizers
import Testing

/// GBNF parsing, matching and the errors of bad grammars and schemas (no model needed).
@Suite struct ConstrainedGrammarTests {
    func matches(_ gbnf: String, _ text: String) throws -> Bool {
        let m = try GrammarMatcher(try Grammar(gbnf: gbnf))
        let s = try m.advance(m.initial, text: text)
        return s != 0 && m.accepts(s)
    }

    @Test func gbnfFeatures() throws {
        let g = """
        # a comment
        root ::= greeting ws name ("!" | "?")?
        greeting ::= "hi" | "hello"
        ws ::= [ \\t]+
        name ::= [A-Z] [a-z]{1,4} "é"*
        """
        #expect(try matches(g, "hi Bob"))
        #expect(try matches(g, "hello\t Alice!"))
        #expect(try matches(g, "hi Boéé?"))
        #expect(try !matches(g, "hi bob"))
        #expect(try !matches(g, "hi Bobbbb"))
        #expect(try !matches(g, "hey Bob"))
        #expect(try matches("root ::= [^a]{2} .", "bc\u{1F600}"))
        #expect(try !matches("root ::= [^a]{2} .", "ab\u{1F600}"))
    }

    @Test func distanceIsShortestCompletion() throws {
        let m = try GrammarMatcher(try Grammar(gbnf: #"root ::= "{" [a-z]* "}" | "ab""#))
        #expect(m.distance(m.initial) == 2)
        let s = try m.advance(m.initial, text: "{xyz")
        #expect(m.distance(s) == 1)
        #expect(m.accepts(try m.advance(s, text: "}")))
    }

    /// Right recursion is a loop, not a deeper stack: inside a string and between array items the state
    /// repeats (so its mask is computed once).
    @Test func repetitionRevisitsTheSameState() throws {
        let string = try GrammarMatcher(try JSONSchemaCompiler.grammar(schema: try schema(#"{"type": "string"}"#)))
        let inside = try string.advance(string.initial, text: "\"ab")
        #expect(inside != 0)
        #expect(try string.advance(inside, text: "cd é") == inside)
        let array = try GrammarMatcher(try JSONSchemaCompiler.grammar(schema: try schema(#"{"type": "array", "items": {"type": "integer"}}"#)))
        let one = try array.advance(array.initial, text: "[1,")
        #expect(one != 0)
        #expect(try array.advance(one, text: "22, 3,") == one)
    }

    /// `advance` fills a state's ASCII row at once, one expansion per group of characters that the same stacks
    /// accept: every entry equals the reference (each character expanded on its own), at every state of
    /// seeded random walks over a schema with strings, escapes, numbers, enums and arrays.
    @Test func asciiRowEqualsPerCharacterSteps() throws {
        let grammar = try JSONSchemaCompiler.grammar(schema: try schema(#"{"type":"object","properties":{"s":{"type":"string","maxLength":20},"n":{"type":"number"},"e":{"enum":["a\"b","c"]},"l":{"type":"array","items":{"type":"integer"}}},"required":["s","n","e","l"]}"#))
        let m = try GrammarMatcher(grammar)
        var rng = SplitMix64(seed: 9)
        var checked = 0
        for _ in 0..<20 {
            var s = m.initial
            for _ in 0..<60 {
                var ok: [UInt32] = []
                for c in UInt32(0)..<128 {
                    let fast = try m.advance(s, c)
                    #expect(fast == (try m.advanceReference(s, c)), "state \(s), character \(c)")
                    if fast != 0 { ok.append(c) }
                    checked += 1
                }
                guard !ok.isEmpty else { break }
                s = try m.advance(s, ok[Int(rng.next() % UInt64(ok.count))])
            }
        }
        #expect(checked > 10_000)
    }

    @Test func badGrammarsAreClearErrors() {
        #expect(throws: GrammarError.leftRecursion("root")) { try Grammar(gbnf: #"root ::= root "a" | "b""#) }
        #expect(throws: GrammarError.admitsNoString) { try Grammar(gbnf: #"root ::= "a" root"#) }
        #expect(throws: GrammarError.admitsNoString) { try Grammar(gbnf: #"root ::= [^\x00-\U0010FFFF]"#) }
        #expect(throws: GrammarError.undefinedRule("value")) { try Grammar(gbnf: #"root ::= "[" value "]""#) }
        #expect(throws: GrammarError.missingRoot) { try Grammar(gbnf: #"start ::= "a""#) }
        #expect(throws: GrammarError.syntax(line: 2, column: 15, message: "expected ')'")) { try Grammar(gbnf: "root ::= a\na ::= (\"x\" \"y\"") }
        #expect(throws: GrammarError.self) { try Grammar(gbnf: #"root ::= ("a"{1000}){1000}"#) }
    }

    func schema(_ text: String) throws -> JSONValue { try JSONValue(parsing: text) }

    @Test func schemaAcceptsValidAndRejectsInvalid() throws {
        let s = try schema(#"{"type":"object","properties":{"n":{"type":"integer","minimum":0},"tags":{"type":"array","items":{"enum":["a","b"]},"maxItems":2},"when":{"type":"string","format":"date"}},"required":["n"]}"#)
        let m = try GrammarMatcher(try JSONSchemaCompiler.grammar(schema: s))
        func ok(_ t: String) throws -> Bool { let st = try m.advance(m.initial, text: t); return st != 0 && m.accepts(st) }
        #expect(try ok(#"{"n": 3}"#))
        #expect(try ok(#"{"n":3, "tags": ["a", "b"], "when": "2024-02-29"}"#))
        #expect(try !ok(#"{"n": -3}"#))
        #expect(try !ok(#"{"tags": []}"#))
        #expect(try !ok(#"{"n": 3, "tags": ["a", "b", "a"]}"#))
        #expect(try !ok(#"{"n": 3, "when": "2024-13-01"}"#))
        #expect(try !ok(#"{"n": 3, "x": 1}"#))
    }

    @Test func patternIsTranslated() throws {
        let m = try GrammarMatcher(try JSONSchemaCompiler.grammar(schema: try schema(#"{"type":"string","pattern":"^(ab|c\\d)+[^x]?$"}"#)))
        func ok(_ t: String) throws -> Bool { let st = try m.advance(m.initial, text: t); return st != 0 && m.accepts(st) }
        #expect(try ok(#""abc1ab""#))
        #expect(try ok(#""c9y""#))
        #expect(try !ok(#""abx""#))
        #expect(try !ok(#""c9\"""#)) // a quote could only appear escaped, and the class drops it
    }

    @Test func unsupportedKeywordsAreNamed() {
        #expect(throws: GrammarError.unsupportedKeyword("maxProperties", path: "#")) {
            try JSONSchemaCompiler.grammar(schema: .object([("type", .string("object")), ("maxProperties", .int(2))]))
        }
        #expect(throws: GrammarError.unsupportedKeyword("not", path: "#/properties/a")) {
            try JSONSchemaCompiler.grammar(schema: try schema(#"{"properties":{"a":{"not":{"type":"string"}}}}"#))
        }
    }

    @Test func badSchemasAreClearErrors() throws {
        #expect(throws: GrammarError.invalidSchema("unknown type 'text' (use object, array, string, integer, number, boolean or null)", path: "#/type")) {
            try JSONSchemaCompiler.grammar(schema: try schema(#"{"type":"text"}"#))
        }
        #expect(throws: GrammarError.invalidSchema("maxItems 1 is below minItems 2", path: "#")) {
            try JSONSchemaCompiler.grammar(schema: try schema(#"{"type":"array","minItems":2,"maxItems":1}"#))
        }
        // A $ref cycle that never produces a value, and a required property that recurses forever.
        #expect(throws: GrammarError.self) {
            try JSONSchemaCompiler.grammar(schema: try schema(##"{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}"##))
        }
        #expect(throws: GrammarError.invalidSchema("no JSON value satisfies it (a required recursive part never ends)", path: "#")) {
            try JSONSchemaCompiler.grammar(schema: try schema(##"{"$defs":{"n":{"type":"object","properties":{"next":{"$ref":"#/$defs/n"}},"required":["next"]}},"$ref":"#/$defs/n"}"##))
        }
        // Recursion that can stop is fine.
        _ = try JSONSchemaCompiler.grammar(schema: try schema(##"{"$defs":{"n":{"type":"object","properties":{"next":{"$ref":"#/$defs/n"}}}},"$ref":"#/$defs/n"}"##))
    }

    @Test func tooDeepSchemaIsRefused() {
        var s: JSONValue = .object([("type", .string("integer"))])
        for _ in 0..<40 { s = .object([("type", .string("array")), ("items", s)]) }
        #expect(throws: GrammarError.tooDeep(limit: JSONSchemaCompiler.maxDepth, path: "#" + String(repeating: "/items", count: 33))) {
            try JSONSchemaCompiler.grammar(schema: s)
        }
    }

    @Test func validatorAgreesOnBasics() throws {
        let s = try schema(#"{"type":"object","properties":{"a":{"type":"integer"},"b":{"enum":["x",null]}},"required":["a"],"additionalProperties":false}"#)
        #expect(JSONSchemaValidator.violation(of: try schema(#"{"a":1,"b":null}"#), against: s) == nil)
        #expect(JSONSchemaValidator.violation(of: try schema(#"{"b":"x"}"#), against: s) != nil)
        #expect(JSONSchemaValidator.violation(of: try schema(#"{"a":1.5}"#), against: s) != nil)
        #expect(JSONSchemaValidator.violation(of: try schema(#"{"a":1,"b":"y"}"#), against: s) != nil)
    }
}
