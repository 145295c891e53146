/// One place in the batch: a request holding a slot decodes with the others in every forward step.
struct Slot: Sendable {
    let index: Int
}

/// `--parallel N` slots and a bounded queue of requests waiting for one: a request beyond the queue is
/// refused with 429 at once, and a waiting request whose client goes away leaves the queue.
actor SlotPool {
    private var free: [Slot]
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<Slot, any Error>)] = []
    private var nextWaiter: UInt64 = 0
    let total: Int
    let queueLimit: Int

    init(slots: Int, queueLimit: Int) {
        free = (0..<slots).reversed().map(Slot.init)
        total = slots
        self.queueLimit = queueLimit
    }

    var active: Int { total - free.count }
    var queued: Int { waiters.count }

    /// A free slot, after waiting in line if all are busy. Throws 429 when the line is full.
    func acquire() async throws -> Slot {
        if let slot = free.popLast() { return slot }
        guard waiters.count < queueLimit else {
            throw APIError(.tooManyRequests, "all \(total) generation slots are busy and \(waiters.count) requests are waiting (the queue limit): retry later",
                           type: "rate_limit_error", code: "server_busy")
        }
        let id = nextWaiter
        nextWaiter += 1
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Slot, any Error>) in
                if Task.isCancelled { c.resume(throwing: CancellationError()) } else { waiters.append((id, c)) }
            }
        } onCancel: {
            Task { await self.leave(id) }
        }
    }

    private func leave(_ id: UInt64) {
        guard let i = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: i).continuation.resume(throwing: CancellationError())
    }

    /// Hands the slot to the longest-waiting request, or back to the free list.
    func release(_ slot: Slot) {
        if waiters.isEmpty { free.append(slot) } else { waiters.removeFirst().continuation.resume(returning: slot) }
    }
}
