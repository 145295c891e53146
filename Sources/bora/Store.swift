import ArgumentParser
import BoraEngine
import Foundation

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Add a GGUF file or checkpoint directory to the model store ($BORA_HOME, default ~/.bora).",
        discussion: """
        The file is hard-linked into the store when it is on the same file system (else copied) and hashed.

        Examples:
          bora import ~/Downloads/mistral-7b-instruct-v0.2.Q4_K_M.gguf --name mistral
          bora import ./checkpoints/my-model
        """)

    @Argument(help: "A GGUF file or checkpoint directory.") var source: String
    @Option(help: "The name to use (default: from the file name).") var name: String?

    func run() throws {
        try reportingErrors {
            let bar = ProgressBar("hashing")
            let m = try ModelStore().importModel(from: source, name: name, hashProgress: { bar.update($0, of: $1) })
            bar.finish()
            print("imported \(m.name): \(m.architecture), \(m.quantization), \(formatBytes(m.size)), sha256 \(m.sha256)")
        }
    }
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the models in the store.",
        discussion: """
        Example:
          bora list
        """)

    func run() throws {
        try reportingErrors {
            let store = ModelStore()
            let models = try store.list()
            guard !models.isEmpty else {
                print("no models yet: add one with `bora pull hf:OWNER/REPO:Q4_K_M` or `bora import FILE`")
                return
            }
            let rows = [["NAME", "SIZE", "QUANTIZATION", "MODIFIED"]]
                + models.map { [$0.name + (store.isMissingFile($0) ? " (file missing: bora rm \($0.name))" : ""), formatBytes($0.size),
                                $0.quantization, String($0.modified.prefix(19)).replacingOccurrences(of: "T", with: " ")] }
            let widths = (0..<4).map { c in rows.map { $0[c].count }.max() ?? 0 }
            for r in rows {
                print(r.enumerated().map { $1.padding(toLength: widths[$0] + 2, withPad: " ", startingAt: 0) }.joined().trimmingCharacters(in: .whitespaces))
            }
        }
    }
}

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a stored model: parameters, chat template, license, tensors.",
        discussion: """
        Example:
          bora show smollm2
        """)

    @Argument(help: "A model name from `bora list`.") var name: String

    func run() throws {
        try reportingErrors {
            let store = ModelStore()
            let m = try store.manifest(name)
            print("name: \(m.name)")
            print("file: \(try store.path(of: name))")
            print("architecture: \(m.architecture), quantization: \(m.quantization), context length: \(m.contextLength)")
            print("size: \(formatBytes(m.size)), sha256: \(m.sha256)")
            print("license: \(m.license ?? "(not stated)")")
            print("imported: \(m.modified) from \(m.source)")
        }
    }
}

struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a model from the store.",
        discussion: """
        Example:
          bora rm smollm2
        """)
    @Argument(help: "A model name from `bora list`.") var name: String

    func run() throws {
        try reportingErrors {
            try ModelStore().remove(name)
            print("removed \(name)")
        }
    }
}

struct Copy: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cp", abstract: "Copy a stored model under a new name.",
        discussion: """
        Example:
          bora cp smollm2 assistant
        """)
    @Argument(help: "An existing model name.") var source: String
    @Argument(help: "The new name.") var destination: String

    func run() throws {
        try reportingErrors {
            try ModelStore().copy(source, to: destination)
            print("copied \(source) to \(destination)")
        }
    }
}

func formatBytes(_ n: Int) -> String {
    let units = ["B", "KB", "MB", "GB", "TB"]
    var v = Double(n)
    var u = 0
    while v >= 1000 && u < units.count - 1 { v /= 1000; u += 1 }
    return u == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[u])
}
