import ArgumentParser
import BoraEngine
import BoraModels
import Foundation

struct ModelOptions: ParsableArguments {
    @Option(name: [.customLong("model"), .customLong("tokenizer"), .customShort("m")],
            help: "A GGUF file, a checkpoint directory, or the name of a model in the store (bora list).")
    var model: String

    /// The file behind --model: a path as given, or a stored model's file.
    func path() throws -> String { try ModelStore().resolve(model) }
}

struct AdapterOptions: ParsableArguments {
    @Option(name: .customLong("lora"), help: ArgumentHelp("A LoRA adapter to merge at load: a PEFT directory (adapter_config.json + adapter_model.safetensors) or a llama.cpp LoRA .gguf, with an optional scale (default 1). Repeatable.", valueName: "FILE[:SCALE]"))
    var lora: [String] = []

    /// The adapters, loaded.
    func adapters() throws -> [ScaledAdapter] { try lora.map(Self.load) }

    /// For `serve`: "NAME=FILE[:SCALE]" adapters are kept separate, chosen per request by name (run time,
    /// unmerged); plain "FILE[:SCALE]" ones are merged into the served weights.
    func serverAdapters() throws -> (merged: [ScaledAdapter], named: [String: ScaledAdapter]) {
        var merged: [ScaledAdapter] = [], named: [String: ScaledAdapter] = [:]
        for spec in lora {
            if let eq = spec.firstIndex(of: "="), !spec[..<eq].contains("/") {
                let name = String(spec[..<eq])
                guard !name.isEmpty, named[name] == nil else { throw AdapterError(message: "--lora \(spec): adapter names must be non-empty and unique") }
                named[name] = try Self.load(String(spec[spec.index(after: eq)...]))
            } else {
                merged.append(try Self.load(spec))
            }
        }
        return (merged, named)
    }

    /// Loads "FILE[:SCALE]" (scale 1 when absent).
    static func load(_ spec: String) throws -> ScaledAdapter {
        var file = spec, scale: Float = 1
        if let colon = spec.lastIndex(of: ":"), let s = Float(spec[spec.index(after: colon)...]) {
            file = String(spec[..<colon])
            scale = s
        }
        guard scale.isFinite else { throw AdapterError(message: "--lora \(spec): the scale must be a finite number") }
        do { return ScaledAdapter(try LoRAAdapter(path: file), scale: scale) } catch {
            throw AdapterError(message: "--lora \(spec): \(error)")
        }
    }
}

/// A --lora value that cannot be used (reported as "error: ..." with exit status 1).
struct AdapterError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

struct ThreadOptions: ParsableArguments {
    @Option(name: [.customLong("threads"), .customShort("t")], help: "Threads for the matrix products (default: all cores).")
    var threads: Int?

    var count: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }

    func validate() throws {
        if let threads, threads < 1 || threads > 512 {
            throw ValidationError("--threads must be between 1 and 512, got \(threads)")
        }
    }
}

struct CacheOptions: ParsableArguments {
    @Option(name: .customLong("cache-type"), help: "KV cache element type for keys and values: f16 (half the memory and the bytes attention reads, as llama.cpp's default) or f32.")
    var cacheType: KVCacheType = .f16
}

extension KVCacheType: ExpressibleByArgument {}

struct SamplingOptions: ParsableArguments {
    @Option(help: "Sampling temperature; 0 is greedy.") var temperature: Float = 0.8
    @Option(name: .customLong("top-k"), help: "Keep the K most likely tokens (0: off).") var topK: Int = 40
    @Option(name: .customLong("top-p"), help: "Keep the smallest set of tokens whose probability reaches P (1: off).") var topP: Float = 0.95
    @Option(name: .customLong("min-p"), help: "Drop tokens less likely than P times the most likely one (0: off).") var minP: Float = 0.05
    @Option(name: .customLong("repeat-penalty"), help: "Penalty for tokens among the last 64 (1: off).") var repeatPenalty: Float = 1.0
    @Option(help: "Random seed; the same seed gives the same text.") var seed: UInt64?

    var parameters: SamplingParameters {
        var p = SamplingParameters()
        p.temperature = temperature
        p.topK = topK
        p.topP = topP
        p.minP = minP
        p.repeatPenalty = repeatPenalty
        p.seed = seed
        return p
    }

    func validate() throws {
        do { try parameters.validate() } catch { throw ValidationError(error.description) }
    }
}

/// Refuses, before any KV cache is allocated, a model whose weights, KV caches for `positions` positions
/// (one per session) and scratch do not fit in the available memory; the error gives the numbers and advice.
func checkMemory(_ loaded: LoadedModel, positions: Int, sessions: Int = 1, cacheType: KVCacheType = .f16) throws {
    try MemoryEstimate(model: loaded, positions: positions, sessions: sessions, cacheType: cacheType).check(model: loaded.path)
}

extension LoadedModel {
    /// Prints the model's notes (vision tensors a text-only run skips) on stderr, one line each.
    func noting() -> LoadedModel {
        for n in model.notes { FileHandle.standardError.write(Data("note: \(n)\n".utf8)) }
        return self
    }
}

/// Runs a command body, turning Bora's errors into a message on stderr and exit status 1.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let e as ExitCode {
        throw e
    } catch let e as ValidationError {
        throw e
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

/// Writes text to stdout at once (no buffering), for streaming.
func emit(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}

/// JSON text of an Encodable value (keys in declaration order; non-finite floats as strings).
func json<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// Comma-separated token ids ("1,2, 3").
func parseTokenIds(_ text: String) throws -> [Int] {
    var ids: [Int] = []
    for part in text.split(separator: ",") {
        guard let id = Int(part.trimmingCharacters(in: .whitespaces)) else {
            throw EngineError.invalidParameter("token ids must be comma-separated integers; '\(part)' is not one")
        }
        ids.append(id)
    }
    guard !ids.isEmpty else { throw EngineError.invalidParameter("no token ids given: pass at least one id") }
    return ids
}
