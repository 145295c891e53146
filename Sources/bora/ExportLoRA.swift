import ArgumentParser
import BoraEngine
import Foundation

struct ExportLoRA: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-lora",
        abstract: "Write a GGUF model with LoRA adapters merged into it.",
        discussion: """
        Examples:
          bora export-lora base.gguf my-adapter/ merged.gguf
          bora export-lora base.gguf a.gguf:0.5 merged.gguf --lora b/ --force
        Adapted matrices are written as F32 (W + scale * alpha/rank * B A); every other tensor and the
        metadata are copied. Quantize the result with `bora quantize` if you want it smaller.
        """)

    @Argument(help: "The base model (GGUF file or store name).") var base: String
    @Argument(help: ArgumentHelp("The adapter: a PEFT directory or a llama.cpp LoRA .gguf, with an optional scale.", valueName: "adapter[:scale]"))
    var adapter: String
    @Argument(help: "The GGUF file to write.") var output: String
    @OptionGroup var adapterOptions: AdapterOptions
    @Flag(help: "Overwrite the output file if it exists.") var force = false

    func run() throws {
        try reportingErrors {
            let n = try LoRAExport.export(base: try ModelStore().resolve(base), adapters: [try AdapterOptions.load(adapter)] + adapterOptions.adapters(),
                                          output: output, overwrite: force)
            print("wrote \(output): \(n) matrices merged")
        }
    }
}
