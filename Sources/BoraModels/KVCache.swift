import BoraKernels

/// The element type of a KV cache: F16 (the default, as llama.cpp's; half the bytes for attention to
/// read) or F32.
public enum KVCacheType: String, Sendable, CaseIterable, Codable {
    case f16, f32

    /// Bytes per stored element.
    public var elementBytes: Int {
        switch self {
        case .f16: MemoryLayout<Float16>.size
        case .f32: MemoryLayout<Float>.size
        }
    }
}

/// Keys and values of past positions, per layer laid out per KV head, (kvHeads, slots, headDim) elements
/// each, so one KV head's keys (and values) of consecutive positions are contiguous (llama.cpp's
/// `k_cache` view per head). A layer with a sliding window W keeps a rolling buffer of min(W, context)
/// slots (position p in slot p mod slots, as in mistral-inference's `RotatingBufferCache`), so its memory
/// stops growing at W; other layers keep one slot per position of the context. Pages are allocated
/// lazily by the OS as positions fill.
public final class KVCache: @unchecked Sendable {
    /// Most positions a sequence may reach.
    public let contextLength: Int
    public let kvHeads: Int
    public let headDim: Int
    public var kvDim: Int { kvHeads * headDim }
    public let type: KVCacheType
    /// Slots per layer.
    public let slots: [Int]
    /// Positions filled so far.
    public internal(set) var count = 0
    /// Per layer: keys, then values, each (kvHeads, slots, headDim) elements of `type` (keys only when
    /// `valuesAreKeys`).
    let storage: [UnsafeMutableRawPointer]
    /// Latent attention's cache: each position's one row serves as key and value, stored once.
    public let valuesAreKeys: Bool

    public init(kvHeads: Int, headDim: Int, contextLength: Int, windows: [Int], type: KVCacheType = .f16,
                valuesAreKeys: Bool = false) {
        self.contextLength = contextLength
        self.kvHeads = kvHeads
        self.headDim = headDim
        self.type = type
        self.valuesAreKeys = valuesAreKeys
        slots = windows.map { $0 > 0 ? min($0, contextLength) : contextLength }
        let copies = valuesAreKeys ? 1 : 2
        storage = slots.map { n in
            let p = UnsafeMutableRawPointer.allocate(byteCount: max(1, copies * n * kvHeads * headDim * type.elementBytes), alignment: 64)
            switch type {
            case .f16: p.bindMemory(to: Float16.self, capacity: copies * n * kvHeads * headDim)
            case .f32: p.bindMemory(to: Float.self, capacity: copies * n * kvHeads * headDim)
            }
            return p
        }
    }

    deinit { storage.forEach { $0.deallocate() } }

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

    /// Makes this cache hold the first `n` positions of `other` (a cache of the same shape), copied, so a
    /// sequence can start from a prefix another cache holds without taking that cache away. False (and
    /// nothing changes) when the shapes differ, `n` is beyond `other.count`, or one of `other`'s rolling
    /// buffers has wrapped.
    public func copyPrefix(of other: KVCache, count n: Int) -> Bool {
        guard other.slots == slots, other.kvHeads == kvHeads, other.headDim == headDim, other.type == type,
              other.valuesAreKeys == valuesAreKeys, n >= 0, n <= other.count, other.slots.allSatisfy({ other.count <= $0 }) else {
            return false
        }
        let copies = valuesAreKeys ? 1 : 2, rowBytes = headDim * type.elementBytes
        for (l, s) in slots.enumerated() {
            for block in 0..<(copies * kvHeads) {
                let offset = block * s * rowBytes
                (storage[l] + offset).copyMemory(from: other.storage[l] + offset, byteCount: n * rowBytes)
            }
        }
        count = n
        return true
    }

    /// Bytes in use for `positions` positions.
    public func bytes(forPositions positions: Int) -> Int {
        Self.bytes(kvDim: kvDim, windows: slots, positions: positions, type: type, valuesAreKeys: valuesAreKeys)
    }

    /// Bytes a cache holds after `positions` positions, for layers with these windows (0: none):
    /// 2 (keys and values; 1 when values are the keys) x sum over layers of min(window, positions) x kvDim x
    /// element bytes.
    public static func bytes(kvDim: Int, windows: [Int], positions: Int, type: KVCacheType = .f16, valuesAreKeys: Bool = false) -> Int {
        (valuesAreKeys ? 1 : 2) * windows.reduce(0) { $0 + ($1 > 0 ? min($1, positions) : positions) } * kvDim * type.elementBytes
    }

    /// KV head g's key row of position p in layer l; the rows of the next positions follow it (headDim
    /// elements apart) up to the end of the rolling buffer. `E` must be the cache's type.
    @inline(__always) func keys<E: AttentionElement>(_: E.Type, layer l: Int, head g: Int, position p: Int) -> UnsafeMutablePointer<E> {
        storage[l].assumingMemoryBound(to: E.self) + (g * slots[l] + p % slots[l]) * headDim
    }

    /// As `keys`, for the values.
    @inline(__always) func values<E: AttentionElement>(_: E.Type, layer l: Int, head g: Int, position p: Int) -> UnsafeMutablePointer<E> {
        storage[l].assumingMemoryBound(to: E.self) + (((valuesAreKeys ? 0 : kvHeads) + g) * slots[l] + p % slots[l]) * headDim
    }

    /// Stores position p's keys and values of layer l, kvDim floats each (all KV heads), rounded to the
    /// cache's type.
    func store(layer l: Int, position p: Int, keys k: UnsafePointer<Float>, values v: UnsafePointer<Float>) {
        switch type {
        case .f16: store(Float16.self, layer: l, position: p, keys: k, values: v)
        case .f32: store(Float.self, layer: l, position: p, keys: k, values: v)
        }
    }

    private func store<E: AttentionElement>(_: E.Type, layer l: Int, position p: Int, keys k: UnsafePointer<Float>,
                                             values v: UnsafePointer<Float>) {
        for g in 0..<kvHeads {
            E.store(k + g * headDim, into: keys(E.self, layer: l, head: g, position: p), count: headDim)
            if !valuesAreKeys { E.store(v + g * headDim, into: values(E.self, layer: l, head: g, position: p), count: headDim) }
        }
    }
}
