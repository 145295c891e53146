import Foundation

/// A Jinja chat template (`tokenizer.chat_template` in GGUF metadata, `chat_template` in
/// `tokenizer_config.json`), rendered byte-identically to jinja2 as Hugging Face's `apply_chat_template`
/// configures it: `ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)`, loop controls,
/// no autoescape, transformers' `tojson`, and the globals `raise_exception` and `strftime_now`.
///
/// The context is what `apply_chat_template` passes: `messages`, `tools` (null when absent),
/// `documents`, `add_generation_prompt`, the special tokens (`bos_token`, `eos_token`, ...) and any extra
/// keyword arguments. A construct Bora does not implement throws `JinjaError.unsupported` naming it.
public struct ChatTemplate: Sendable {
    let body: [JinjaStmt]
    /// The template reads `enable_thinking` (Qwen 3's switch for its `<think>` block), so a request's
    /// reasoning effort has a mechanism to go through.
    public let readsThinkingSwitch: Bool

    /// Parses the template; throws `JinjaError.syntax` with the line of the error.
    public init(_ source: String) throws {
        body = try JinjaParser.parse(source)
        readsThinkingSwitch = source.contains("enable_thinking")
    }

    /// Renders with `strftime_now` reading `now` in `timeZone` (the current local time by default).
    public func render(_ context: [String: JSONValue], now: Date = Date(), timeZone: TimeZone = .current) throws -> String {
        let interpreter = JinjaInterpreter(now: JinjaDateTime(now, timeZone: timeZone))
        do {
            return try interpreter.render(body, context: context.mapValues(JinjaValue.init))
        } catch let e as JinjaError {
            throw e
        } catch {
            throw JinjaError.runtime("\(error)", line: 0)
        }
    }
}
