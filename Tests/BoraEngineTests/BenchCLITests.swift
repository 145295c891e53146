import Foundation
import Testing

/// `bora bench`: output shapes (no timing assertions) and bad input.
@Suite(.serialized) struct BenchCLITests {
    let model: String
    init() throws { model = try TestPaths.smolLM2() }

    @Test func jsonRowsHaveLlamaBenchFields() throws {
        let r = try CLI.run(["bench", "--model", model, "-p", "8,16", "-n", "4", "-t", "1", "-r", "2", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 3)
        #expect(rows.map { $0["n_prompt"] as? Int } == [8, 16, 0])
        #expect(rows.map { $0["n_gen"] as? Int } == [0, 0, 4])
        for row in rows {
            #expect(row["model_filename"] as? String == model)
            #expect((row["model_size"] as? Int ?? 0) > 50_000_000)
            #expect((row["model_n_params"] as? Int ?? 0) > 100_000_000)
            #expect(row["n_threads"] as? Int == 1)
            #expect((row["avg_ts"] as? Double ?? 0) > 0)
            #expect((row["stddev_ts"] as? Double ?? -1) >= 0)
            #expect((row["samples_ts"] as? [Double])?.count == 2)
        }
    }

    @Test func parallelSequencesAddTgRows() throws {
        let r = try CLI.run(["bench", "--model", model, "-p", "4", "-n", "3", "-t", "1", "-r", "1", "--parallel", "1,3", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        // pp runs once; tg once per sequence count.
        #expect(rows.map { $0["n_prompt"] as? Int } == [4, 0, 0])
        #expect(rows.map { $0["n_parallel"] as? Int } == [1, 1, 3])
        #expect(rows.allSatisfy { ($0["avg_ts"] as? Double ?? 0) > 0 })
        let table = try CLI.run(["bench", "--model", model, "-p", "0", "-n", "2", "-t", "1", "-r", "1", "--parallel", "2"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("tg2 x2"))
    }

    @Test func depthRowsNameTheirDepth() throws {
        let r = try CLI.run(["bench", "--model", model, "-p", "4", "-n", "2", "-t", "1", "-r", "1", "-d", "0,40", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["n_depth"] as? Int } == [0, 0, 40, 40])
        #expect(rows.map { $0["n_prompt"] as? Int } == [4, 0, 4, 0])
        #expect(rows.allSatisfy { ($0["avg_ts"] as? Double ?? 0) > 0 })
        let table = try CLI.run(["bench", "--model", model, "-p", "3", "-n", "2", "-t", "1", "-r", "2", "-d", "17", "--parallel", "2"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("pp3 @ d17") && table.stdout.contains("tg2 x2 @ d17"))
    }

    @Test func cacheTypeOption() throws {
        let r = try CLI.run(["bench", "--model", model, "-p", "4", "-n", "2", "-t", "1", "-r", "1", "-d", "8", "--cache-type", "f32", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        try expectFailure(["bench", "--model", model, "--cache-type", "q4_0"], mentions: ["--cache-type"])
    }

    @Test func depthBeyondTheContext() throws {
        // SmolLM2's context is 8,192 positions.
        try expectFailure(["bench", "--model", model, "-p", "512", "-n", "0", "-d", "0,8000"],
                          mentions: ["depth 8000", "8512 positions", "context of 8192", "--n-depth"])
        try expectFailure(["bench", "--model", model, "-d", "5,x"], mentions: ["--n-depth"])
    }

    @Test func tableHasLlamaBenchColumns() throws {
        let r = try CLI.run(["bench", "--model", model, "-p", "4", "-n", "2", "-t", "1", "-r", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines.first?.contains("| model") == true && lines.first?.contains("t/s") == true)
        #expect(lines[2].contains("pp4") && lines[2].contains("llama 135M Q4_1") && lines[2].contains("±"))
        #expect(lines[3].contains("tg2"))
    }

    func expectFailure(_ args: [String], mentions: [String]) throws {
        let r = try CLI.run(args)
        #expect(r.status != 0, "bora \(args.joined(separator: " ")) should fail")
        #expect(r.status < 128, "bora crashed with status \(r.status): \(r.stderr)")
        for m in mentions { #expect(r.stderr.contains(m), "stderr lacks '\(m)': \(r.stderr)") }
    }

    @Test func zeroThreads() throws {
        try expectFailure(["bench", "--model", model, "-t", "0"], mentions: ["--threads", "at least 1"])
    }

    @Test func moreThreadsThanCores() throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        try expectFailure(["bench", "--model", model, "-t", "1,\(cores + 1)"], mentions: ["\(cores + 1) threads", "\(cores) cores"])
    }

    @Test func modelThatDoesNotFitInMemory() throws {
        // 100 million positions of SmolLM2's F32 KV cache are ~4 TiB: more than any test machine has.
        try expectFailure(["bench", "--model", model, "-p", "100000000", "-n", "0"], mentions: ["does not fit in memory", "GiB"])
    }

    @Test func badCounts() throws {
        try expectFailure(["bench", "--model", model, "-p", "12,x"], mentions: ["--n-prompt"])
        try expectFailure(["bench", "--model", model, "-r", "0"], mentions: ["--repetitions"])
        try expectFailure(["bench", "--model", model, "--parallel", "0"], mentions: ["--parallel", "at least 1"])
        try expectFailure(["bench", "--model", "/nonexistent/m.gguf"], mentions: ["cannot open"])
    }
}
