import BoraFormats
import Foundation

/// A KV state file that cannot be read into a cache: the message names the file, what is wrong and what to do.
public struct KVStateError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ message: String) { description = message }
}

/// Saving and restoring what a cache holds (`bora run`'s /save and /load). The file is Bora's own:
/// "BORAKV01", a little-endian UInt64 header length, a JSON header (`model`: the model's fingerprint,
/// `cache_type`, `kv_heads`, `head_dim`, `slots`, `values_are_keys`, `count`, `tokens`), then per layer the
/// keys (and values) of each KV head's first `count` positions, then the SHA-256 of everything before it
/// (32 bytes). A file from another model or cache type, of another shape, cut short or altered is refused.
extension KVCache {
    static let stateMagic = Array("BORAKV01".utf8)

    /// Writes the first `count` positions and the `tokens` they hold (count of them) to `path`, for
    /// the model `model` (a fingerprint the reader must match).
    public func writeState(to path: String, tokens: [Int], model: String) throws(KVStateError) {
        guard tokens.count == count else { throw KVStateError("the cache holds \(count) positions but \(tokens.count) tokens were given") }
        guard slots.allSatisfy({ count <= $0 }) else {
            throw KVStateError("a rolling buffer of this cache has wrapped: its state cannot be saved")
        }
        let header: [String: Any] = ["version": 1, "model": model, "cache_type": type.rawValue, "kv_heads": kvHeads,
                                     "head_dim": headDim, "slots": slots, "values_are_keys": valuesAreKeys, "count": count,
                                     "tokens": tokens]
        guard let json = try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]) else {
            throw KVStateError("cannot encode the KV state header")
        }
        var out = Self.stateMagic
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out += $0 }
        out += json
        let rowBytes = headDim * type.elementBytes, copies = valuesAreKeys ? 1 : 2
        for (l, s) in slots.enumerated() {
            for block in 0..<(copies * kvHeads) {
                out += UnsafeRawBufferPointer(start: storage[l] + block * s * rowBytes, count: count * rowBytes)
            }
        }
        var hash = SHA256()
        hash.update(out)
        out += hash.finalize()
        do { try Data(out).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw KVStateError("cannot write the KV state to '\(path)': \(error.localizedDescription)")
        }
    }

    /// Reads a state written by `writeState` into this cache (which then holds its positions) and returns its
    /// tokens. Throws, changing nothing, when the file is not such a state, is damaged, or is from another
    /// model, cache type or shape.
    public func readState(from path: String, model: String) throws(KVStateError) -> [Int] {
        guard let data = FileManager.default.contents(atPath: path) else { throw KVStateError("cannot read '\(path)': check the path") }
        let bytes = [UInt8](data)
        func bad(_ why: String) -> KVStateError { KVStateError("'\(path)' is not a usable KV state: \(why)") }
        guard bytes.count >= 48, Array(bytes[0..<8]) == Self.stateMagic else { throw bad("it does not start with BORAKV01") }
        var hash = SHA256()
        bytes.withUnsafeBytes { hash.update(UnsafeRawBufferPointer(rebasing: $0[..<(bytes.count - 32)])) }
        guard hash.finalize()[...] == bytes[(bytes.count - 32)...] else {
            throw bad("its checksum does not match (the file is damaged or cut short): save the conversation again")
        }
        var length: UInt64 = 0
        withUnsafeMutableBytes(of: &length) { $0.copyBytes(from: bytes[8..<16]) }
        let headerLength = Int(UInt64(littleEndian: length))
        guard headerLength <= bytes.count - 48,
              let header = try? JSONSerialization.jsonObject(with: Data(bytes[16..<(16 + headerLength)])) as? [String: Any] else {
            throw bad("its header is not readable")
        }
        guard let saved = header["model"] as? String, saved == model else {
            throw bad("it was saved with another model (\(header["model"] as? String ?? "unknown")); this one is \(model)")
        }
        guard let typeName = header["cache_type"] as? String, typeName == type.rawValue else {
            throw bad("its cache type is \(header["cache_type"] as? String ?? "unknown"), this cache's is \(type.rawValue): use --cache-type \(header["cache_type"] as? String ?? "")")
        }
        guard header["kv_heads"] as? Int == kvHeads, header["head_dim"] as? Int == headDim,
              header["values_are_keys"] as? Bool == valuesAreKeys, let n = header["count"] as? Int, n >= 0,
              slots.allSatisfy({ n <= $0 }), let tokens = header["tokens"] as? [Int], tokens.count == n else {
            throw bad("its shape does not fit this cache (context \(contextLength))")
        }
        let rowBytes = headDim * type.elementBytes, copies = valuesAreKeys ? 1 : 2
        guard bytes.count == 16 + headerLength + slots.count * copies * kvHeads * n * rowBytes + 32 else {
            throw bad("its size does not match its header")
        }
        var at = 16 + headerLength
        bytes.withUnsafeBytes { raw in
            for (l, s) in slots.enumerated() {
                for block in 0..<(copies * kvHeads) {
                    (storage[l] + block * s * rowBytes).copyMemory(from: raw.baseAddress.unsafelyUnwrapped + at, byteCount: n * rowBytes)
                    at += n * rowBytes
                }
            }
        }
        count = n
        return tokens
    }
}
