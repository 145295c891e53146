import BoraEngine
import Foundation
import Testing

/// Parsing pull sources; choosing a GGUF by tag is tested through a served listing in PullTests.
@Suite struct PullSelectionTests {
    @Test func parsesSources() throws {
        #expect(try PullSource("hf:bartowski/SmolLM2-135M-Instruct-GGUF") == .hub(repo: "bartowski/SmolLM2-135M-Instruct-GGUF", selector: nil))
        #expect(try PullSource("hf:a/b:Q4_K_M") == .hub(repo: "a/b", selector: "Q4_K_M"))
        #expect(try PullSource("hf:a/b:sub/x.gguf") == .hub(repo: "a/b", selector: "sub/x.gguf"))
        #expect(try PullSource("https://example.com/m/x.gguf") == .url(try #require(URL(string: "https://example.com/m/x.gguf"))))
        for bad in ["hf:a", "hf:a/b/c", "hf:/b", "hf:a/..", "hf:a/b:../x.gguf", "ftp://x/y.gguf", "model.gguf", "https://"] {
            let e = try #require(throws: EngineError.self, "\(bad)") { try PullSource(bad) }
            #expect(e.description.contains("hf:") || e.description.contains(".."), "\(e)")
        }
    }

    @Test func unknownModelSuggestsPull() throws {
        let store = ModelStore(home: FileManager.default.temporaryDirectory.appendingPathComponent("bora-\(UUID())").path)
        let e = try #require(throws: EngineError.self) { try store.resolve("nope") }
        #expect(e.description.contains("bora pull") && e.description.contains("bora list"))
    }
}
