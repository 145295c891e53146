import ArgumentParser
import BoraEngine
import Foundation

struct QuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Write a GGUF model with its weights quantized (llama.cpp's quantizers and per-tensor recipe).",
        discussion: """
        Examples:
          bora quantize models/SmolLM2-135M-Instruct.Q4_1.gguf smollm2-q8.gguf --type Q8_0
          bora quantize model-f16.gguf model-q4km.gguf --type Q4_K_M --threads 2 --force
        The output is byte-identical to llama.cpp's llama_model_quantize for the same input (docs/quantization.md).
        """)

    @Argument(help: "The GGUF model to read (any type Bora loads; weights are dequantized to f32 first).") var input: String
    @Argument(help: "The GGUF file to write.") var output: String
    @Option(help: "Target type: \(QuantizeTarget.supportedNames).") var type: String
    @Flag(help: "Overwrite the output file if it exists.") var force = false
    @OptionGroup var threads: ThreadOptions

    func validate() throws {
        guard QuantizeTarget(name: type) != nil else {
            throw ValidationError("unknown --type '\(type)'; supported: \(QuantizeTarget.supportedNames)")
        }
    }

    func run() throws {
        try reportingErrors {
            guard let target = QuantizeTarget(name: type) else { throw ConversionError.unknownType(type) }
            let bar = QuantizeProgressLine()
            let summary = try ModelQuantizer.quantize(
                input: input, output: output, target: target, threads: threads.count, overwrite: force,
                progress: bar.update)
            bar.finish()
            let mib = { (b: Int) in String(format: "%.1f MiB", Double(b) / 1_048_576) }
            print("wrote \(output): \(target.rawValue), \(summary.types.count) tensors, \(mib(summary.inputBytes)) -> \(mib(summary.outputBytes))")
        }
    }
}

/// A one-line progress display on stderr in tensors (ProgressBar counts bytes), drawn only when stderr is a
/// terminal.
final class QuantizeProgressLine {
    let enabled = isatty(2) != 0

    func update(_ p: ModelQuantizer.Progress) {
        guard enabled else { return }
        let line = "\r[\(p.done)/\(p.total)] \(p.tensor) -> \(p.type)"
        FileHandle.standardError.write(Data((line.padding(toLength: max(line.count, 72), withPad: " ", startingAt: 0)).utf8))
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
