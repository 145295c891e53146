import BoraTokenizers
import Foundation

extension TokenizerBundle {
    /// Encodes a chat request (`{"messages": [...], "tools": [...]}`, Mistral's ChatCompletionRequest) or a
    /// FIM request (`{"prompt": ..., "suffix": ...}`) with the model's own format: Mistral's instruct
    /// encoding for Mistral tokenizers, else the chat template (rendered as Hugging Face's
    /// `apply_chat_template(..., add_generation_prompt=True)` does, then tokenized with special tokens parsed).
    public func encodeRequest(json text: String) throws(EngineError) -> InstructEncoding {
        switch chatFormat {
        case let .mistral(version)?:
            do {
                return try MistralInstructEncoder(version: version, tokenizer: tokenizer).encode(json: text)
            } catch {
                throw .invalidParameter("\(error)")
            }
        case let .template(template, bos, eos)?:
            let request: JSONValue
            do { request = try JSONValue(parsing: text) } catch { throw .invalidParameter("the request is not valid JSON: \(error)") }
            guard let messages = request["messages"], messages.array != nil else {
                if request["prompt"] != nil {
                    throw .invalidParameter("FIM requests need a Mistral tokenizer (tokenizer.model.v2+ or tekken.json); this model's format is a chat template")
                }
                throw .invalidParameter("the request needs \"messages\": a list of {\"role\", \"content\"} objects")
            }
            var extra: [String: JSONValue] = [:]
            if let kwargs = request["chat_template_kwargs"], kwargs != .null {
                guard let pairs = kwargs.object else {
                    throw .invalidParameter("chat_template_kwargs must be an object of template variables")
                }
                for (k, v) in pairs { extra[k] = v }
            }
            // reasoning_effort goes through the template's own switch: "none" turns thinking off, any other
            // effort on (the template has no finer control).
            if let effort = request["reasoning_effort"], effort != .null {
                guard let value = effort.string else { throw .invalidParameter("reasoning_effort must be a string") }
                if let problem = MistralModelSettingsBuilder.reasoningEffortProblem(value) { throw .invalidParameter(problem) }
                guard template.readsThinkingSwitch else {
                    throw .invalidParameter("reasoning_effort is not supported by this model: its chat template has no "
                                            + "thinking switch (such as Qwen 3's enable_thinking); leave it out")
                }
                extra["enable_thinking"] = .bool(value != "none")
            }
            return try render(template, bos: bos, eos: eos, messages: messages, tools: request["tools"], extra: extra)
        case nil:
            throw .tokenizer(path: path, message: "no chat format: the tokenizer is not Mistral's and the model carries no chat template. Use a raw prompt instead")
        }
    }

    /// One user turn, formatted for generation (`bora generate --chat`).
    public func encodeUserPrompt(_ text: String) throws(EngineError) -> [Int] {
        let request = JSONValue.object([("messages", .array([.object([("role", .string("user")), ("content", .string(text))])]))])
        return try encodeRequest(json: request.dumps()).tokens
    }

    /// `extra`: template variables (`chat_template_kwargs`, `enable_thinking`); the request's own keys win.
    func render(_ template: ChatTemplate, bos: String, eos: String, messages: JSONValue, tools: JSONValue?,
                extra: [String: JSONValue] = [:]) throws(EngineError) -> InstructEncoding {
        var context = extra
        for (k, v) in ["messages": messages, "tools": tools ?? .null, "add_generation_prompt": .bool(true),
                       "bos_token": .string(bos), "eos_token": .string(eos)] as [String: JSONValue] {
            context[k] = v
        }
        let text: String
        do { text = try template.render(context) } catch { throw .invalidParameter("the chat template refused the request: \(error)") }
        do {
            return InstructEncoding(tokens: try tokenizer.encode(text, addBos: false, parseSpecial: true), text: text)
        } catch {
            throw .tokenizer(path: path, message: "\(error)")
        }
    }
}
