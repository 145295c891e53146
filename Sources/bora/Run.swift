import ArgumentParser
import BoraEngine
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Set by SIGINT while an answer streams: Ctrl-C stops the answer, not the program.
private let interrupted = Atomic<Bool>(false)

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Chat with a model in the terminal; without a terminal, answer one question from the arguments or stdin.",
        discussion: """
        In a terminal: type a message and press Enter; the answer streams. Arrow keys edit the line and recall
        earlier ones (kept in $BORA_HOME/history); a line ending in \\ or a block between lines of \"\"\" spans
        several lines; /help lists the slash commands (/system, /set temperature 0.3, /think on, /reset, /save,
        /load, /bye). Ctrl-C stops an answer; Ctrl-D or /bye leaves. A thinking model's thought shows dimmed
        before its answer (without a terminal only the answer is written); /think on|off switches thinking
        where the model has a switch (Qwen 3's enable_thinking, Mistral's v15 reasoning effort).

        Examples:
          bora run                                  # the default model (smollm2)
          bora run smollm2 --system "Answer in French."
          bora run smollm2 "What is the capital of Peru?"
          echo "Summarize: ..." | bora run mistral > summary.txt
        """)

    @Argument(help: "A model name from `bora list`, a GGUF file or a checkpoint directory (default: smollm2).")
    var model: String?
    @Argument(help: "A question: answer it and exit.") var question: String?
    @Option(help: "A system prompt.") var system: String?
    @Option(help: ArgumentHelp("Switch a thinking model's thinking on or off (default: the model's own).", valueName: "on|off"))
    var think: String?
    @Option(name: [.customLong("max-tokens"), .customShort("n")], help: "Most tokens per answer.") var maxTokens: Int = 512
    @Option(help: "Context size in tokens (default: the model's, at most 4096).") var context: Int?
    @OptionGroup var sampling: SamplingOptions
    @OptionGroup var threads: ThreadOptions
    @OptionGroup var cache: CacheOptions

    static let defaultModel = "smollm2"

    func run() throws {
        try reportingErrors {
            let path = try resolveModel()
            let loaded = try LoadedModel(path: path).noting()
            let ctx = context ?? min(loaded.config.contextLength, 4096)
            try checkMemory(loaded, positions: ctx, cacheType: cache.cacheType)
            let chat = ChatSession(loaded: loaded, contextLength: ctx, threads: threads.count,
                                   sampling: sampling.parameters, maxTokens: maxTokens, cacheType: cache.cacheType)
            chat.system = system
            if let think {
                guard let on = Self.onOff(think) else { throw EngineError.invalidParameter("--think takes on or off, got \(think)") }
                try chat.setThinking(on)
            }
            let interactive = isatty(STDIN_FILENO) == 1 && question == nil
            if !interactive {
                let text = question ?? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                try chat.respond(to: text.trimmingCharacters(in: .whitespacesAndNewlines)) { emit($0) }
                emit("\n")
                return
            }
            signal(SIGINT) { _ in interrupted.store(true, ordering: .relaxed) }
            print("Chatting with \(model ?? Self.defaultModel). Type /help for commands, /bye to leave.")
            try repl(chat)
        }
    }

    func resolveModel() throws -> String {
        if let model { return try ModelStore().resolve(model) }
        if let stored = try? ModelStore().resolve(Self.defaultModel) { return stored }
        let local = "models/SmolLM2-135M-Instruct.Q4_1.gguf"
        if FileManager.default.fileExists(atPath: local) { return local }
        throw EngineError.invalidParameter("no model given, and the default model (\(Self.defaultModel)) is not installed: run scripts/setup.sh, `bora pull hf:bartowski/SmolLM2-135M-Instruct-GGUF:Q4_K_M --name \(Self.defaultModel)` or `bora import FILE --name \(Self.defaultModel)`, or name a model (`bora list`)")
    }

    func repl(_ chat: ChatSession) throws {
        let store = ModelStore()
        try? FileManager.default.createDirectory(at: store.root, withIntermediateDirectories: true)
        let terminal = TerminalInput(historyFile: store.root.appendingPathComponent("history").path)
        var assembler = PromptAssembler()
        while true {
            guard let next = terminal.readLine(prompt: assembler.isContinuing ? "... " : ">>> ") else { return }
            guard let line = assembler.add(next) else { continue }
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            if text.hasPrefix("/") {
                if try !command(text, chat) { return }
                continue
            }
            interrupted.store(false, ordering: .relaxed)
            do {
                var thinking = false
                try chat.respond(to: text, shouldStop: { interrupted.load(ordering: .relaxed) }, onThought: { t in
                    emit((thinking ? "" : Self.dim) + t)
                    thinking = true
                }, onText: { t in
                    if thinking { emit(Self.undim + "\n\n"); thinking = false }
                    emit(t)
                })
                if thinking { emit(Self.undim) }
                emit(interrupted.load(ordering: .relaxed) ? " ^C\n" : "\n")
            } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            }
        }
    }

    /// Handles a slash command; false ends the session.
    func command(_ text: String, _ chat: ChatSession) throws -> Bool {
        let parts = text.split(separator: " ", maxSplits: 2).map(String.init)
        switch parts[0] {
        case "/bye", "/exit", "/quit":
            return false
        case "/help", "/?":
            print("""
            /system TEXT        set the system prompt (and start over)
            /set NAME VALUE     temperature, top_k, top_p, min_p, repeat_penalty, seed, max_tokens
            /think on|off|auto  switch a thinking model's thinking (auto: the model's default)
            /reset              forget the conversation
            /save FILE          save the conversation as JSON (and its KV cache as FILE.kv)
            /load FILE          load a saved conversation (and its KV cache, if FILE.kv is there)
            /bye                leave
            \"\"\" ... \"\"\"         multi-line input (or end a line with \\ to continue it)
            Arrow keys edit and recall earlier lines; Ctrl-A/E start/end, Ctrl-U/K/W delete,
            Ctrl-D on an empty line leaves. Ctrl-C stops an answer (or clears the line).
            """)
        case "/system":
            chat.system = parts.count > 1 ? parts.dropFirst().joined(separator: " ") : nil
            chat.reset()
            print("system prompt set; conversation reset")
        case "/reset", "/clear":
            chat.reset()
            print("conversation reset")
        case "/save" where parts.count > 1:
            try chat.save(to: parts[1])
            let kv = FileManager.default.fileExists(atPath: parts[1] + ".kv") ? " and its KV cache to \(parts[1]).kv" : ""
            print("saved \(chat.messages.count) messages to \(parts[1])\(kv)")
        case "/load" where parts.count > 1:
            try chat.load(from: parts[1])
            print("loaded \(chat.messages.count) messages")
        case "/think" where parts.count == 2:
            let on = Self.onOff(parts[1])
            guard on != nil || parts[1] == "auto" else {
                print("/think takes on, off or auto")
                return true
            }
            do {
                try chat.setThinking(on)
                print(on.map { "thinking \($0 ? "on" : "off")" } ?? "thinking: the model's default")
            } catch { print("error: \(error)") }
        case "/set" where parts.count == 3:
            do { try set(parts[1], parts[2], chat) } catch { print("error: \(error)") }
        default:
            print("unknown command \(parts[0]): /help lists them")
        }
        return true
    }

    static let dim = "\u{1B}[2m", undim = "\u{1B}[0m"

    static func onOff(_ text: String) -> Bool? {
        switch text { case "on", "true", "1": true; case "off", "false", "0": false; default: nil }
    }

    func set(_ name: String, _ value: String, _ chat: ChatSession) throws {
        var p = chat.sampling
        func number<T: LosslessStringConvertible>(_: T.Type) throws -> T {
            guard let v = T(value) else { throw EngineError.invalidParameter("\(name) needs a number, got '\(value)'") }
            return v
        }
        switch name {
        case "temperature": p.temperature = try number(Float.self)
        case "top_k", "top-k": p.topK = try number(Int.self)
        case "top_p", "top-p": p.topP = try number(Float.self)
        case "min_p", "min-p": p.minP = try number(Float.self)
        case "repeat_penalty", "repeat-penalty": p.repeatPenalty = try number(Float.self)
        case "seed": p.seed = try number(UInt64.self)
        case "max_tokens", "max-tokens":
            let n = try number(Int.self)
            guard n > 0 else { throw EngineError.invalidParameter("max_tokens must be positive") }
            chat.maxTokens = n
            print("max_tokens = \(n)")
            return
        default: throw EngineError.invalidParameter("unknown setting '\(name)': temperature, top_k, top_p, min_p, repeat_penalty, seed, max_tokens")
        }
        try p.validate()
        chat.sampling = p
        print("\(name) = \(value)")
    }
}
