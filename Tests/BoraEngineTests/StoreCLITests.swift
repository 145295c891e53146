import BoraFormats
import Foundation
import Testing

/// `bora pull`, `list` and the errors that say what to do next, through the built binary.
@Suite struct StoreCLITests {
    func fresh() -> String { FileManager.default.temporaryDirectory.appendingPathComponent("bora-cli-home-\(UUID().uuidString)").path }

    func expectFailure(_ args: [String], environment: [String: String] = [:], mentions: [String]) throws {
        let r = try CLI.run(args, environment: environment)
        #expect(r.status == 1, "bora \(args.joined(separator: " ")) should exit 1, got \(r.status): \(r.stderr)")
        for m in mentions { #expect(r.stderr.contains(m), "stderr lacks '\(m)': \(r.stderr)") }
    }

    @Test func pullListAndMissingFile() throws {
        let hub = try FakeHub()
        let env = ["BORA_HOME": fresh(), "HF_ENDPOINT": hub.endpoint]
        let r = try CLI.run(["pull", "hf:test/tiny-GGUF:Q8_0", "--name", "tiny"], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("pulled tiny:") && r.stderr.contains("pulling tiny.Q8_0.gguf"))
        #expect(!r.stderr.contains("\r"))  // no progress bar without a terminal
        let list = try CLI.run(["list"], environment: env)
        #expect(list.stdout.contains("tiny ") && !list.stdout.contains("missing"))
        try FileManager.default.removeItem(atPath: (env["BORA_HOME"] ?? "") + "/models/tiny/tiny.Q8_0.gguf")
        #expect(try CLI.run(["list"], environment: env).stdout.contains("file missing: bora rm tiny"))
        try expectFailure(["generate", "--model", "tiny", "-p", "hi"], environment: env, mentions: ["bora rm tiny"])
        try expectFailure(["pull", "hf:test/tiny-GGUF"], environment: env, mentions: ["2 GGUF files", "hf:test/tiny-GGUF:Q4_K_M"])
        try expectFailure(["pull", "tiny.gguf"], environment: env, mentions: ["bora import"])
    }

    @Test func unknownModel() throws {
        try expectFailure(["run", "no-such-model", "hi"], environment: ["BORA_HOME": fresh()], mentions: ["bora list", "bora pull"])
    }

    @Test func notAModelFile() throws {
        try expectFailure(["generate", "--model", TestPaths.fixture("text/apache-2.0.txt"), "-p", "hi"], mentions: ["is not a GGUF file"])
    }

    @Test func unsupportedArchitectureAndQuantization() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bora-arch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var w = GGUFWriter()
        w.set("general.architecture", .string("gpt2"))
        w.addF32("x.weight", shape: [4], [1, 2, 3, 4])
        let gpt2 = dir.appendingPathComponent("gpt2.gguf").path
        _ = FileManager.default.createFile(atPath: gpt2, contents: Data(w.serialize()))
        try expectFailure(["generate", "--model", gpt2, "-p", "hi"], mentions: ["'gpt2' model", "Llama, Mistral"])
        // The same file with tensor type 99: the supported types are listed.
        var bytes = w.serialize()
        let name = Array("x.weight".utf8)
        let at = try #require((0...(bytes.count - name.count)).first { Array(bytes[$0..<($0 + name.count)]) == name })
        bytes[at + name.count + 4 + 8] = 99  // after the name: n_dims (u32), one dim (u64), then the type
        let odd = dir.appendingPathComponent("odd.gguf").path
        _ = FileManager.default.createFile(atPath: odd, contents: Data(bytes))
        try expectFailure(["import", odd], environment: ["BORA_HOME": fresh()], mentions: ["tensor type 99", "supported: F32"])
    }

    @Test func helpHasExamplesAndCompletionsWork() throws {
        for command in ["run", "pull", "import", "list", "show", "rm", "cp", "generate", "serve", "bench", "tokenize",
                        "detokenize", "perplexity", "score", "inspect"] {
            let r = try CLI.run(["help", command])
            #expect(r.status == 0 && r.stdout.contains("Example"), "bora help \(command): \(r.stdout)")
        }
        let bash = try CLI.run(["--generate-completion-script", "bash"])
        #expect(bash.status == 0 && bash.stdout.contains("pull") && bash.stdout.contains("complete"))
    }

    @Test func portInUse() throws {
        let server = try PullTestServer { _ in .init(status: 200) }
        defer { server.stop() }
        try expectFailure(["serve", "--model", "any", "--port", String(server.port)], mentions: ["port \(server.port) on 127.0.0.1 is already in use", "--port"])
    }
}
