import Foundation

/// Mistral's tokenizer files and the goldens mistral-common produced for them
/// (scripts/make_mistral_tokenizer_goldens.py, Tests/Fixtures/tokenizers/mistral-common).
///
/// The SentencePiece models are checked in next to the goldens. The Tekken files (15-20 MB each) are not:
/// they are read from the installed mistral-common package (scripts/install-mistral-tokenizers.sh).
enum MistralFixtures {
    static let sentencePieceFiles = [
        "tokenizer.model.v1",
        "mistral_instruct_tokenizer_240216.model.v2",
        "mistral_instruct_tokenizer_240323.model.v3",
        "mistral_instruct_tokenizer_241114.model.v7",
    ]
    static let tekkenFiles = ["tekken_240718.json", "tekken_240911.json"]
    static let allFiles = sentencePieceFiles + tekkenFiles

    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tokenizers/mistral-common").path

    /// mistral_common/data of an installed mistral-common, found without running Python.
    static let packageDataDirectory: String? = {
        let fm = FileManager.default
        var roots: [String] = []
        if let env = ProcessInfo.processInfo.environment["MISTRAL_COMMON_DATA"] { roots.append(env) }
        let pyenv = "/root/.pyenv/versions"
        var prefixes = ["/usr/local/lib", "/usr/lib", NSHomeDirectory() + "/.local/lib"]
        if let versions = try? fm.contentsOfDirectory(atPath: pyenv) {
            prefixes += versions.sorted().map { "\(pyenv)/\($0)/lib" }
        }
        for prefix in prefixes {
            guard let pythons = try? fm.contentsOfDirectory(atPath: prefix) else { continue }
            for python in pythons.sorted() where python.hasPrefix("python") {
                for packages in ["site-packages", "dist-packages"] {
                    roots.append("\(prefix)/\(python)/\(packages)/mistral_common/data")
                }
            }
        }
        return roots.first { fm.fileExists(atPath: $0 + "/tekken_240911.json") }
    }()

    /// Path of a tokenizer file, or an error that says how to get it.
    static func path(_ name: String) throws -> String {
        let local = directory + "/" + name
        if FileManager.default.fileExists(atPath: local) { return local }
        if let data = packageDataDirectory, FileManager.default.fileExists(atPath: data + "/" + name) {
            return data + "/" + name
        }
        throw FixtureMissing(name: name)
    }

    struct FixtureMissing: Error, CustomStringConvertible {
        var name: String
        var description: String {
            "\(name) not found in Tests/Fixtures/tokenizers/mistral-common nor in an installed mistral-common: "
                + "run scripts/install-mistral-tokenizers.sh (or set MISTRAL_COMMON_DATA to mistral_common/data)"
        }
    }

    struct Golden: Decodable {
        struct Case: Decodable {
            var text: String
            var ids: [Int]
            var ids_bos: [Int]
            var decoded: String
            var decoded_bos: String
        }
        struct DecodeCase: Decodable {
            var ids: [Int]
            var decoded: String
        }
        var file: String
        var vocabulary_size: Int
        var bos_id: Int
        var eos_id: Int
        var special_tokens: [String: Int]
        var cases: [Case]
        var decode: [DecodeCase]
    }

    static func golden(_ name: String) throws -> Golden {
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name + ".goldens.json"))
        return try JSONDecoder().decode(Golden.self, from: data)
    }
}
