import Foundation
import Testing
import BoraTokenizers

/// Goldens rendered by Python jinja2 in transformers' configuration (scripts/make_jinja_goldens.py),
/// read from Tests/Fixtures/jinja.
enum JinjaGoldens {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/jinja")

    /// The instant the goldens' `strftime_now` reads: 2025-03-14 09:26:53, rendered in UTC.
    static let now = Date(timeIntervalSince1970: 1_741_944_413)
    static let utc = TimeZone(identifier: "UTC")!

    struct Case: CustomStringConvertible {
        var name: String
        var template: String
        var context: [String: JSONValue]
        var output: String?
        var errorType: String?
        var errorMessage: String?
        var errorLine: Int?
        var description: String { name }
    }

    static func json(_ path: String) throws -> JSONValue {
        let text = try String(contentsOf: directory.appendingPathComponent(path), encoding: .utf8)
        return try JSONValue(parsing: text)
    }

    static func text(_ path: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(path), encoding: .utf8)
    }

    static func makeCase(_ c: JSONValue, template: String) -> Case {
        var context: [String: JSONValue] = [:]
        for (k, v) in c["context"]?.object ?? [] { context[k] = v }
        var line: Int? = nil
        if case let .int(l)? = c["error"]?["line"] { line = l }
        return Case(name: c["name"]?.string ?? "?", template: c["template"]?.string ?? template, context: context,
                    output: c["output"]?.string, errorType: c["error"]?["type"]?.string,
                    errorMessage: c["error"]?["message"]?.string, errorLine: line)
    }

    static func features() throws -> [Case] {
        try json("features.json")["cases"]?.array?.map { makeCase($0, template: "") } ?? []
    }

    static let templateNames = [
        "smollm2-135m-instruct", "mistral-7b-instruct-v0.1", "mistral-7b-instruct-v0.3", "mistral-nemo-instruct-2407",
        "mistral-small-3.1-24b-instruct-2503", "llama-3.2-3b-instruct", "llama-3.3-70b-instruct", "qwen2.5-7b-instruct",
        "gemma-2-2b-it", "qwen3-0.6b", "ministral-3-14b-reasoning-2512", "devstral-small-2507",
        "mistral-small-3.2-24b-instruct-2506", "gemma-3-4b-it", "deepseek-r1-distill-qwen-32b",
    ]

    static func templateCases(_ name: String) throws -> [Case] {
        let source = try text("templates/\(name).jinja")
        return try json("goldens/\(name).json")["cases"]?.array?.map { makeCase($0, template: source) } ?? []
    }

    /// Renders a case and checks it against jinja2: the same text, or the same kind of error (for
    /// `raise_exception` the same message, for syntax errors the same line).
    static func check(_ c: Case, sourceLocation: SourceLocation = #_sourceLocation) {
        let result: Result<String, Error> = Result {
            try ChatTemplate(c.template).render(c.context, now: now, timeZone: utc)
        }
        switch (result, c.output) {
        case let (.success(text), expected?):
            #expect(text == expected, "\(c.name)", sourceLocation: sourceLocation)
        case let (.failure(error), expected?):
            Issue.record("\(c.name): expected output \(expected.debugDescription), got error \(error)", sourceLocation: sourceLocation)
        case let (.success(text), nil):
            Issue.record("\(c.name): expected \(c.errorType ?? "") '\(c.errorMessage ?? "")', rendered \(text.debugDescription)", sourceLocation: sourceLocation)
        case let (.failure(error), nil):
            guard let e = error as? JinjaError else {
                Issue.record("\(c.name): not a JinjaError: \(error)", sourceLocation: sourceLocation)
                return
            }
            switch (c.errorType, e) {
            case let ("TemplateError", .raised(message)):
                #expect(message == c.errorMessage, "\(c.name)", sourceLocation: sourceLocation)
            case let ("TemplateSyntaxError", .syntax(_, line)):
                #expect(line == c.errorLine, "\(c.name): \(e)", sourceLocation: sourceLocation)
            case let (_, .runtime(message, _)) where c.errorType != "TemplateError" && c.errorType != "TemplateSyntaxError":
                #expect(message == c.errorMessage, "\(c.name)", sourceLocation: sourceLocation)
            default:
                Issue.record("\(c.name): expected \(c.errorType ?? "") '\(c.errorMessage ?? "")', got \(e)", sourceLocation: sourceLocation)
            }
        }
    }
}
