import Foundation
import Testing
import BoraTokenizers

/// Constructs Bora does not implement fail with an error naming them and their line, never a wrong prompt.
@Suite struct ChatTemplateErrorTests {
    func render(_ source: String, _ context: [String: JSONValue] = [:]) throws -> String {
        try ChatTemplate(source).render(context, now: JinjaGoldens.now, timeZone: JinjaGoldens.utc)
    }

    @Test(arguments: [
        ("line1\n{{ x|xmlattr }}", "unsupported filter 'xmlattr'", 2),
        ("{{ 'a %s'|format(1) }}", "unsupported filter 'format'", 1),
        ("\n\n{% include 'other.jinja' %}", "unsupported tag 'include'", 3),
        ("{% for x in [1] recursive %}{% endfor %}", "unsupported recursive for loop", 1),
        ("{{ 1 is prime }}", "unsupported test 'prime'", 1),
        ("{{ 'x'.format(1) }}", "unsupported string method 'format'", 1),
        ("{{ '%d' % 3 }}", "unsupported printf-style string formatting with %", 1),
        ("{{ f(*args) }}", "unsupported *args/**kwargs in a call", 1),
        ("\n{{ strftime_now('%c') }}", "unsupported strftime directive '%c'", 2),
    ])
    func unsupportedConstructIsNamed(_ source: String, _ message: String, _ line: Int) {
        #expect(throws: JinjaError.unsupported(message, line: line)) { try render(source, ["x": .object([])]) }
    }

    @Test func unsupportedInUntakenBranchStillRenders() throws {
        #expect(try render("{% if false %}{{ x|xmlattr }}{% endif %}ok") == "ok")
    }

    @Test func errorDescriptionsSayWhatHappened() {
        #expect(JinjaError.unsupported("unsupported filter 'xmlattr'", line: 3).description.hasPrefix("unsupported filter 'xmlattr' at line 3"))
        #expect(JinjaError.raised("Only user and assistant roles are supported!").description
            == "the chat template raised an exception: Only user and assistant roles are supported!")
        #expect(JinjaError.syntax("unexpected end of template", line: 2).description == "template syntax error at line 2: unexpected end of template")
    }

    @Test func runawayMacroRecursionIsAnError() {
        #expect(throws: JinjaError.runtime("maximum recursion depth exceeded in macro 'f'", line: 1)) {
            try render("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}")
        }
    }

    @Test func raiseExceptionCarriesTheMessage() {
        #expect(throws: JinjaError.raised("Conversation roles must alternate")) {
            try render("{{ raise_exception('Conversation roles must alternate') }}")
        }
    }

    @Test func syntaxErrorsCarryTheLine() {
        #expect(throws: JinjaError.syntax("unexpected end of template, expected 'elif' or 'else' or 'endif'", line: 3)) {
            try ChatTemplate("a\n{% if x %}\nb")
        }
        #expect(throws: JinjaError.syntax("unexpected '}}'", line: 2)) { try ChatTemplate("\n{{ 1 + }}") }
    }

    @Test func strftimeNowReadsTheInjectedDate() throws {
        let t = try ChatTemplate("{{ strftime_now('%d %b %Y %H:%M') }}")
        #expect(try t.render([:], now: JinjaGoldens.now, timeZone: JinjaGoldens.utc) == "14 Mar 2025 09:26")
        let tokyo = try #require(TimeZone(identifier: "Asia/Tokyo"))
        #expect(try t.render([:], now: JinjaGoldens.now, timeZone: tokyo) == "14 Mar 2025 18:26")
    }

    @Test func contextValuesKeepTheirOrder() throws {
        let tool = try JSONValue(parsing: #"{"z": 1, "a": {"y": [1.5, null, "é"], "b": true}}"#)
        #expect(try render("{{ t|tojson }}|{{ t }}", ["t": tool])
            == #"{"z": 1, "a": {"y": [1.5, null, "é"], "b": true}}|{'z': 1, 'a': {'y': [1.5, None, 'é'], 'b': True}}"#)
    }
}
