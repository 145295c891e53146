/// The keys and values of every past position, per layer: (capacity, kvDim) floats each, position-major.
/// Pages are allocated lazily by the OS, so memory grows with the positions actually used.
public final class KVCache: @unchecked Sendable {
    public let capacity: Int
    public let layers: Int
    public let kvDim: Int
    /// Positions filled so far.
    public internal(set) var count = 0
    let keys: [UnsafeMutablePointer<Float>]
    let values: [UnsafeMutablePointer<Float>]

    public init(layers: Int, kvDim: Int, capacity: Int) {
        self.capacity = capacity
        self.layers = layers
        self.kvDim = kvDim
        keys = (0..<layers).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: capacity * kvDim) }
        values = (0..<layers).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: capacity * kvDim) }
    }

    deinit {
        keys.forEach { $0.deallocate() }
        values.forEach { $0.deallocate() }
    }

    /// Forgets every position (the buffers are reused).
    public func reset() { count = 0 }

    /// Keeps the first n positions (n <= count), e.g. to reuse a shared prompt prefix.
    public func truncate(to n: Int) { count = max(0, min(n, count)) }

    /// Bytes held when full.
    public var byteCapacity: Int { 2 * layers * capacity * kvDim * MemoryLayout<Float>.size }
}
