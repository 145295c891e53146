import BoraModels
import BoraTokenizers
import Foundation

/// A conversation with a model: the messages so far, an optional system prompt, and sampling settings.
/// Each turn is encoded whole in the model's chat format; the cache keeps what the previous turn left, so only
/// the part of the prompt after the prefix they share is evaluated (`GenerationResult.cachedPromptTokens`).
public final class ChatSession {
    public let loaded: LoadedModel
    public let generator: Generator
    public var system: String?
    public var sampling: SamplingParameters
    public var maxTokens: Int
    /// (role, content) pairs, user and assistant turns alternating (answers without their thoughts).
    public private(set) var messages: [(role: String, content: String)] = []
    /// How the model marks its thoughts; nil: it does not think.
    public let thoughtMarkers: ThoughtMarkers?
    /// Thinking switched on or off through the model's own mechanism (`reasoning_effort` "high" / "none":
    /// v15's [MODEL_SETTINGS], a template's `enable_thinking`); nil: the model's default.
    public private(set) var thinking: Bool?
    /// The tokens whose keys and values the cache holds (the last turn's prompt and answer).
    private var cached: [Int] = []

    public init(loaded: LoadedModel, contextLength: Int, threads: Int, sampling: SamplingParameters, maxTokens: Int,
                cacheType: KVCacheType = .f16) {
        self.loaded = loaded
        generator = Generator(loaded: loaded, session: DecoderSession(model: loaded.model, contextLength: contextLength, threads: threads,
                                                                      cacheType: cacheType))
        self.sampling = sampling
        self.maxTokens = maxTokens
        thoughtMarkers = loaded.tokenizer.flatMap { ThoughtMarkers.detect($0) }
    }

    /// Switches thinking on or off (nil: the model's default). Throws, naming the reason, when the model
    /// has no thoughts or no switch for them.
    public func setThinking(_ on: Bool?) throws(EngineError) {
        guard let on else { thinking = nil; return }
        guard thoughtMarkers != nil else { throw .invalidParameter("this model does not think (its vocabulary has no [THINK] or <think> token)") }
        let previous = thinking
        thinking = on
        do { _ = try loaded.requireBundle().encodeRequest(json: request(adding: "test")) } catch {
            thinking = previous
            throw .invalidParameter("this model has no switch for its thinking (\(error))")
        }
    }

    /// The request JSON of the conversation plus `next` as the last user turn.
    func request(adding next: String?) -> String {
        var list: [JSONValue] = []
        if let system { list.append(.object([("role", .string("system")), ("content", .string(system))])) }
        for m in messages { list.append(.object([("role", .string(m.role)), ("content", .string(m.content))])) }
        if let next { list.append(.object([("role", .string("user")), ("content", .string(next))])) }
        var pairs: [(String, JSONValue)] = [("messages", .array(list))]
        if let thinking { pairs.append(("reasoning_effort", .string(thinking ? "high" : "none"))) }
        return JSONValue.object(pairs).dumps()
    }

    /// Answers `text`, streaming the answer to `onText` and a thinking model's thought to `onThought`; the
    /// turn is kept in the history (the answer only).
    @discardableResult
    public func respond(to text: String, shouldStop: () -> Bool = { false }, onThought: (String) -> Void = { _ in },
                        onText: (String) -> Void) throws(EngineError) -> GenerationResult {
        let bundle = try loaded.requireBundle()
        let prompt = try bundle.encodeRequest(json: request(adding: text)).tokens
        let room = generator.session.cache.contextLength - prompt.count
        guard room > 0 else {
            throw .model(.contextFull(needed: prompt.count + 1, capacity: generator.session.cache.contextLength))
        }
        let control = thoughtMarkers?.control(prompt: prompt, tokenizer: bundle.tokenizer, budget: nil)
        var splitter = thoughtMarkers.map { ThoughtSplitter(markers: $0, startsInside: control?.startsInside ?? false) }
        var answer = ""
        let result = try generator.generate(prompt: prompt, maxTokens: min(maxTokens, room), sampling: sampling,
                                            thinking: control, cached: cached) { piece, token in
            var parts = [ThoughtSplitter.Part.answer(piece)]
            if var s = splitter {
                parts = s.feed(piece, token: token)
                splitter = s
            }
            for part in parts {
                switch part {
                case let .thought(t): onThought(t)
                case let .answer(t) where !t.isEmpty: answer += t; onText(t)
                case .answer: break
                }
            }
            return shouldStop() ? .stop : .proceed
        }.result
        cached = Array((prompt + result.tokens).prefix(generator.session.cache.count))
        messages.append(("user", text))
        messages.append(("assistant", answer.trimmingCharacters(in: .whitespacesAndNewlines)))
        return result
    }

    public func reset() { messages.removeAll() }

    /// What identifies the model in a saved KV state: its shape and the size of its file(s). A state saved
    /// with another model (or another file of the same shape and size: not detected) is refused by shape.
    public var modelFingerprint: String {
        let c = loaded.config
        var size = 0
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: loaded.path, isDirectory: &isDirectory), isDirectory.boolValue {
            for name in (try? fm.contentsOfDirectory(atPath: loaded.path)) ?? [] {
                size += ((try? fm.attributesOfItem(atPath: loaded.path + "/" + name))?[.size] as? Int) ?? 0
            }
        } else {
            size = ((try? fm.attributesOfItem(atPath: loaded.path))?[.size] as? Int) ?? 0
        }
        return "\(c.architecture) \(c.blockCount) layers, width \(c.embeddingLength), heads \(c.headCount)/\(c.headCountKV)x\(c.headDim), vocabulary \(c.vocabularySize), \(size) bytes"
    }

    /// `{"system": ..., "messages": [{"role", "content"}, ...]}`, and next to it (`path` + ".kv") what the cache
    /// holds (`KVCache.writeState`), so `load` continues without evaluating the conversation again.
    public func save(to path: String) throws(EngineError) {
        var obj: [(String, JSONValue)] = []
        if let system { obj.append(("system", .string(system))) }
        obj.append(("messages", .array(messages.map { .object([("role", .string($0.role)), ("content", .string($0.content))]) })))
        do { try Data(JSONValue.object(obj).dumps(.init(ensureASCII: false, indent: 2)).utf8).write(to: URL(fileURLWithPath: path)) } catch {
            throw .invalidParameter("cannot write '\(path)': \(error.localizedDescription)")
        }
        let cache = generator.session.cache
        try? FileManager.default.removeItem(atPath: path + ".kv")
        if cache.count > 0, cached.count >= cache.count {
            do { try cache.writeState(to: path + ".kv", tokens: Array(cached.prefix(cache.count)), model: modelFingerprint) } catch {
                throw .invalidParameter("\(error)")
            }
        }
    }

    /// Loads a conversation saved by `save`, and its KV state when the `.kv` file is next to it (refused,
    /// with the reason, when it is from another model, cache type or shape, or damaged).
    public func load(from path: String) throws(EngineError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw .invalidParameter("cannot read '\(path)': check the path") }
        let json: JSONValue
        do { json = try JSONValue(parsing: String(decoding: data, as: UTF8.self)) } catch {
            throw .invalidParameter("'\(path)' is not a saved conversation: \(error)")
        }
        var loadedMessages: [(role: String, content: String)] = []
        for (i, m) in (json["messages"]?.array ?? []).enumerated() {
            guard let role = m["role"]?.string, ["user", "assistant"].contains(role), let content = m["content"]?.string else {
                throw .invalidParameter("'\(path)': messages[\(i)] needs a role (user or assistant) and a content string")
            }
            loadedMessages.append((role, content))
        }
        if FileManager.default.fileExists(atPath: path + ".kv") {
            do { cached = try generator.session.cache.readState(from: path + ".kv", model: modelFingerprint) } catch {
                throw .invalidParameter("\(error) (or delete it to load the conversation without its cache)")
            }
        }
        system = json["system"]?.string
        messages = loadedMessages
    }
}
