import ArgumentParser
import BoraEngine
import Foundation

struct QuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Write a GGUF model with its weights quantized (llama.cpp's quantizers and per-tensor recipe).")

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

/// A one-line progress display on stderr, drawn only when stderr is a terminal.
/// (Kept to this file: the shared progress bar will replace it.)
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
