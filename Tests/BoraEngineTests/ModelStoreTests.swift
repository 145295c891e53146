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
        #expect(dir.name == "hf" && dir.architecture == "llama")  // the registry family, as Mixtral GGUFs say
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

/// `bora run` without a terminal: answers the question from the arguments or stdin, prints only the answer.
@Suite struct RunCLITests {
    @Test func answersFromArgumentsAndStdin() throws {
        let model = try TestPaths.smolLM2()
        let a = try CLI.run(["run", model, "What is the capital of France?", "--temperature", "0", "-n", "6"])
        #expect(a.status == 0, "\(a.stderr)")
        #expect(!a.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        #expect(!a.stdout.contains(">>>"))
        // The F32 cache answers too (the option reaches the session; F16 is the default).
        let f32 = try CLI.run(["run", model, "What is the capital of France?", "--temperature", "0", "-n", "6", "--cache-type", "f32"])
        #expect(f32.status == 0, "\(f32.stderr)")
        #expect(!f32.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        // stdin is not a terminal here (the test harness), so the question can come from it.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.executable)
        p.arguments = ["run", model, "--temperature", "0", "-n", "6"]
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        try p.run()
        input.fileHandleForWriting.write(Data("What is the capital of France?\n".utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(text == a.stdout)
    }

    @Test func missingDefaultModel() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("bora-empty-\(UUID().uuidString)").path
        let r = try CLI.run(["run", "no-such-model", "hi"], environment: ["BORA_HOME": home])
        #expect(r.status == 1 && r.stderr.contains("bora list"))
    }
}
