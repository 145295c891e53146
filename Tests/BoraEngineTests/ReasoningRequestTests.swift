import BoraEngine
import BoraTokenizers
import Foundation
import Testing

/// `reasoning_effort` and earlier thoughts in chat requests, through each model's own mechanism: a chat
/// template's thinking switch (Qwen 3's `enable_thinking`), Mistral v15's `[MODEL_SETTINGS]`, or a clear refusal.
@Suite struct ReasoningRequestTests {
    /// A tokenizer directory with a byte-level BPE tokenizer.json and `template` as its chat template.
    static func bundle(template: String) throws -> TokenizerBundle {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bora-reasoning-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let tokenizer = TestPaths.fixture("tokenizers/mistral-common/hf-qwen2.tokenizer.json")
        try FileManager.default.copyItem(atPath: tokenizer, toPath: dir.appendingPathComponent("tokenizer.json").path)
        let config = JSONValue.object([("chat_template", .string(template)), ("eos_token", .string("<|im_end|>"))])
        try config.dumps().write(to: dir.appendingPathComponent("tokenizer_config.json"), atomically: true, encoding: .utf8)
        return try TokenizerBundle.load(path: dir.path)
    }

    static func qwen3() throws -> TokenizerBundle {
        try bundle(template: try String(contentsOfFile: TestPaths.fixture("jinja/templates/qwen3-0.6b.jinja"), encoding: .utf8))
    }

    @Test func effortGoesThroughTheTemplatesThinkingSwitch() throws {
        let b = try Self.qwen3()
        let off = try b.encodeRequest(json: #"{"messages": [{"role": "user", "content": "Hello!"}], "reasoning_effort": "none"}"#)
        #expect(off.text == "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n")
        let on = try b.encodeRequest(json: #"{"messages": [{"role": "user", "content": "Hello!"}], "reasoning_effort": "high"}"#)
        #expect(on.text == "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n")
        // chat_template_kwargs reach the template as variables, as vLLM and llama-server pass them.
        let kw = try b.encodeRequest(json: #"{"messages": [{"role": "user", "content": "Hello!"}], "chat_template_kwargs": {"enable_thinking": false}}"#)
        #expect(kw.text == off.text)
    }

    @Test func aTemplateWithoutASwitchRefusesTheEffort() throws {
        let b = try Self.bundle(template: try String(contentsOfFile: TestPaths.fixture("jinja/templates/smollm2-135m-instruct.jinja"), encoding: .utf8))
        #expect(throws: EngineError.self) {
            try b.encodeRequest(json: #"{"messages": [{"role": "user", "content": "Hi"}], "reasoning_effort": "high"}"#)
        }
        do {
            _ = try b.encodeRequest(json: #"{"messages": [{"role": "user", "content": "Hi"}], "reasoning_effort": "high"}"#)
        } catch {
            #expect("\(error)".contains("no thinking switch"))
        }
    }

    /// A v15 Tekken file (mistral-common's tekken_240718.json relabelled, with [THINK] and [MODEL_SETTINGS]
    /// tokens and a reasoning-effort builder), loaded as a user's file would be.
    @Test func mistralV15FileEncodesTheEffortAndThoughts() throws {
        let data = try TokenizerCLITests.mistralData + "/tekken_240718.json"
        var json = try JSONValue(parsing: String(contentsOfFile: data, encoding: .utf8))
        guard case .object(var root) = json, let ci = root.firstIndex(where: { $0.0 == "config" }),
              case .object(var config) = root[ci].1 else { Issue.record("unexpected tekken layout"); return }
        config.removeAll { $0.0 == "version" }
        config.append(("version", .string("v15")))
        root[ci].1 = .object(config)
        // The file's implicit special tokens (mistral-common's deprecated list), then the ones v13/v15 add.
        let base = ["<unk>", "<s>", "</s>", "[INST]", "[/INST]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]", "[TOOL_RESULTS]",
                    "[/TOOL_RESULTS]", "[TOOL_CALLS]", "[IMG]", "<pad>", "[IMG_BREAK]", "[IMG_END]", "[PREFIX]", "[MIDDLE]",
                    "[SUFFIX]", "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]", "[TOOL_CONTENT]"]
        let added = [32: "[ARGS]", 33: "[CALL_ID]", 34: "[THINK]", 35: "[/THINK]", 36: "[MODEL_SETTINGS]", 37: "[/MODEL_SETTINGS]"]
        var specials: [JSONValue] = []
        for rank in 0..<38 {
            let name = rank < base.count ? base[rank] : added[rank] ?? "<SPECIAL_\(rank)>"
            specials.append(.object([("rank", .int(rank)), ("token_str", .string(name)), ("is_control", .bool(true))]))
        }
        root.removeAll { $0.0 == "special_tokens" || $0.0 == "model_settings_builder" }
        root.append(("special_tokens", .array(specials)))
        root.append(("model_settings_builder", .object([("reasoning_effort", .object([
            ("type", .string("enum")), ("values", .array([.string("none"), .string("high")])),
            ("default", .string("none")), ("accepts_none", .bool(true))]))])))
        json = .object(root)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bora-v15-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("tekken.json")
        try json.dumps().write(to: file, atomically: true, encoding: .utf8)
        let b = try TokenizerBundle.load(path: file.path)
        let request = #"{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": [{"type": "thinking", "thinking": "Greet."}, {"type": "text", "text": "Hello"}]}, {"role": "user", "content": "Go"}], "reasoning_effort": "high"}"#
        let e = try b.encodeRequest(json: request)
        #expect(e.text == #"<s>[MODEL_SETTINGS]{"reasoning_effort": "high"}[/MODEL_SETTINGS][INST]Hi[/INST][THINK]Greet.[/THINK]Hello</s>[INST]Go[/INST]"#)
        #expect(throws: EngineError.self) {
            try b.encodeRequest(json: #"{"messages": [{"role": "user", "content": "Hi"}], "reasoning_effort": "max"}"#)
        }
    }
}
