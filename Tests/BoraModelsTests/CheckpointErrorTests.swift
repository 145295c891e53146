import BoraFormats
import BoraModels
import Foundation
import Testing

/// Bad checkpoint directories and safetensors files: clear errors naming the file and the key, never a crash.
@Suite struct CheckpointErrorTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/mistral/mistral-tiny/hf")

    /// A scratch copy of the tiny HF checkpoint.
    func copy() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bora-ckpt-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Self.fixture, to: dir)
        return dir
    }

    func editConfig(_ dir: URL, _ edit: (inout [String: Any]) -> Void) throws {
        let url = dir.appendingPathComponent("config.json")
        var obj = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        edit(&obj)
        try JSONSerialization.data(withJSONObject: obj).write(to: url)
    }

    func error(_ path: String) throws -> FormatError {
        try #require(throws: FormatError.self) { try DecoderModel(path: path) }
    }

    @Test func missingConfigKey() throws {
        let dir = try copy()
        try editConfig(dir) { $0.removeValue(forKey: "hidden_size") }
        let e = try error(dir.path)
        #expect(e.description.contains("hidden_size"))
        #expect(e.description.contains("config.json"))
    }

    @Test func configThatDisagreesWithTheTensors() throws {
        let dir = try copy()
        try editConfig(dir) { $0["intermediate_size"] = 96 }
        let e = try error(dir.path)
        #expect(e.description.contains("mlp.gate_proj"))
    }

    @Test func wrongTypeAndUnsupportedModel() throws {
        let dir = try copy()
        try editConfig(dir) { $0["num_hidden_layers"] = "two" }
        #expect(try error(dir.path).description.contains("num_hidden_layers"))
        try editConfig(dir) { $0["num_hidden_layers"] = 2; $0["model_type"] = "gemma" }
        #expect(try error(dir.path).description.contains("gemma"))
    }

    @Test func missingShard() throws {
        let dir = try copy()
        let index: [String: Any] = ["weight_map": ["model.embed_tokens.weight": "model-00001-of-00002.safetensors"]]
        try JSONSerialization.data(withJSONObject: index).write(to: dir.appendingPathComponent("model.safetensors.index.json"))
        let e = try error(dir.path)
        #expect(e.description.contains("model-00001-of-00002.safetensors"))
    }

    @Test func noConfigAtAll() throws {
        let dir = try copy()
        try FileManager.default.removeItem(at: dir.appendingPathComponent("config.json"))
        #expect(try error(dir.path).description.contains("config.json"))
    }

    /// A safetensors file written by hand.
    func safetensors(_ header: String, data: [UInt8] = []) throws -> String {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes += $0 }
        bytes += Array(header.utf8) + data
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bora-st-\(UUID().uuidString).safetensors")
        try Data(bytes).write(to: url)
        return url.path
    }

    @Test func safetensorsValid() throws {
        let path = try safetensors(#"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"__metadata__":{"format":"pt"}}"#,
                                   data: [UInt8](repeating: 0, count: 16))
        let f = try SafetensorsFile(path: path)
        let w = try #require(f.tensorRef("w"))
        #expect(w.shape == [2, 2] && w.type == .f32 && w.byteCount == 16)
        #expect(f.metadata["format"] == "pt")
    }

    @Test func safetensorsErrors() throws {
        let bad: [(String, [UInt8], String)] = [
            (#"{"w":{"dtype":"I8","shape":[4],"data_offsets":[0,4]}}"#, [0, 0, 0, 0], "dtype I8"),
            (#"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, [0, 0, 0, 0], "truncated"),
            (#"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,8]}}"#, [UInt8](repeating: 0, count: 16), "data_offsets"),
            (#"{"w":{"dtype":"F32","shape":[4]}}"#, [], "data_offsets"),
            (#"not json"#, [], "not valid JSON"),
        ]
        for (header, data, mention) in bad {
            let e = try #require(throws: FormatError.self) { try SafetensorsFile(path: try safetensors(header, data: data)) }
            #expect(e.description.contains(mention), "\(e)")
        }
        // A header length past the end of the file.
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bora-st-\(UUID().uuidString).safetensors")
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(1 << 40).littleEndian) { bytes += $0 }
        try Data(bytes + [0x7B]).write(to: url)
        #expect(throws: FormatError.self) { try SafetensorsFile(path: url.path) }
        try Data([1, 2, 3]).write(to: url)
        #expect(throws: FormatError.self) { try SafetensorsFile(path: url.path) }
    }
}
