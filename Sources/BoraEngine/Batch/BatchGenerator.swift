import BoraModels
import Foundation

/// Continuous batching: several generations share one decoder, and every forward step decodes the next
/// token of all of them at once, so each weight read serves every sequence. A new request joins between
/// steps: its prompt is evaluated inside the following steps, in pieces that fill the step up to the
/// session's batch size next to the other sequences' tokens (as llama.cpp's server mixes prompt and decode
/// tokens), so the others keep decoding meanwhile; then it decodes with them. (Models with a sliding window
/// shorter than the context evaluate a joining prompt on its own between steps.) A finished or cancelled
/// one leaves between steps and frees its cache for the next.
///
/// A freed cache remembers the tokens it holds. A new request takes the free cache that shares the longest
/// prefix with its prompt and evaluates only the rest (a chat's next turn repeats the whole conversation so
/// far: only the new messages are evaluated), as llama.cpp's server does with `cache_prompt`. Beyond the
/// caches of the running sequences, finished ones stay parked in host RAM up to `cacheRAM` bytes (least
/// recently used evicted first), so conversations that take turns on one slot, agents that branch and clients
/// sharing a system prompt each find their prefix (llama-server's `--cache-ram`).
///
/// The model runs on one dedicated thread; `submit` only queues. `onPiece` and `onDone` are called on that
/// thread or, for `onPiece`, on one of the model's worker threads (rows of a step sample in parallel; the
/// calls of one generation never overlap and come in order). Both must return quickly (hand the text to a
/// stream).
public final class BatchGenerator: @unchecked Sendable {
    public let loaded: LoadedModel
    /// Sequences decoded together at most (one KV cache each).
    public let capacity: Int
    /// Context window of each sequence, in tokens.
    public let contextLength: Int

    public typealias PieceHandler = @Sendable (_ text: String, _ token: Int, _ logprob: TokenLogprob?) -> GenerationControl
    public typealias DoneHandler = @Sendable (Result<SteeredGenerationResult, EngineError>) -> Void

    private let session: DecoderSession
    /// The cache `perform` work gets.
    private let choreCache: KVCache
    private let lock = NSLock()
    // Guarded by `lock`.
    private var pending: [BatchJob] = []
    private var chores: [@Sendable (DecoderSession) -> Void] = []
    /// Free caches, least recently used first.
    private var idleCaches: [KVCache]
    /// The tokens each idle cache holds (by cache identity), for prefix reuse.
    private var cachedTokens: [ObjectIdentifier: [Int]] = [:]
    /// The most positions each cache has held (its resident memory: pages once touched stay).
    private var peakPositions: [ObjectIdentifier: Int] = [:]
    /// Sequences running (each holds a cache).
    private var running = 0
    /// Bytes the free caches may hold (beyond the one per running sequence that is always kept).
    public let cacheRAM: Int
    private var stopping = false
    private var loopRunning = false

    /// - Parameters:
    ///   - sequences: generations decoded together at most; more wait in line.
    ///   - threads: threads of the matrix products (shared by all sequences).
    ///   - cacheType: the element type of the sequences' KV caches.
    ///   - cacheRAM: bytes of KV the free caches may keep for prefix reuse (0: only the `sequences` caches).
    public init(loaded: LoadedModel, contextLength: Int, sequences: Int, threads: Int, cacheType: KVCacheType = .f16,
                cacheRAM: Int = 0) {
        self.cacheRAM = max(0, cacheRAM)
        self.loaded = loaded
        self.contextLength = max(1, contextLength)
        capacity = max(1, sequences)
        let session = DecoderSession(model: loaded.model, contextLength: self.contextLength, threads: threads,
                                     maxBatch: max(32, capacity), cacheType: cacheType)
        self.session = session
        choreCache = session.makeCache()
        idleCaches = (0..<capacity).map { _ in session.makeCache() }
    }

    deinit { shutdown() }

    /// Queues a generation, constrained to a grammar when `constraint` is set (the job owns it from here on;
    /// with `thinking`, the answer after the thought), with a run-time LoRA `adapter` if given (rows of one
    /// step may use different adapters). `forced`: tokens emitted first whatever the logits (tests).
    /// Parameter and context-window errors are thrown here; errors of the run itself reach `onDone`. The text arrives in `onPiece` (which steers, as in `Generator.generate`), the result
    /// in `onDone`, exactly once.
    public func submit(prompt: [Int], maxTokens: Int, sampling: SamplingParameters, constraint: TokenConstraint? = nil,
                       adapter: ScaledAdapter? = nil, thinking: ThinkingControl? = nil, forced: [Int] = [],
                       onPiece: @escaping PieceHandler, onDone: @escaping DoneHandler) throws(EngineError) {
        let state = try SequenceState(loaded: loaded, prompt: prompt, maxTokens: maxTokens, sampling: sampling,
                                      capacity: contextLength, constraint: constraint, thinking: thinking, forced: forced)
        let job = BatchJob(state: state, onPiece: onPiece, onDone: onDone)
        job.adapter = adapter
        lock.lock()
        defer { lock.unlock() }
        guard !stopping else {
            job.onDone(.failure(.invalidParameter("the generator is shutting down")))
            return
        }
        pending.append(job)
        startLoopIfNeeded()
    }

    /// Runs `work` on the decoding thread between two steps, with the session bound to a cache of its own
    /// (empty at the start: `work` may fill and reset it). For whole-input evaluations such as embeddings.
    public func perform(_ work: @escaping @Sendable (DecoderSession) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        chores.append(work)
        startLoopIfNeeded()
    }

    /// Starts the decoding thread unless it runs. Call with `lock` held.
    private func startLoopIfNeeded() {
        guard !loopRunning else { return }
        loopRunning = true
        let thread = Thread { [self] in loop() }
        thread.name = "bora.batch"
        thread.qualityOfService = .userInitiated
        thread.start()
    }

    /// Generations queued or running, for metrics.
    public var load: (queued: Int, running: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (pending.count, running)
    }

    /// The free caches that hold tokens for reuse, and the bytes they hold (by the most positions each has
    /// held), for metrics.
    public var parked: (entries: Int, bytes: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (idleCaches.filter { cachedTokens[ObjectIdentifier($0)] != nil }.count, parkedBytes())
    }

    /// Bytes the free caches hold. Call with `lock` held.
    private func parkedBytes() -> Int {
        idleCaches.reduce(0) { $0 + $1.bytes(forPositions: peakPositions[ObjectIdentifier($1)] ?? 0) }
    }

    /// Stops the decoding thread after the current step; queued and running generations end cancelled
    /// (queued `perform` work still runs).
    public func shutdown() {
        lock.lock()
        stopping = true
        lock.unlock()
    }

    /// The decoding thread: admit waiting jobs while caches are free, then one batched step. Exits when
    /// there is nothing to do; the next `submit` starts it again.
    private func loop() {
        var active: [BatchJob] = []
        while true {
            lock.lock()
            if pending.isEmpty && active.isEmpty && chores.isEmpty && !stopping {
                loopRunning = false
                lock.unlock()
                return
            }
            if stopping {
                let left = pending + active, work = chores
                pending.removeAll()
                chores.removeAll()
                loopRunning = false
                lock.unlock()
                for job in left { job.cancel() }
                run(work)
                return
            }
            var joining: [(BatchJob, KVCache)] = []
            while !pending.isEmpty, running < capacity {
                let job = pending.removeFirst()
                running += 1
                let (cache, reuse) = takeCache(for: job.state.prompt)
                job.reused = reuse
                joining.append((job, cache))
            }
            let work = chores
            chores.removeAll()
            lock.unlock()

            run(work)

            for (job, cache) in joining {
                job.cache = cache
                if join(job) { active.append(job) } else { retire(job) }
            }
            guard !active.isEmpty else { continue }
            step(&active)
        }
    }

    /// Takes the idle cache sharing the longest prefix with `prompt` (at most all but its last token, whose
    /// logits the prefill must compute), and that prefix's length. Without a shared prefix: a cache that holds
    /// nothing, a new one while fewer caches than sequences exist or the parked ones fit `cacheRAM`, else the
    /// least recently used. Call with `lock` held.
    private func takeCache(for prompt: [Int]) -> (KVCache, Int) {
        var best: Int?, bestLength = 0
        for (i, cache) in idleCaches.enumerated() {
            guard let held = cachedTokens[ObjectIdentifier(cache)] else { continue }
            let n = Generator.reusablePrefix(held: held, prompt: prompt)
            if n > bestLength { (best, bestLength) = (i, n) }
        }
        let roomForAnother = idleCaches.isEmpty || running + idleCaches.count <= capacity || parkedBytes() < cacheRAM
        if let b = best, let held = cachedTokens[ObjectIdentifier(idleCaches[b])], held.count > bestLength + 1, roomForAnother {
            // Only part of what that cache holds is shared (a system prompt, an earlier turn of a branch): copy
            // the shared prefix into a cache of its own and keep the longer one parked for its conversation.
            let source = idleCaches[b]
            let fresh = idleCaches.firstIndex(where: { cachedTokens[ObjectIdentifier($0)] == nil }).map { idleCaches.remove(at: $0) }
                ?? session.makeCache()
            guard fresh.copyPrefix(of: source, count: bestLength) else {
                fresh.reset()
                return (fresh, 0)
            }
            // The source was used just now: it moves to the most recently used end.
            if let i = idleCaches.firstIndex(where: { $0 === source }) { idleCaches.append(idleCaches.remove(at: i)) }
            return (fresh, bestLength)
        }
        if best == nil {
            if let empty = idleCaches.firstIndex(where: { cachedTokens[ObjectIdentifier($0)] == nil }) {
                best = empty
            } else if roomForAnother {
                return (session.makeCache(), 0)
            }
        }
        let cache = idleCaches.remove(at: best ?? 0)
        cachedTokens[ObjectIdentifier(cache)] = nil
        return (cache, bestLength)
    }

    /// Drops the least recently used free caches while they hold more than `cacheRAM` bytes, keeping one per
    /// sequence slot. Call with `lock` held.
    private func evictParked() {
        while idleCaches.count + running > capacity, !idleCaches.isEmpty, parkedBytes() > cacheRAM {
            let cache = idleCaches.removeFirst()
            cachedTokens[ObjectIdentifier(cache)] = nil
            peakPositions[ObjectIdentifier(cache)] = nil
        }
    }

    /// Runs `perform` work with the session bound to the chores' cache (it cannot fail: that cache was
    /// made by this session).
    private func run(_ chores: [@Sendable (DecoderSession) -> Void]) {
        for chore in chores { _ = try? session.using(choreCache) { chore(session) } }
    }

    /// Readies a joining job: its cache keeps the prefix it shares with the prompt (not with an adapter),
    /// and the rest of the prompt waits to be evaluated in the next steps (`step`). A model whose sliding
    /// window is shorter than the context evaluates it here at once (a piece of several tokens could wrap the
    /// rolling buffer). False when the job has already ended.
    private func join(_ job: BatchJob) -> Bool {
        guard let cache = job.cache else { return false }
        let prompt = job.state.prompt
        if job.reused == 0 || job.adapter != nil || !cache.truncate(to: job.reused) {
            job.reused = 0
            cache.reset()
        }
        job.state.started = Clock.now()
        job.state.cachedPromptTokens = job.reused
        job.fed = Array(prompt[..<job.reused])
        job.unevaluated = Array(prompt[job.reused...])
        guard cache.slots.contains(where: { $0 < cache.contextLength }) else { return true }
        return prefill(job)
    }

    /// Evaluates the rest of the job's prompt at once and picks its first token; false when it has ended.
    private func prefill(_ job: BatchJob) -> Bool {
        guard let cache = job.cache else { return false }
        let rest = job.unevaluated
        job.unevaluated = []
        job.fed += rest
        do {
            session.adapter = job.adapter
            defer { session.adapter = nil }
            let logits = try session.using(cache) { try session.next(rest) }
            job.state.prefilled = Clock.now()
            job.next = try logits.withUnsafeBufferPointer { (row) throws(EngineError) in try job.state.advance(row, onPiece: job.onPiece) }
        } catch {
            job.failure = (error as? EngineError) ?? Self.wrap(error)
            return false
        }
        return job.next != nil
    }

    /// One forward step over every active job: the next token of each decoding job, and a piece of each
    /// joining job's prompt in the room left (up to the session's batch size); the ones that end leave.
    private func step(_ active: inout [BatchJob]) {
        var room = session.maxBatch - active.filter { $0.unevaluated.isEmpty }.count
        var inputs: [[Int]] = [], stepping: [BatchJob] = [], completes: [Bool] = []
        for job in active {
            if job.unevaluated.isEmpty {
                inputs.append([job.next ?? 0])
                completes.append(true)
            } else {
                guard room > 0 else { continue }
                let piece = Array(job.unevaluated.prefix(room))
                room -= piece.count
                inputs.append(piece)
                completes.append(piece.count == job.unevaluated.count)
            }
            stepping.append(job)
        }
        for (job, input) in zip(stepping, inputs) { job.fed += input }
        do {
            // Rows sample in parallel: each job is touched by one thread, and its handlers tolerate any thread.
            try session.step(inputs, caches: stepping.compactMap(\.cache), wantLogits: completes, adapters: stepping.map(\.adapter),
                             concurrently: true) { i, row in
                let job = stepping[i]
                if !job.unevaluated.isEmpty {
                    job.unevaluated = []
                    job.state.prefilled = Clock.now()
                }
                job.next = try job.state.advance(row, onPiece: job.onPiece)
            }
        } catch {
            let failure = (error as? EngineError) ?? Self.wrap(error)
            for job in active where job.failure == nil { job.failure = failure }
            active.forEach(retire)
            active.removeAll()
            return
        }
        for (job, (input, done)) in zip(stepping, zip(inputs, completes)) where !done {
            job.unevaluated.removeFirst(input.count)
        }
        let (ended, live) = (active.filter { $0.unevaluated.isEmpty && $0.next == nil }, active.filter { !$0.unevaluated.isEmpty || $0.next != nil })
        active = live
        ended.forEach(retire)
    }

    /// Frees the job's cache, then reports its result (so a slot released on the report finds a cache).
    private func retire(_ job: BatchJob) {
        if let cache = job.cache {
            lock.lock()
            idleCaches.append(cache)
            running -= 1
            // What the cache holds, unless a failure left it in doubt or an adapter changed its keys.
            let trusted = job.failure == nil && job.adapter == nil && job.fed.count == cache.count
            cachedTokens[ObjectIdentifier(cache)] = trusted ? job.fed : nil
            let id = ObjectIdentifier(cache)
            peakPositions[id] = max(peakPositions[id] ?? 0, cache.count, job.fed.count)
            evictParked()
            lock.unlock()
            job.cache = nil
        }
        if let failure = job.failure {
            job.onDone(.failure(failure))
        } else {
            job.onDone(.success(job.state.finish(onPiece: job.onPiece)))
        }
    }

    private static func wrap(_ error: any Error) -> EngineError {
        if let e = error as? ModelError { return .model(e) }
        return .invalidParameter("\(error)")
    }
}

/// One generation in a `BatchGenerator`: its sampling and text state, its cache while it runs, and the
/// token it feeds to the next step. Touched only by the decoding thread once queued.
final class BatchJob {
    var state: SequenceState
    let onPiece: BatchGenerator.PieceHandler
    let onDone: BatchGenerator.DoneHandler
    var cache: KVCache?
    /// The LoRA adapter this generation runs with (unmerged), if any.
    var adapter: ScaledAdapter?
    var next: Int?
    /// Prompt tokens still to evaluate (in the next steps); empty once the job decodes.
    var unevaluated: [Int] = []
    var failure: EngineError?
    /// Leading prompt tokens found in the cache it was given (not evaluated again).
    var reused = 0
    /// Every token evaluated into its cache so far (the prompt, then each step's input).
    var fed: [Int] = []

    init(state: SequenceState, onPiece: @escaping BatchGenerator.PieceHandler, onDone: @escaping BatchGenerator.DoneHandler) {
        self.state = state
        self.onPiece = onPiece
        self.onDone = onDone
    }

    /// Ends the job as cancelled (shutdown).
    func cancel() {
        onDone(.success(SteeredGenerationResult(result: state.finish(onPiece: { _, _, _ in .cancel }).result, cancelled: true)))
    }
}
