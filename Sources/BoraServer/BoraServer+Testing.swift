import BoraTokenizers

extension BoraServer {
    /// Test hook: the prompt token ids `/v1/chat/completions` would run for a request body (the model's own
    /// format: Mistral's instruct encoding, or its chat template).
    package func chatPromptTokens(_ body: JSONValue) throws -> [Int] {
        try Prompts.chat(try JSONFields(body), loaded: loaded)
    }
}
