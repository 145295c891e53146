/// Keys and values of past positions, per layer, (slots, kvDim) floats each. A layer with a sliding
/// window W keeps a rolling buffer of min(W, context) slots (position p in slot p mod slots, as in
/// mistral-inference's `RotatingBufferCache`), so its memory stops growing at W; other layers keep one
/// slot per position of the context. Pages are allocated lazily by the OS as positions fill.
public final class KVCache: @unchecked Sendable {
    /// Most positions a sequence may reach.
    public let contextLength: Int
    public let kvDim: Int
    /// Slots per layer.
    public let slots: [Int]
    /// Positions filled so far.
    public internal(set) var count = 0
    let keys: [UnsafeMutablePointer<Float>]
    let values: [UnsafeMutablePointer<Float>]

    public init(kvDim: Int, contextLength: Int, windows: [Int]) {
        self.contextLength = contextLength
        self.kvDim = kvDim
        slots = windows.map { $0 > 0 ? min($0, contextLength) : contextLength }
        keys = slots.map { UnsafeMutablePointer<Float>.allocate(capacity: $0 * kvDim) }
        values = slots.map { UnsafeMutablePointer<Float>.allocate(capacity: $0 * kvDim) }
    }

    deinit {
        keys.forEach { $0.deallocate() }
        values.forEach { $0.deallocate() }
    }

    public var layers: Int { slots.count }

    /// Forgets every position (the buffers are reused).
    public func reset() { count = 0 }

    /// Keeps the first `n` positions and forgets the rest, so that a sequence sharing those `n` tokens
    /// continues from here. False (and nothing changes) when that is not possible: `n` beyond `count`, or a
    /// rolling-buffer layer that has already wrapped (older positions were overwritten).
    public func truncate(to n: Int) -> Bool {
        guard n >= 0, n <= count, slots.allSatisfy({ count <= $0 }) else { return false }
        count = n
        return true
    }

    /// Bytes in use for `positions` positions.
    public func bytes(forPositions positions: Int) -> Int {
        Self.bytes(kvDim: kvDim, windows: slots, positions: positions)
    }

    /// Bytes a cache holds after `positions` positions, for layers with these windows (0: none):
    /// 2 (keys and values) x sum over layers of min(window, positions) x kvDim x 4 bytes.
    public static func bytes(kvDim: Int, windows: [Int], positions: Int) -> Int {
        2 * windows.reduce(0) { $0 + ($1 > 0 ? min($1, positions) : positions) } * kvDim * MemoryLayout<Float>.size
    }

    @inline(__always) func keyRow(layer l: Int, position p: Int) -> UnsafeMutablePointer<Float> {
        keys[l] + (p % slots[l]) * kvDim
    }

    @inline(__always) func valueRow(layer l: Int, position p: Int) -> UnsafeMutablePointer<Float> {
        values[l] + (p % slots[l]) * kvDim
    }
}
