import Foundation
import Testing

/// Runs the `bora` executable built next to the test bundle.
struct CLI {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static var executable: String {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // The test bundle may be a directory (XCTest) or a file; bora lies in the same build folder.
        for dir in [here, here.deletingLastPathComponent(), here.deletingLastPathComponent().deletingLastPathComponent()] {
            let candidate = dir.appendingPathComponent("bora").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return TestPaths.repo.appendingPathComponent(".build/release/bora").path
    }

    static func run(_ args: [String], environment: [String: String] = [:]) throws -> Result {
        // Output goes to files, so neither stream can fill a pipe and block the child.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bora-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let outURL = dir.appendingPathComponent("stdout"), errURL = dir.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        if !environment.isEmpty {
            p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        p.standardOutput = try FileHandle(forWritingTo: outURL)
        p.standardError = try FileHandle(forWritingTo: errURL)
        try p.run()
        p.waitUntilExit()
        return Result(status: p.terminationStatus,
                      stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    static func json(_ args: [String]) throws -> [String: Any] {
        let r = try run(args)
        #expect(r.status == 0, "bora \(args.joined(separator: " ")): \(r.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
        return try #require(obj as? [String: Any])
    }
}

@Suite(.serialized) struct CLITests {
    let model: String
    init() throws { model = try TestPaths.smolLM2() }

    @Test func generateJSON() throws {
        let d = try CLI.json(["generate", "--model", model, "--prompt", "The capital of France is", "--max-tokens", "8",
                              "--temperature", "0", "--threads", "2", "--json"])
        let prompt = try #require(d["prompt_tokens"] as? [Int])
        let tokens = try #require(d["tokens"] as? [Int])
        #expect(prompt == [504, 3575, 282, 4649, 314])
        #expect(tokens.count <= 8 && !tokens.isEmpty)
        #expect((d["text"] as? String)?.contains("Paris") == true)
        #expect(["stop", "length"].contains(d["finish_reason"] as? String))
        let timings = try #require(d["timings"] as? [String: Double])
        for key in ["prompt_ms", "generation_ms", "prompt_tokens_per_second", "tokens_per_second"] {
            #expect(timings[key] != nil, "timings.\(key)")
        }
    }

    @Test func streamedTextEqualsJSONText() throws {
        let args = ["generate", "--model", model, "--prompt", "<|im_start|>user\nName three colours.<|im_end|>\n<|im_start|>assistant\n",
                    "--max-tokens", "24", "--temperature", "0"]
        let streamed = try CLI.run(args)
        #expect(streamed.status == 0)
        let d = try CLI.json(args + ["--json"])
        #expect(streamed.stdout == (d["text"] as? String ?? "") + "\n")
    }

    @Test func sameSeedSameText() throws {
        let args = ["generate", "--model", model, "--prompt", "Once upon a time", "--max-tokens", "16",
                    "--temperature", "1.0", "--top-k", "0", "--top-p", "1", "--min-p", "0", "--json"]
        let a = try CLI.json(args + ["--seed", "42"]), b = try CLI.json(args + ["--seed", "42"])
        let c = try CLI.json(args + ["--seed", "7"])
        #expect(a["tokens"] as? [Int] == b["tokens"] as? [Int])
        #expect(a["tokens"] as? [Int] != c["tokens"] as? [Int])
    }

    @Test func tokenizeMatchesLlamaCpp() throws {
        let r = try CLI.run(["tokenize", "--model", model, "--text", "Hello world, <|im_start|>user"])
        #expect(r.status == 0)
        #expect(r.stdout == "[19556,905,28,216,1,4093]\n")
        let bos = try CLI.run(["tokenize", "--model", model, "--text", "Hi", "--bos"])
        #expect(bos.stdout.hasPrefix("[1,"))
    }

    @Test func scoreJSON() throws {
        let d = try CLI.json(["score", "--model", model, "--tokens", "504,3575,282,4649,314", "--last", "2", "--json"])
        #expect((d["argmax"] as? [Int])?.count == 5)
        #expect((d["nll"] as? [Double])?.count == 4)
        let logits = try #require(d["logits"] as? [[Double]])
        #expect(logits.count == 2 && logits.allSatisfy { $0.count == 49152 })
        // After "The capital of France is" the model's favourite is " Paris".
        #expect((d["argmax"] as? [Int])?.last == 7042)
        let f32 = try CLI.json(["score", "--model", model, "--tokens", "504,3575,282,4649,314", "--cache-type", "f32", "--json"])
        #expect((f32["argmax"] as? [Int])?.last == 7042)
    }

    @Test func perplexityJSON() throws {
        let d = try CLI.json(["perplexity", "--model", model, "--file", TestPaths.fixture("text/apache-2.0.txt"),
                              "--context", "128", "--json"])
        let nll = try #require(d["nll"] as? [Double])
        let tokens = try #require(d["tokens"] as? Int)
        #expect((d["argmax"] as? [Int])?.count == tokens)
        let windows = (tokens + 127) / 128
        #expect(nll.count == tokens - windows)
        let ppl = try #require(d["perplexity"] as? Double)
        #expect(ppl > 5 && ppl < 60)
        // An F32 KV cache: rounding keys and values to F16 (the default) moves the perplexity a little.
        let f32 = try CLI.json(["perplexity", "--model", model, "--file", TestPaths.fixture("text/apache-2.0.txt"),
                                "--context", "128", "--cache-type", "f32", "--json"])
        let pplF32 = try #require(f32["perplexity"] as? Double)
        #expect(pplF32 != ppl && abs(pplF32 - ppl) / pplF32 < 0.02, "F16 \(ppl), F32 \(pplF32)")
    }

    @Test func inspect() throws {
        let r = try CLI.run(["inspect", model])
        #expect(r.status == 0)
        #expect(r.stdout.contains("architecture: llama"))
        #expect(r.stdout.contains("heads: 9, kv heads: 3, head size: 64"))
        #expect(r.stdout.contains("token_embd.weight  Q8_0  [576, 49152]"))
        #expect(r.stdout.split(separator: "\n").filter { $0.contains("blk.") && $0.hasPrefix("  blk.") }.count == 270)
    }

    // MARK: bad input: a message on stderr that names the problem, a non-zero status, never a crash.

    func expectFailure(_ args: [String], mentions: [String]) throws {
        let r = try CLI.run(args)
        #expect(r.status != 0, "bora \(args.joined(separator: " ")) should fail")
        #expect(r.status < 128, "bora crashed with status \(r.status): \(r.stderr)")
        for m in mentions { #expect(r.stderr.contains(m), "stderr lacks '\(m)': \(r.stderr)") }
    }

    @Test func missingFile() throws {
        try expectFailure(["generate", "--model", "/nonexistent/m.gguf", "--prompt", "x"], mentions: ["cannot open", "/nonexistent/m.gguf"])
    }

    @Test func notAModel() throws {
        try expectFailure(["generate", "--model", TestPaths.fixture("text/apache-2.0.txt"), "--prompt", "x"], mentions: ["not a GGUF file"])
        try expectFailure(["inspect", TestPaths.fixture("text/apache-2.0.txt")], mentions: ["not a GGUF file"])
    }

    @Test func truncatedModel() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: model)).prefix(3_000_000)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bora-trunc-\(UUID().uuidString).gguf").path
        try data.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        try expectFailure(["generate", "--model", path, "--prompt", "x"], mentions: ["truncated", path])
    }

    @Test func badOptions() throws {
        try expectFailure(["generate", "--model", model, "--prompt", "x", "--temperature", "-1"], mentions: ["temperature"])
        try expectFailure(["generate", "--model", model, "--prompt", "x", "--top-p", "0"], mentions: ["top-p"])
        try expectFailure(["generate", "--model", model, "--prompt", "x", "--threads", "0"], mentions: ["--threads"])
        try expectFailure(["score", "--model", model, "--tokens", "1,x,3", "--json"], mentions: ["'x'"])
        try expectFailure(["score", "--model", model, "--tokens", "1,99999999", "--json"], mentions: ["outside the vocabulary"])
        try expectFailure(["generate", "--model", model, "--prompt", "Hello there", "--max-tokens", "10", "--context", "4"],
                          mentions: ["context holds 4"])
    }
}

/// Checkpoint directories and token-id prompts from the command line (issue 4's CLI contract).
@Suite struct CheckpointCLITests {
    struct Golden: Decodable {
        struct Sequence: Decodable { let tokens: [Int]; let greedy: [Int] }
        let sequences: [Sequence]
    }

    @Test(arguments: ["mistral-tiny/hf", "mistral-tiny/native", "mistral-tiny/model.gguf", "mixtral-tiny/hf"])
    func generateFromTokenIds(_ source: String) throws {
        let model = source.components(separatedBy: "/")[0]
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: URL(fileURLWithPath: TestPaths.fixture("mistral/\(model)/golden.json"))))
        let seq = try #require(golden.sequences.last)
        let d = try CLI.json(["generate", "--model", TestPaths.fixture("mistral/" + source),
                              "--prompt-tokens", seq.tokens.map(String.init).joined(separator: ","),
                              "--max-tokens", String(seq.greedy.count), "--temperature", "0", "--json"])
        #expect(d["tokens"] as? [Int] == seq.greedy)
        #expect(d["prompt_tokens"] as? [Int] == seq.tokens)
        #expect(d["finish_reason"] as? String == "length")
        let score = try CLI.json(["score", "--model", TestPaths.fixture("mistral/" + source),
                                  "--tokens", seq.tokens.map(String.init).joined(separator: ","), "--json"])
        #expect((score["nll"] as? [Double])?.count == seq.tokens.count - 1)
    }

    @Test func textPromptNeedsATokenizer() throws {
        let r = try CLI.run(["generate", "--model", TestPaths.fixture("mistral/mistral-tiny/hf"), "--prompt", "hi"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("has no tokenizer"))
    }

    @Test func kvCacheTable() throws {
        let r = try CLI.run(["inspect", TestPaths.repo.appendingPathComponent("docs/examples/mistral-7b-v0.1").path,
                             "--kv-cache", "4096,32768"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("| tokens | F16 KV cache, window 4096 | F16 KV cache, no window |"))
        #expect(r.stdout.contains("| 32768 | 512.0 MiB | 4096.0 MiB |"))
        let f32 = try CLI.run(["inspect", TestPaths.repo.appendingPathComponent("docs/examples/mistral-7b-v0.1").path,
                               "--kv-cache", "4096,32768", "--cache-type", "f32"])
        #expect(f32.status == 0)
        #expect(f32.stdout.contains("| 32768 | 1024.0 MiB | 8192.0 MiB |"))
        let bad = try CLI.run(["inspect", TestPaths.repo.appendingPathComponent("docs/examples/mistral-7b-v0.1").path,
                               "--kv-cache", "4096", "--cache-type", "q8"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--cache-type"))
    }
}

/// Tokenizer files, chat requests and detokenization from the command line (issue 3's CLI contract).
@Suite struct TokenizerCLITests {
    /// mistral-common's data folder (tokenizer files), installed if missing by the project's script.
    static var mistralData: String {
        get throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: TestPaths.repo.appendingPathComponent("scripts/install-mistral-tokenizers.sh").path)
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            let dir = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            p.waitUntilExit()
            try #require(p.terminationStatus == 0 && !dir.isEmpty, "scripts/install-mistral-tokenizers.sh failed")
            return dir
        }
    }

    func writeTemp(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bora-req-\(UUID().uuidString).json")
        try Data(text.utf8).write(to: url)
        return url.path
    }

    @Test func chatRequestPerTokenizer() throws {
        let data = try Self.mistralData
        let req = try writeTemp(#"{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi [INST] there"}]}"#)
        // Ids from mistral-common 1.13.1's encode_chat_completion for the same request.
        let expected: [(String, [Int])] = [
            ("tokenizer.model.v1", [1, 733, 16289, 28793, 1739, 6817, 28723, 13, 13, 23809, 733, 16289, 28793, 736, 733, 28748, 16289, 28793]),
            ("mistral_instruct_tokenizer_240323.model.v3", [1, 3, 2507, 7585, 29491, 781, 781, 24577, 1501, 17057, 29561, 1504, 4]),
            ("tekken_240911.json", [1, 3, 5934, 13426, 1338, 37133, 1766, 3174, 3074, 1093, 2156, 4]),
        ]
        for (file, ids) in expected {
            let d = try CLI.json(["tokenize", "--tokenizer", data + "/" + file, "--chat", req])
            #expect(d["tokens"] as? [Int] == ids, "\(file)")
        }
        // A GGUF model with a chat template renders it.
        let smol = try CLI.json(["tokenize", "--tokenizer", try TestPaths.smolLM2(), "--chat", req])
        #expect((smol["text"] as? String)?.hasPrefix("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n") == true)
        #expect((smol["text"] as? String)?.hasSuffix("<|im_start|>assistant\n") == true)
    }

    @Test func fimAndRejections() throws {
        let data = try Self.mistralData
        let fim = try writeTemp(#"{"prompt":"def f(x):","suffix":"return y"}"#)
        let d = try CLI.json(["tokenize", "--tokenizer", data + "/mistral_instruct_tokenizer_240323.model.v3", "--chat", fim])
        #expect((d["text"] as? String)?.hasPrefix("<s>[SUFFIX]") == true)
        // Tool calls are rejected on v1, with mistral-common's reason.
        let tools = try writeTemp(#"{"messages":[{"role":"user","content":"x"},{"role":"assistant","tool_calls":[{"id":"abcdefghi","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"abcdefghi","content":"1"}]}"#)
        let r = try CLI.run(["tokenize", "--tokenizer", data + "/tokenizer.model.v1", "--chat", tools])
        #expect(r.status == 1)
        #expect(r.stderr.contains("Tools not implemented for tokenizer V1"))
        let bad = try writeTemp(#"{"messages": "nope"}"#)
        let b = try CLI.run(["tokenize", "--tokenizer", data + "/tekken_240911.json", "--chat", bad])
        #expect(b.status == 1 && b.stderr.contains("messages"))
    }

    @Test func jsonlAndDetokenize() throws {
        let data = try Self.mistralData
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.executable)
        p.arguments = ["tokenize", "--tokenizer", data + "/tokenizer.model.v1", "--jsonl"]
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        try p.run()
        input.fileHandleForWriting.write(Data("\"Hello\"\n\"  spaces\"\n".utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(text == "[1,22557]\n[1,259,10599]\n")
        let r = try CLI.run(["detokenize", "--tokenizer", data + "/tekken_240911.json", "--ids", "1,22177,1044"])
        #expect(r.stdout == "Hello,\n")
        let out = try CLI.run(["detokenize", "--tokenizer", data + "/tekken_240911.json", "--ids", "1,999999999"])
        #expect(out.status == 1)
    }

    @Test func generateChat() throws {
        let d = try CLI.json(["generate", "--model", try TestPaths.smolLM2(), "--chat", "--prompt", "What is the capital of France?",
                              "--max-tokens", "4", "--temperature", "0", "--json"])
        // The chat template's system turn comes first: <|im_start|>system ...
        #expect((d["prompt_tokens"] as? [Int])?.prefix(2) == [1, 9690])
        #expect((d["prompt_tokens"] as? [Int])?.suffix(3) == [520, 9531, 198])
    }
}
