import BoraTokenizers
import Foundation
import Testing

/// Encoding throughput of the Mistral tokenizer files, for scripts/bench_tokenizers.py. Runs only with
/// BORA_BENCH=1 (and BORA_BENCH_DIR, where the script put the text and the reference ids); prints MB/s and
/// asserts only that the ids equal the reference library's.
@Suite("Tokenizer throughput", .serialized)
struct TokenizerThroughputTests {
    static let environment = ProcessInfo.processInfo.environment
    static let enabled = environment["BORA_BENCH"] == "1" && environment["BORA_BENCH_DIR"] != nil

    @Test("encode 1 MB of mixed text", .enabled(if: enabled),
          arguments: ["mistral_instruct_tokenizer_240323.model.v3", "tekken_240911.json"])
    func throughput(_ name: String) throws {
        let directory = try #require(Self.environment["BORA_BENCH_DIR"])
        let text = try String(contentsOfFile: directory + "/text.txt", encoding: .utf8)
        let expected = try JSONDecoder().decode(
            [Int].self, from: Data(contentsOf: URL(fileURLWithPath: directory + "/\(name).ids.json")))
        let repeats = Int(Self.environment["BORA_BENCH_REPEATS"] ?? "") ?? 5

        let loadStart = ContinuousClock.now
        let tokenizer = try loadTokenizer(path: try MistralFixtures.path(name))
        let load = Self.seconds(ContinuousClock.now - loadStart)
        var times: [Double] = []
        var ids: [Int] = []
        for _ in 0..<repeats {
            let start = ContinuousClock.now
            ids = try tokenizer.encode(text, addBos: false, parseSpecial: false)
            let elapsed = ContinuousClock.now - start
            times.append(Self.seconds(elapsed))
        }
        #expect(ids == expected)
        let megabytes = Double(text.utf8.count) / 1e6
        let rates = times.map { megabytes / $0 }.sorted()
        print("BENCH \(name) bytes=\(text.utf8.count) tokens=\(ids.count) load_s=\(load) "
              + "median_MBps=\(rates[rates.count / 2]) best_MBps=\(rates.last ?? 0)")
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
