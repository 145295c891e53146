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
