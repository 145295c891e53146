import Foundation
import Testing

/// `--lora FILE[:SCALE]` merges adapters at load; the PEFT directory and its GGUF form give the same tokens.
@Suite struct LoRACLITests {
    static let tiny = TestPaths.fixture("mistral/mistral-tiny")

    func tokens(_ extra: [String]) throws -> [Int] {
        let r = try CLI.run(["generate", "--model", Self.tiny + "/hf", "--prompt-tokens", "5,9,3", "--max-tokens", "5",
                             "--temperature", "0", "--json"] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        return object?["tokens"] as? [Int] ?? []
    }

    @Test func loraChangesTheOutputAndBothFormsAgree() throws {
        let base = try tokens([])
        let peft = try tokens(["--lora", Self.tiny + "/lora"])
        let gguf = try tokens(["--lora", Self.tiny + "/lora/adapter.gguf:1"])
        #expect(peft != base)
        #expect(peft == gguf)
        #expect(try tokens(["--lora", Self.tiny + "/lora:0"]) == base)
    }

    @Test func badAdapterIsAClearError() throws {
        let r = try CLI.run(["generate", "--model", Self.tiny + "/hf", "--prompt-tokens", "5", "--max-tokens", "1",
                             "--lora", TestPaths.fixture("mistral/mixtral-tiny/hf")])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("error: --lora"), "\(r.stderr)")
    }
}

/// `bora export-lora BASE ADAPTER OUT` writes a model that, without the adapter, gives what BASE gives
/// with it.
@Suite struct ExportLoRACLITests {
    @Test func exportedModelEqualsBasePlusAdapter() throws {
        let tiny = LoRACLITests.tiny
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("bora-export-\(UUID().uuidString).gguf").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let e = try CLI.run(["export-lora", tiny + "/model.gguf", tiny + "/lora:0.7", out])
        #expect(e.status == 0, "\(e.stderr)")
        #expect(e.stdout.contains("14 matrices merged"))
        func score(_ args: [String]) throws -> [Double] {
            let r = try CLI.run(["score", "--tokens", "5,9,3,7", "--last", "1", "--json"] + args)
            #expect(r.status == 0, "\(r.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
            return (object?["logits"] as? [[Double]])?.last ?? []
        }
        let merged = try score(["--model", out])
        let applied = try score(["--model", tiny + "/model.gguf", "--lora", tiny + "/lora:0.7"])
        #expect(merged.count == 128 && applied.count == 128)
        #expect(zip(merged, applied).allSatisfy { abs($0 - $1) < 1e-5 })
        // The output exists now: refused without --force, and the file is left as it was.
        let again = try CLI.run(["export-lora", tiny + "/model.gguf", tiny + "/lora", out])
        #expect(again.status == 1 && again.stderr.contains("--force"))
    }

    @Test func adapterForAnotherModelLeavesNoFile() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("bora-export-\(UUID().uuidString).gguf").path
        let r = try CLI.run(["export-lora", TestPaths.fixture("mistral/mixtral-tiny/model.gguf"), LoRACLITests.tiny + "/lora", out])
        #expect(r.status == 1)
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
