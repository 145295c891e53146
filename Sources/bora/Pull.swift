import ArgumentParser
import BoraEngine
import Foundation

struct Pull: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Download a GGUF model from Hugging Face or a URL into the model store.",
        discussion: """
        hf:OWNER/REPO picks the repository's only GGUF file; hf:OWNER/REPO:TAG the one whose name carries the \
        quantization tag (Q4_K_M, Q8_0, ..., any case); hf:OWNER/REPO:FILE.gguf a file by name. A plain \
        http(s) URL is checked against a FILE.sha256 next to it, an ETag that is a SHA-256, or --sha256.

        Downloads resume where they stopped (run the same command again), use parallel ranges for large \
        files, and are checked against the source's SHA-256 before the model appears in `bora list`.

        Environment: HF_ENDPOINT (default https://huggingface.co), HF_TOKEN (for gated or private models), \
        BORA_HOME (the store, default ~/.bora).

        Examples:
          bora pull hf:bartowski/SmolLM2-135M-Instruct-GGUF:Q4_K_M
          bora pull hf:OWNER/REPO:model.Q8_0.gguf --name mistral
          bora pull https://example.com/models/tiny.gguf --sha256 9f86d081...
        """)

    @Argument(help: "hf:OWNER/REPO[:TAG|:FILE] or an http(s):// URL of a GGUF file.") var source: String
    @Option(help: "The name in the store (default: from the file name).") var name: String?
    @Option(help: "The file's SHA-256, when the source does not state one (or to pin it).") var sha256: String?
    @Option(help: "Parallel connections for large files.") var connections: Int = 4

    func validate() throws {
        guard (1...16).contains(connections) else { throw ValidationError("--connections must be between 1 and 16, got \(connections)") }
    }

    func run() async throws {
        var puller = ModelPuller()
        puller.connections = connections
        let bar = ProgressBar("downloading")
        let m: ModelManifest
        do {
            let parsed = try PullSource(source)
            m = try await puller.pull(parsed, name: name, sha256: sha256) { event in
                switch event {
                case let .resolved(file, size):
                    FileHandle.standardError.write(Data("pulling \(file) (\(formatBytes(size)))\n".utf8))
                case .waiting:
                    FileHandle.standardError.write(Data("waiting for another pull of the same file to finish...\n".utf8))
                case let .downloading(done, total): bar.update(done, of: total, label: "downloading")
                case let .verifying(done, total): bar.update(done, of: total, label: "verifying  ")
                case .importing: bar.finish()
                }
            }
        } catch {
            bar.finish()
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
        print("pulled \(m.name): \(m.architecture), \(m.quantization), \(formatBytes(m.size)), sha256 \(m.sha256)")
    }
}
