import BoraTokenizers
import Testing

/// Malformed chat requests: a clear error naming the field, never a crash.
@Suite("Chat request bad input")
struct ChatRequestBadInputTests {
    static let cases: [(String, String)] = [
        ("not json", "request: invalid JSON"),
        ("[1, 2]", "request: expected a JSON object"),
        (#"{"model": "m"}"#, "request: expected 'messages' (a chat request) or 'prompt' (a FIM request)"),
        (#"{"messages": {}}"#, "messages: expected a list, got an object"),
        (#"{"messages": [1]}"#, "messages[0]: expected a JSON object, got a number"),
        (#"{"messages": [{"content": "x"}]}"#, "messages[0].role: missing"),
        (#"{"messages": [{"role": 3, "content": "x"}]}"#, "messages[0].role: expected a string, got a number"),
        (#"{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "robot", "content": "x"}]}"#,
         "messages[2].role: unknown role 'robot'"),
        (#"{"messages": [{"role": "user"}]}"#, "messages[0].content: missing"),
        (#"{"messages": [{"role": "user", "content": 5}]}"#, "messages[0].content: expected a string or a list of chunks, got a number"),
        (#"{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": "x"}]}]}"#,
         "messages[0].content[0].type: content chunk type 'image_url' is not supported"),
        (#"{"messages": [{"role": "user", "content": [{"type": "text"}]}]}"#, "messages[0].content[0].text: missing"),
        (#"{"messages": [{"role": "assistant", "tool_calls": {}}]}"#, "messages[0].tool_calls: expected a list, got an object"),
        (#"{"messages": [{"role": "assistant", "tool_calls": [{"id": "a"}]}]}"#, "messages[0].tool_calls[0].function: missing"),
        (#"{"messages": [{"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": [1]}}]}]}"#,
         "messages[0].tool_calls[0].function.arguments: expected a JSON object or a string, got a list"),
        (#"{"messages": [{"role": "assistant", "content": "x", "prefix": "yes"}]}"#, "messages[0].prefix: expected true or false"),
        (#"{"messages": [{"role": "user", "content": "x"}], "tools": [{"type": "function", "function": {"name": "f"}}]}"#,
         "tools[0].function.parameters: missing"),
        (#"{"messages": [{"role": "user", "content": "x"}], "tools": [{"type": "retrieval", "function": {}}]}"#,
         "tools[0].type: expected 'function', got 'retrieval'"),
        (#"{"prompt": 3}"#, "prompt: expected a string, got a number"),
    ]

    @Test("each malformed request names its field", arguments: cases)
    func badInput(json: String, message: String) throws {
        let encoder = MistralInstructEncoder(version: .v3, tokenizer: try InstructFixture("v3").tokenizer)
        do {
            _ = try encoder.encode(json: json)
            Issue.record("accepted \(json)")
        } catch {
            guard case .invalidRequest = error else { Issue.record("\(error)"); return }
            #expect(error.description.hasPrefix(message), "\(error.description)")
        }
    }

    @Test("mistral-common's rejections keep its wording")
    func rejections() throws {
        let v1 = MistralInstructEncoder(version: .v1, tokenizer: try InstructFixture("v1").tokenizer)
        #expect(throws: InstructError.rejected(kind: "TokenizerException", message: "FIM not available for v1")) {
            try v1.encodeFIM(FIMRequest(prompt: "x"))
        }
        #expect(throws: InstructError.rejected(kind: "InvalidMessageStructureException",
                                               message: "Conversation must have at least one message")) {
            try v1.encode(json: #"{"messages": []}"#)
        }
        let serving = MistralInstructEncoder(version: .v3, tokenizer: try InstructFixture("v3").tokenizer, mode: .serving)
        #expect(throws: InstructError.rejected(kind: "InvalidRequestException",
                                               message: "Model name parameter is required for serving mode")) {
            try serving.encode(json: #"{"messages": [{"role": "user", "content": "Hi"}]}"#)
        }
    }
}
