extension MistralInstructVersion {
    /// The instruct version that goes with a Mistral tokenizer file, as mistral-common's
    /// `MistralTokenizer.from_file` decides: `*.model.vN` -> vN, a plain `tokenizer.model` -> v1, Tekken
    /// files -> their `config.version` (v3 when absent). Nil for tokenizers that are not Mistral's files.
    public static func forTokenizer(_ tokenizer: any Tokenizer, fileName: String) -> MistralInstructVersion? {
        if let tekken = tokenizer as? TekkenTokenizer {
            return tekken.configVersion.flatMap(MistralInstructVersion.init) ?? .v3
        }
        guard tokenizer is SentencePieceModelTokenizer else { return nil }
        guard let n = sentencePieceVersion(fileName) else { return .v1 }
        return MistralInstructVersion(rawValue: n) ?? Self.allCases.last { $0.rawValue <= n }
    }
}
