import ArgumentParser
import BoraEngine
import Foundation

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a Hugging Face or Mistral checkpoint (Llama, Mistral, Mixtral) to a GGUF file llama.cpp loads.")

    @Argument(help: "The checkpoint directory: config.json + *.safetensors, or params.json + consolidated.safetensors.") var directory: String
    @Argument(help: "The GGUF file to write.") var output: String
    @Option(help: "Type of the weight matrices: \(ConvertTarget.supportedNames) (norms stay f32).") var type = "f16"
    @Flag(help: "Overwrite the output file if it exists.") var force = false
    @OptionGroup var threads: ThreadOptions

    func validate() throws {
        guard ConvertTarget(name: type) != nil else {
            throw ValidationError(ConversionError.unknownConvertType(type).description)
        }
    }

    func run() throws {
        try reportingErrors {
            guard let target = ConvertTarget(name: type) else { throw ConversionError.unknownConvertType(type) }
            let bar = QuantizeProgressLine()
            let summary = try CheckpointConverter.convert(
                directory: directory, output: output, target: target, threads: threads.count, overwrite: force,
                progress: bar.update)
            bar.finish()
            let mib = String(format: "%.1f MiB", Double(summary.outputBytes) / 1_048_576)
            print("wrote \(output): \(target.rawValue), \(summary.tensorCount) tensors, \(mib)")
            if let file = summary.tokenizerFile, let model = summary.tokenizerModel {
                print("tokenizer: \(file) (\(model))\(summary.hasChatTemplate ? ", chat template" : "")")
            } else {
                FileHandle.standardError.write(Data("warning: no tokenizer file in \(directory): the GGUF has no tokenizer, so llama.cpp and `bora run` cannot use it on its own\n".utf8))
            }
        }
    }
}
