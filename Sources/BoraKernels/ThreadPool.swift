#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A fixed set of worker threads for the decoder's parallel loops. A decode step runs hundreds of small
/// matrix-vector products, so workers spin briefly on an atomic generation counter before parking on a
/// condition variable; `DispatchQueue.concurrentPerform` cost ~30 µs a call on the build machine.
///
/// Waiting threads (the caller for its workers, workers for the next dispatch) yield the core after a short
/// spin: when other programs load the machine, a thread spinning for one that the scheduler has set aside
/// would burn its own time slice for nothing (measured: 8 server streams fell from 666 to 28 tokens/s
/// while two compilers ran on the same two cores). On an idle machine `sched_yield` returns at once.
public final class ThreadPool: @unchecked Sendable {
    /// Threads taking part in each `run`, the caller included.
    public let threadCount: Int
    private let state: PoolState
    private var threads: [pthread_t] = []

    public init(threads count: Int) {
        let wanted = max(1, count)
        state = PoolState()
        for index in 1..<wanted {
            let ctx = Unmanaged.passRetained(WorkerContext(state: state, index: index))
            var tid = pthread_t()
            let rc = pthread_create(&tid, nil, { raw in
                guard let raw else { return nil }
                let ctx = Unmanaged<WorkerContext>.fromOpaque(raw).takeRetainedValue()
                ctx.state.workerLoop(index: ctx.index)
                return nil
            }, ctx.toOpaque())
            if rc == 0 { threads.append(tid) } else { ctx.release() }
        }
        threadCount = threads.count + 1
    }

    deinit {
        state.stop()
        for t in threads { pthread_join(t, nil) }
    }

    /// Runs `body(i)` for i in 0..<threadCount, one call per thread, and returns when all are done.
    /// Not reentrant: one `run` at a time per pool.
    public func run(_ body: (Int) -> Void) {
        if threads.isEmpty {
            body(0)
            return
        }
        withoutActuallyEscaping(body) { escaping in
            state.dispatch(workers: threads.count, escaping)
        }
    }

    /// Splits 0..<count into contiguous chunks, one per thread, each a multiple of `granularity` long
    /// (but the last), and runs `body` on each.
    public func parallelFor(_ count: Int, granularity: Int = 1, _ body: (Range<Int>) -> Void) {
        let n = threadCount
        if n == 1 || count <= granularity {
            if count > 0 { body(0..<count) }
            return
        }
        run { t in
            let part = Self.share(of: count, granularity: granularity, thread: t, of: n)
            if !part.isEmpty { body(part) }
        }
    }

    /// `parallelFor` over several index spaces in one dispatch (one wait instead of one per space): each
    /// thread takes its share of 0..<counts[i] for each i in turn and calls `body(i, share)`.
    public func parallelFor(each counts: [Int], granularity: Int = 1, _ body: (Int, Range<Int>) -> Void) {
        let n = threadCount
        if n == 1 {
            for (i, count) in counts.enumerated() where count > 0 { body(i, 0..<count) }
            return
        }
        run { t in
            for (i, count) in counts.enumerated() {
                let part = Self.share(of: count, granularity: granularity, thread: t, of: n)
                if !part.isEmpty { body(i, part) }
            }
        }
    }

    /// Thread t's contiguous part of 0..<count split n ways in multiples of `granularity` (the last part
    /// takes the remainder).
    static func share(of count: Int, granularity: Int, thread t: Int, of n: Int) -> Range<Int> {
        let units = (count + granularity - 1) / granularity
        let lo = min(count, units * t / n * granularity)
        let hi = min(count, units * (t + 1) / n * granularity)
        return lo..<max(lo, hi)
    }
}

private final class WorkerContext {
    let state: PoolState
    let index: Int
    init(state: PoolState, index: Int) { self.state = state; self.index = index }
}

/// The state shared by a pool and its workers (which outlive no pool: the pool joins them on deinit).
private final class PoolState: @unchecked Sendable {
    let generation = Atomic<Int>(0)
    let remaining = Atomic<Int>(0)
    let stopping = Atomic<Bool>(false)
    let sleepers = Atomic<Int>(0)
    var mutex = pthread_mutex_t()
    var cond = pthread_cond_t()
    // Written by the caller before the generation bump, read by workers after it (the atomic orders it).
    nonisolated(unsafe) var body: ((Int) -> Void)?

    /// Spin iterations before a worker parks (about a millisecond).
    static let spinLimit = 100_000
    /// Spin iterations before a waiting thread starts yielding its core on each further iteration.
    static let yieldAfter = 2_000
    /// A yield counts as this many spins towards `spinLimit` (a system call takes about as long), so a worker
    /// still parks after about a millisecond.
    static let yieldWeight = 40

    init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&cond, nil)
    }

    deinit {
        pthread_cond_destroy(&cond)
        pthread_mutex_destroy(&mutex)
    }

    func dispatch(workers: Int, _ work: @escaping (Int) -> Void) {
        body = work
        remaining.store(workers, ordering: .sequentiallyConsistent)
        bump()
        work(0)
        var spins = 0
        while remaining.load(ordering: .acquiring) > 0 {
            spins += 1
            if spins > Self.yieldAfter { sched_yield() }
        }
        body = nil
    }

    func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        bump()
    }

    private func bump() {
        generation.wrappingAdd(1, ordering: .sequentiallyConsistent)
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            pthread_mutex_lock(&mutex)
            pthread_cond_broadcast(&cond)
            pthread_mutex_unlock(&mutex)
        }
    }

    /// Workers start before any dispatch, at generation 0: reading the counter here instead could miss a
    /// dispatch made before the thread got to run.
    func workerLoop(index: Int) {
        var seen = 0
        while true {
            var spins = 0
            var current = generation.load(ordering: .acquiring)
            while current == seen {
                spins += 1
                if spins > Self.yieldAfter {
                    sched_yield()
                    spins += Self.yieldWeight
                }
                if spins >= Self.spinLimit {
                    pthread_mutex_lock(&mutex)
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    while generation.load(ordering: .sequentiallyConsistent) == seen {
                        pthread_cond_wait(&cond, &mutex)
                    }
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    pthread_mutex_unlock(&mutex)
                    spins = 0
                }
                current = generation.load(ordering: .acquiring)
            }
            seen = current
            if stopping.load(ordering: .acquiring) { return }
            if let body { body(index) }
            remaining.subtract(1, ordering: .releasing)
        }
    }
}
