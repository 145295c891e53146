/// Typed metadata look-ups that throw errors naming the key and the file.
extension GGUFFile {
    public func string(_ key: String) throws(FormatError) -> String {
        guard let v = metadata[key] else { throw FormatError.missingKey(path: path, key: key) }
        guard let s = v.string else { throw FormatError.wrongKeyType(path: path, key: key, expected: "a string") }
        return s
    }

    public func int(_ key: String) throws(FormatError) -> Int {
        guard let v = metadata[key] else { throw FormatError.missingKey(path: path, key: key) }
        guard let i = v.int else { throw FormatError.wrongKeyType(path: path, key: key, expected: "an integer") }
        return i
    }

    public func optionalInt(_ key: String) throws(FormatError) -> Int? {
        guard let v = metadata[key] else { return nil }
        guard let i = v.int else { throw FormatError.wrongKeyType(path: path, key: key, expected: "an integer") }
        return i
    }

    public func optionalDouble(_ key: String) throws(FormatError) -> Double? {
        guard let v = metadata[key] else { return nil }
        guard let d = v.double else { throw FormatError.wrongKeyType(path: path, key: key, expected: "a number") }
        return d
    }

    public func optionalString(_ key: String) throws(FormatError) -> String? {
        guard let v = metadata[key] else { return nil }
        guard let s = v.string else { throw FormatError.wrongKeyType(path: path, key: key, expected: "a string") }
        return s
    }

    public func optionalBool(_ key: String) throws(FormatError) -> Bool? {
        guard let v = metadata[key] else { return nil }
        guard let b = v.bool else { throw FormatError.wrongKeyType(path: path, key: key, expected: "a boolean") }
        return b
    }

    /// A required tensor with a checked shape (ggml order).
    public func tensor(_ name: String, shape: [Int]) throws(FormatError) -> GGUFTensorInfo {
        guard let t = tensor(named: name) else { throw FormatError.missingTensor(path: path, tensor: name) }
        guard t.shape == shape else {
            throw FormatError.tensorShape(path: path, tensor: name, expected: shape, actual: t.shape)
        }
        return t
    }
}
