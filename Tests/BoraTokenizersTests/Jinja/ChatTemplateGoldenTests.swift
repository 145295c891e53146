import Testing
import BoraTokenizers

/// Real chat templates (Tests/Fixtures/jinja/templates) over ~18 conversations each (more for the thinking/reasoning ones), byte-identical to jinja2.
@Suite struct ChatTemplateGoldenTests {
    @Test(arguments: JinjaGoldens.templateNames)
    func rendersLikeJinja2(_ name: String) throws {
        let cases = try JinjaGoldens.templateCases(name)
        #expect(cases.count >= 10)
        for c in cases { JinjaGoldens.check(c) }
    }
}

/// One language feature per case against jinja2 (Tests/Fixtures/jinja/features.json).
@Suite struct JinjaFeatureTests {
    @Test(arguments: try JinjaGoldens.features())
    func matchesJinja2(_ c: JinjaGoldens.Case) {
        JinjaGoldens.check(c)
    }
}
