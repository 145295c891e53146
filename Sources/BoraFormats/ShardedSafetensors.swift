import Foundation

/// A checkpoint split over several safetensors files (`model.safetensors.index.json` with a
/// `weight_map` from tensor name to shard file), or a single file, seen as one store.
public final class ShardedSafetensors: TensorStore {
    public let path: String
    let shards: [SafetensorsFile]
    let owner: [String: Int]
    public let tensorNames: [String]

    /// - Parameter directory: holds `model.safetensors.index.json`, or one `*.safetensors` file
    ///   (`model.safetensors` or `consolidated.safetensors` preferred).
    public init(directory: String) throws(FormatError) {
        path = directory
        let fm = FileManager.default
        let dir = URL(fileURLWithPath: directory)
        let index = dir.appendingPathComponent("model.safetensors.index.json")
        if fm.fileExists(atPath: index.path) {
            guard let data = fm.contents(atPath: index.path),
                  let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
                  let map = root["weight_map"] as? [String: String] else {
                throw FormatError.invalid(path: index.path, what: "it is not a JSON object with a \"weight_map\" of tensor names to shard files")
            }
            let files = Array(Set(map.values)).sorted()
            var shards: [SafetensorsFile] = []
            var shardIndex: [String: Int] = [:]
            for f in files {
                let p = dir.appendingPathComponent(f).path
                guard fm.fileExists(atPath: p) else {
                    throw FormatError.invalid(path: index.path, what: "it names the shard '\(f)', which is not in \(directory). Download the missing shard")
                }
                shardIndex[f] = shards.count
                shards.append(try SafetensorsFile(path: p))
            }
            var owner: [String: Int] = [:]
            for (name, f) in map {
                guard let i = shardIndex[f], shards[i].tensorRef(name) != nil else {
                    throw FormatError.invalid(path: index.path, what: "tensor '\(name)' is mapped to '\(f)', which does not contain it")
                }
                owner[name] = i
            }
            self.shards = shards
            self.owner = owner
            tensorNames = map.keys.sorted()
            return
        }
        let names = ((try? fm.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".safetensors") }.sorted()
        let preferred = ["model.safetensors", "consolidated.safetensors"].first { names.contains($0) }
        guard let file = preferred ?? (names.count == 1 ? names.first : nil) else {
            throw FormatError.invalid(path: directory, what: names.isEmpty
                ? "it has no .safetensors file"
                : "it has several .safetensors files (\(names.joined(separator: ", "))) but no model.safetensors.index.json saying which tensor is where")
        }
        let single = try SafetensorsFile(path: dir.appendingPathComponent(file).path)
        shards = [single]
        owner = Dictionary(uniqueKeysWithValues: single.tensorNames.map { ($0, 0) })
        tensorNames = single.tensorNames
    }

    public func tensorRef(_ name: String) -> TensorRef? {
        owner[name].flatMap { shards[$0].tensorRef(name) }
    }
}
