import BoraEngine

/// The generation fields shared by chat, completions and FIM requests (OpenAI's and Mistral's names),
/// validated: a value Bora honours is kept, one it cannot honour yet is refused with 422, a wrong type or
/// an out-of-range value is a 400. Unknown fields are ignored.
struct GenerationOptions: Sendable {
    var sampling: SamplingParameters
    /// nil: up to the end of the context window.
    var maxTokens: Int?
    var stop: [String]
    var stream: Bool
    var includeUsage: Bool
    /// Choices to generate (each its own sequence in the batch; with a seed, choice i uses seed + i).
    var n: Int
    static let maxChoices = 16
    /// `response_format` json_object / json_schema, compiled (nil: free text).
    var grammar: Grammar?

    /// Mistral's default temperature (OpenAI's is 1.0); top-k and min-p are off, as in both APIs.
    static let defaultTemperature = 0.7

    init(_ f: JSONFields, vocabularySize: Int) throws(APIError) {
        var p = SamplingParameters()
        p.topK = 0
        p.minP = 0
        p.repeatPenalty = 1
        let temperature = try f.double("temperature") ?? Self.defaultTemperature
        guard temperature.isFinite, (0...2).contains(temperature) else {
            throw .invalid("temperature", "temperature must be between 0 and 2 (0 is greedy), got \(temperature)")
        }
        p.temperature = Float(temperature)
        let topP = try f.double("top_p") ?? 1
        guard topP > 0, topP <= 1 else { throw .invalid("top_p", "top_p must be in (0, 1], got \(topP)") }
        p.topP = Float(topP)

        let seed = try f.int("random_seed"), openAISeed = try f.int("seed")
        if let seed, let openAISeed, seed != openAISeed {
            throw .invalid("seed", "random_seed (\(seed)) and seed (\(openAISeed)) differ: give one of them")
        }
        if let s = seed ?? openAISeed {
            guard s >= 0 else { throw .invalid(seed != nil ? "random_seed" : "seed", "the seed must be 0 or more, got \(s)") }
            p.seed = UInt64(s)
        }

        let maxTokens = try f.int("max_tokens"), maxCompletion = try f.int("max_completion_tokens")
        if let maxTokens, let maxCompletion, maxTokens != maxCompletion {
            throw .invalid("max_completion_tokens", "max_tokens (\(maxTokens)) and max_completion_tokens (\(maxCompletion)) differ: give one of them")
        }
        if let m = maxCompletion ?? maxTokens, m < 1 {
            throw .invalid(maxCompletion != nil ? "max_completion_tokens" : "max_tokens", "max_tokens must be at least 1, got \(m)")
        }
        self.maxTokens = maxCompletion ?? maxTokens

        stop = try f.strings("stop") ?? []
        guard stop.count <= 16 else { throw .invalid("stop", "at most 16 stop sequences, got \(stop.count)") }
        guard !stop.contains("") else { throw .invalid("stop", "stop sequences must not be empty strings") }

        stream = try f.bool("stream") ?? false
        includeUsage = try f.fields("stream_options")?.bool("include_usage") ?? false

        n = try f.int("n") ?? 1
        guard (1...Self.maxChoices).contains(n) else { throw .invalid("n", "n must be between 1 and \(Self.maxChoices), got \(n)") }
        for key in ["presence_penalty", "frequency_penalty"] {
            if let v = try f.double(key) {
                guard (-2...2).contains(v) else { throw .invalid(key, "\(key) must be between -2 and 2, got \(v)") }
                if key == "presence_penalty" { p.presencePenalty = Float(v) } else { p.frequencyPenalty = Float(v) }
            }
        }
        if let min = try f.int("min_tokens") {
            guard min >= 0 else { throw .invalid("min_tokens", "min_tokens must be 0 or more, got \(min)") }
            p.minTokens = min
        }
        // Chat: logprobs true/false with top_logprobs 0...20; legacy completions: logprobs 0...5 (the count).
        switch f.value("logprobs") {
        case nil, .bool(false)?: break
        case .bool(true)?: p.logprobs = 0
        case let .int(n)? where (0...5).contains(n): p.logprobs = n
        case let other?:
            throw .invalid("logprobs", "logprobs must be true or false (chat) or an integer 0 to 5 (completions), got \(JSONFields.kind(other))")
        }
        if let top = try f.int("top_logprobs") {
            guard (0...20).contains(top) else { throw .invalid("top_logprobs", "top_logprobs must be between 0 and 20, got \(top)") }
            guard p.logprobs != nil || top == 0 else { throw .invalid("top_logprobs", "top_logprobs needs logprobs: true") }
            if p.logprobs != nil { p.logprobs = top }
        }
        if let bias = f.value("logit_bias"), bias != .null {
            guard let pairs = bias.object else { throw .invalid("logit_bias", "logit_bias must be an object of token id to bias, e.g. {\"1234\": -100}") }
            for (key, value) in pairs {
                guard let id = Int(key), (0..<vocabularySize).contains(id) else {
                    throw .invalid("logit_bias", "logit_bias key \"\(key)\" is not a token id of this model (0..<\(vocabularySize))")
                }
                let number: Double? = switch value { case let .int(i): Double(i); case let .double(d): d; default: nil }
                guard let b = number, (-100...100).contains(b) else {
                    throw .invalid("logit_bias", "logit_bias[\"\(key)\"] must be a number between -100 and 100")
                }
                p.logitBias[id] = Float(b)
            }
        }
        grammar = try StructuredOutput.responseFormat(f)
        sampling = p
    }
}
