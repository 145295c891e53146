import BoraEngine
import BoraTokenizers

extension CompletionFormat {
    /// A choice's `logprobs` in OpenAI's shape: chat `{"content": [{token, logprob, bytes, top_logprobs}]}`;
    /// legacy completions `{tokens, token_logprobs, top_logprobs: [{token: logprob}], text_offset}` (offsets
    /// in characters from the start of the completion).
    func logprobsJSON(_ items: [TokenLogprob]) -> JSONValue {
        func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
        func bytes(_ b: [UInt8]) -> JSONValue { .array(b.map { .int(Int($0)) }) }
        switch kind {
        case .chat:
            return .object([("content", .array(items.map { lp in
                .object([
                    ("token", .string(text(lp.bytes))), ("logprob", .double(Double(lp.logprob))), ("bytes", bytes(lp.bytes)),
                    ("top_logprobs", .array(lp.top.map { alt in
                        .object([("token", .string(text(alt.bytes))), ("logprob", .double(Double(alt.logprob))), ("bytes", bytes(alt.bytes))])
                    })),
                ])
            }))])
        case .text:
            var offset = 0, offsets: [JSONValue] = []
            for lp in items {
                offsets.append(.int(offset))
                offset += text(lp.bytes).count
            }
            return .object([
                ("tokens", .array(items.map { .string(text($0.bytes)) })),
                ("token_logprobs", .array(items.map { .double(Double($0.logprob)) })),
                ("top_logprobs", .array(items.map { lp in .object(lp.top.map { (text($0.bytes), .double(Double($0.logprob))) }) })),
                ("text_offset", .array(offsets)),
            ])
        }
    }
}
