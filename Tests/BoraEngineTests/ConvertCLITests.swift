import BoraFormats
import BoraModels
import Foundation
import Testing

/// `bora convert` end to end: a converted model runs, bad input gives a clear error, and no output (or
/// temporary file) is left behind by a failure.
@Suite(.serialized) struct ConvertCLITests {
    static func leftovers(_ dir: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp-") || $0.hasSuffix(".gguf") }
    }

    @Test func convertsAndRefusesAnExistingOutputWithoutForce() throws {
        let dir = try ConvertFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = dir.appendingPathComponent("out.gguf").path
        let r = try CLI.run(["convert", ConvertFixtures.checkpoint("mixtral-tiny", "hf"), output, "--type", "Q8_0"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("wrote") && r.stderr.contains("no tokenizer"), "\(r.stdout) \(r.stderr)")
        #expect(try GGUFFile(path: output).tensor(named: "blk.0.attn_q.weight")?.type == .q8_0)

        let again = try CLI.run(["convert", ConvertFixtures.checkpoint("mixtral-tiny", "hf"), output])
        #expect(again.status != 0)
        #expect(again.stderr.contains("already exists") && again.stderr.contains("--force"), "\(again.stderr)")
        #expect(try GGUFFile(path: output).tensor(named: "blk.0.attn_q.weight")?.type == .q8_0)
        let forced = try CLI.run(["convert", ConvertFixtures.checkpoint("mixtral-tiny", "hf"), output, "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try GGUFFile(path: output).tensor(named: "blk.0.attn_q.weight")?.type == .f16)
    }

    @Test func unknownTypeListsTheSupportedOnes() throws {
        let r = try CLI.run(["convert", ConvertFixtures.checkpoint("mistral-tiny", "hf"), "out.gguf", "--type", "q4_0"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("f16, bf16") && r.stderr.contains("q8_0") && r.stderr.contains("bora quantize"), "\(r.stderr)")
    }

    @Test func notACheckpointIsAClearError() throws {
        let dir = try ConvertFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let output = dir.appendingPathComponent("out.gguf").path
        let r = try CLI.run(["convert", empty.path, output])
        #expect(r.status != 0)
        #expect(r.stderr.contains("neither config.json nor params.json"), "\(r.stderr)")
        let gguf = try CLI.run(["convert", TestPaths.fixture("mistral/mistral-tiny/model.gguf"), output])
        #expect(gguf.stderr.contains("GGUF file already") && gguf.stderr.contains("bora quantize"), "\(gguf.stderr)")
        let missing = try CLI.run(["convert", dir.appendingPathComponent("nope").path, output])
        #expect(missing.stderr.contains("no such file or directory"), "\(missing.stderr)")
        // A config.json without weights.
        try FileManager.default.copyItem(atPath: ConvertFixtures.checkpoint("mistral-tiny", "hf") + "/config.json",
                                         toPath: empty.appendingPathComponent("config.json").path)
        let noWeights = try CLI.run(["convert", empty.path, output])
        #expect(noWeights.status != 0)
        #expect(noWeights.stderr.contains("no .safetensors file"), "\(noWeights.stderr)")
        #expect(try Self.leftovers(dir).isEmpty)
    }

    @Test func unsupportedArchitectureIsAClearError() throws {
        let dir = try ConvertFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(#"{"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": 128}"#.utf8)
            .write(to: dir.appendingPathComponent("config.json"))
        let r = try CLI.run(["convert", dir.path, dir.appendingPathComponent("out.gguf").path])
        #expect(r.status != 0)
        // The message names the architecture and lists the registry's families.
        #expect(r.stderr.contains("model_type 'gpt2', GPT2LMHeadModel") && r.stderr.contains(ArchitectureRegistry.supported), "\(r.stderr)")
        #expect(try Self.leftovers(dir).isEmpty)
    }

    @Test func brokenTokenizerIsAClearErrorAndLeavesNothing() throws {
        let dir = try ConvertFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = try TinyTokenizers.checkpoint("mistral-tiny", "native", in: dir, files: ["tekken.json": Array("{}".utf8)])
        let r = try CLI.run(["convert", input, dir.appendingPathComponent("out.gguf").path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("tekken.json") && r.stderr.contains("config"), "\(r.stderr)")
        #expect(try Self.leftovers(dir).isEmpty)
    }

    /// A write failure (here a missing directory; a full disk takes the same path) is a clear error.
    @Test func unwritableOutputIsAClearError() throws {
        let dir = try ConvertFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["convert", ConvertFixtures.checkpoint("mistral-tiny", "hf"), dir.appendingPathComponent("no/such/out.gguf").path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("cannot write") && r.stderr.contains("No such file"), "\(r.stderr)")
    }
}
