import Foundation

/// The JSON header of a safetensors file.
struct SafetensorsHeader {
    struct Entry {
        let name: String
        let dtype: String
        let shape: [Int]
        let begin: Int
        let end: Int
    }

    /// Tensors in data order.
    let tensors: [Entry]
    let metadata: [String: String]

    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    init(parsing text: String) throws {
        guard let root = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw Invalid(description: "the header is not a JSON object")
        }
        var entries: [Entry] = []
        var metadata: [String: String] = [:]
        for (name, value) in root {
            if name == "__metadata__" {
                for (k, v) in (value as? [String: Any]) ?? [:] { metadata[k] = v as? String ?? "\(v)" }
                continue
            }
            guard let d = value as? [String: Any], let dtype = d["dtype"] as? String,
                  let shape = d["shape"] as? [Any], let offsets = d["data_offsets"] as? [Any], offsets.count == 2 else {
                throw Invalid(description: "tensor '\(name)' lacks dtype, shape or data_offsets")
            }
            func int(_ x: Any) throws -> Int {
                guard let n = x as? NSNumber, let i = Int(exactly: n.doubleValue) else {
                    throw Invalid(description: "tensor '\(name)' has a non-integer in its shape or offsets")
                }
                return i
            }
            entries.append(Entry(name: name, dtype: dtype, shape: try shape.map(int), begin: try int(offsets[0]), end: try int(offsets[1])))
        }
        tensors = entries.sorted { ($0.begin, $0.name) < ($1.begin, $1.name) }
        self.metadata = metadata
    }
}
