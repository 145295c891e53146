import BoraEngine
import Foundation
import Testing

@Suite struct ModelStoreTests {
    func freshHome() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("bora-home-\(UUID().uuidString)").path
    }

    @Test func importListShowCopyRemove() throws {
        let home = freshHome()
        let store = ModelStore(home: home)
        #expect(try store.list().isEmpty)
        let gguf = TestPaths.fixture("mistral/mistral-tiny/model.gguf")
        let m = try store.importModel(from: gguf, name: "tiny")
        #expect(m.architecture == "llama" && m.quantization == "F32" && m.contextLength == 128)
        #expect(m.size == (try FileManager.default.attributesOfItem(atPath: gguf)[.size] as? Int))
        #expect(m.sha256.count == 64)
        let dir = try store.importModel(from: TestPaths.fixture("mistral/mixtral-tiny/hf"))
        #expect(dir.name == "hf" && dir.architecture == "mixtral")
        #expect(try store.list().map(\.name) == ["hf", "tiny"])
        #expect(try store.resolve("tiny").hasSuffix("/models/tiny/model.gguf"))
        #expect(try store.resolve(gguf) == gguf)
        try store.copy("tiny", to: "tiny2")
        #expect(try store.manifest("tiny2").sha256 == m.sha256)
        try store.remove("tiny2")
        #expect(throws: EngineError.self) { try store.manifest("tiny2") }
    }

    @Test func errorsThatHelp() throws {
        let store = ModelStore(home: freshHome())
        let unknown = try #require(throws: EngineError.self) { try store.resolve("no-such-model") }
        #expect(unknown.description.contains("bora list") && unknown.description.contains("bora import"))
        #expect(throws: EngineError.self) { try store.importModel(from: "/nonexistent.gguf") }
        #expect(throws: EngineError.self) { try store.importModel(from: TestPaths.fixture("mistral/mistral-tiny/model.gguf"), name: "bad name") }
        // Not a model: refused before anything is written.
        #expect(throws: EngineError.self) { try store.importModel(from: TestPaths.fixture("text/apache-2.0.txt")) }
        #expect(try store.list().isEmpty)
        try store.importModel(from: TestPaths.fixture("mistral/mistral-tiny/model.gguf"), name: "a")
        let dup = try #require(throws: EngineError.self) { try store.importModel(from: TestPaths.fixture("mistral/mistral-tiny/model.gguf"), name: "a") }
        #expect(dup.description.contains("already"))
    }

    @Test func namesWorkWhereverPathsDo() throws {
        let home = freshHome()
        let env = ["BORA_HOME": home]
        let imported = try CLI.run(["import", TestPaths.fixture("mistral/mistral-tiny/model.gguf"), "--name", "tiny"], environment: env)
        #expect(imported.status == 0, "\(imported.stderr)")
        let list = try CLI.run(["list"], environment: env)
        #expect(list.stdout.contains("tiny") && list.stdout.contains("F32"))
        let gen = try CLI.run(["generate", "--model", "tiny", "--prompt-tokens", "1,2,3", "--max-tokens", "2", "--temperature", "0", "--json"], environment: env)
        #expect(gen.status == 0 && gen.stdout.contains("\"tokens\""))
        let missing = try CLI.run(["generate", "--model", "nope", "--prompt", "x"], environment: env)
        #expect(missing.status == 1 && missing.stderr.contains("bora list"))
        #expect(try CLI.run(["rm", "tiny"], environment: env).status == 0)
    }
}
