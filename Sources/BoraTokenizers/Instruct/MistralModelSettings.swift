/// What a v15 Tekken file says a request may set (its `model_settings_builder`, mistral-common
/// `tokens/tokenizers/model_settings_builder.py`), and the `[MODEL_SETTINGS]` JSON it builds from a request.
///
/// Only `reasoning_effort` is read. A `json_schema` builder (settings from `response_format`) is recorded but
/// builds nothing here: Bora's instruct requests carry no `response_format`, and mistral-common builds no
/// schema from a request without one.
public struct MistralModelSettingsBuilder: Sendable, Equatable {
    /// mistral-common's `ReasoningEffort` values, in its order.
    public static let reasoningEfforts = ["none", "minimal", "low", "medium", "high", "xhigh", "max"]

    /// What is wrong with a request's `reasoning_effort` value, nil when it is one of `reasoningEfforts`.
    public static func reasoningEffortProblem(_ value: String) -> String? {
        guard !reasoningEfforts.contains(value) else { return nil }
        let list = reasoningEfforts.map { "'\($0)'" }
        return "reasoning_effort must be one of \(list.dropLast().joined(separator: ", ")) or \(list.last ?? ""), got '\(value)'"
    }

    /// The `reasoning_effort` builder: the values this model takes and the one an unset request gets.
    public struct ReasoningEffort: Sendable, Equatable {
        public var values: [String]
        public var defaultValue: String?
        public var acceptsNone: Bool

        public init(values: [String], defaultValue: String?, acceptsNone: Bool = true) {
            self.values = values; self.defaultValue = defaultValue; self.acceptsNone = acceptsNone
        }
    }

    /// nil: the model takes no reasoning effort.
    public var reasoningEffort: ReasoningEffort?
    public var hasJSONSchema: Bool

    public init(reasoningEffort: ReasoningEffort? = nil, hasJSONSchema: Bool = false) {
        self.reasoningEffort = reasoningEffort; self.hasJSONSchema = hasJSONSchema
    }

    /// Reads the builder object of a tekken.json; nil for JSON null. `path` names the file in errors.
    public init?(json: JSONValue, path: String) throws(TokenizerFileError) {
        guard json != .null else { return nil }
        guard json.object != nil else {
            throw .invalidKey(path: path, key: "model_settings_builder", expected: "an object")
        }
        var effort: ReasoningEffort?
        if let r = json["reasoning_effort"], r != .null {
            let key = "model_settings_builder.reasoning_effort"
            guard let values = r["values"]?.array?.compactMap(\.string),
                  values.allSatisfy(Self.reasoningEfforts.contains) else {
                throw .invalidKey(path: path, key: key + ".values",
                                  expected: "a list of \(Self.reasoningEfforts.joined(separator: ", "))")
            }
            let def = r["default"]?.string
            if let def, !values.contains(def) {
                throw .invalidKey(path: path, key: key + ".default", expected: "one of \(values)")
            }
            effort = ReasoningEffort(values: values, defaultValue: def, acceptsNone: r["accepts_none"]?.boolean ?? true)
        }
        self.init(reasoningEffort: effort, hasJSONSchema: (json["json_schema"] ?? .null) != .null)
    }

    /// `build_settings` then `validate_settings` for a request's `reasoning_effort`: the settings as sorted
    /// (key, value) pairs, empty when nothing is set. mistral-common silently drops a `reasoning_effort` its
    /// builder has no field for; Bora refuses it, naming the model's lack of one.
    func build(reasoningEffort requested: String?) throws(InstructError) -> [(String, String)] {
        guard let builder = reasoningEffort else {
            if let requested {
                throw .request("reasoning_effort '\(requested)' is not supported by this model: its tokenizer's "
                               + "model_settings_builder has no reasoning_effort; leave it unset")
            }
            return []
        }
        guard let value = requested ?? (builder.acceptsNone ? builder.defaultValue : nil) else {
            if builder.acceptsNone && builder.defaultValue == nil { return [] }
            throw .request("reasoning_effort should be set for this model.")
        }
        if builder.values.isEmpty { throw .request("reasoning_effort not supported for this model.") }
        guard builder.values.contains(value) else {
            let list = builder.values.map { "'\($0)'" }.joined(separator: ", ")
            throw .request("reasoning_effort should be one of [\(list)], got \(value).")
        }
        return [("reasoning_effort", value)]
    }
}
