import Foundation

/// Commits results to the ledger on a thread of its own, so the coordinator's socket thread keeps
/// serving workers while SQLite writes; acknowledgements come back only after each commit.
///
/// Submissions are committed in order; what has piled up while a commit ran is merged into the
/// next transaction, whole submissions until it holds `transactionSize` marks, results and
/// failures, so batches grow by themselves when the store is the bottleneck, and stay bounded
/// (the coordinator submits a full batch at once and holds dispatch while too many wait:
/// `CoordinatorOptions.maximumBacklog`).
final class CommitPipeline: @unchecked Sendable {
    // `@unchecked` only because of `ledger`, which is not `Sendable`: only the commit thread uses
    // it, from `init` (thread start is a full barrier; the coordinator does not touch it meanwhile)
    // until `finish` returns (it waits for the thread to end). All other state is in the monitor.
    private let ledger: TaskLedger
    private let state = Monitor(State())
    private let wake: WakePipe
    private let finished = DispatchSemaphore(value: 0)

    private struct State {
        var queue: [Submission] = []
        var committed: [[PeerID: UInt64]] = []
        var pendingState: LiveState?
        var failure: (any Error)?
        var closing = false
        var busy = false
        /// Results and failures submitted and not yet committed.
        var backlog = 0

        /// Whether the commit thread has something to do (commit, publish, or stop).
        var isActionable: Bool { !queue.isEmpty || pendingState != nil || closing }
        /// Whether everything submitted is committed, or nothing more will be.
        var isSettled: Bool { (queue.isEmpty && !busy) || failure != nil }
    }

    struct Submission {
        var batch: LedgerBatch
        var acks: [PeerID: UInt64]
    }

    /// Seconds between passive WAL checkpoints while commits go on (SQLite's own automatic
    /// checkpoint runs too; this one also runs when the writer is idle).
    static let checkpointInterval = 1.0

    /// A transaction takes queued submissions until it holds this many marks, results and failures.
    private let transactionSize: Int

    /// Readable when acknowledgements are ready: poll it, then `takeCommitted()`.
    var wakeFD: Int32 { wake.fd }

    /// Takes over `ledger` and starts the commit thread.
    /// - Parameters:
    ///   - ledger: the ledger; the caller must not use it until `finish` returns.
    ///   - transactionSize: a transaction takes queued submissions, whole and in order, until it
    ///     holds this many marks, results and failures (at least one submission).
    /// - Throws: `CoordinatorError` if the wake-up pipe cannot be created.
    init(ledger: TaskLedger, transactionSize: Int = 4096) throws {
        self.ledger = ledger
        self.transactionSize = max(1, transactionSize)
        wake = try WakePipe()
        let t = Thread { [self] in
            self.loop()
            self.finished.signal()
        }
        t.name = "dmfsweep-commit"
        t.start()
    }

    /// Queues state changes, results, failures and the acknowledgements to send once they are committed.
    func submit(_ batch: LedgerBatch, acks: [PeerID: UInt64]) {
        state.withLock(wake: .one) {
            $0.queue.append(Submission(batch: batch, acks: acks))
            $0.backlog += batch.completed.count + batch.failed.count
        }
    }

    /// Results and failures submitted and not yet committed (queued, or in the transaction
    /// running now).
    var backlog: Int { state.withLock { $0.backlog } }

    /// Asks for the live state to be written with the next commit (the latest one wins).
    func publish(_ live: LiveState) {
        state.withLock(wake: .one) { $0.pendingState = live }
    }

    /// Acknowledgements whose results are committed, oldest first.
    /// - Throws: the ledger's error if a commit failed (nothing after it is acknowledged).
    func takeCommitted() throws -> [[PeerID: UInt64]] {
        wake.drain()
        return try state.withLock { s in
            if let failure = s.failure { throw failure }
            let c = s.committed
            s.committed.removeAll()
            return c
        }
    }

    /// Waits until everything submitted so far is committed (or a commit failed).
    func flush() {
        state.withLock(waitingUntil: \.isSettled) { _ in }
    }

    /// Whether submissions are still waiting or being committed.
    var isIdle: Bool { state.withLock { $0.queue.isEmpty && !$0.busy } }

    /// Commits everything submitted, writes `state`, stops the thread and returns the remaining
    /// acknowledgements. Idempotent: later calls return what is left without waiting.
    /// - Throws: the ledger's error.
    func finish(state live: LiveState?) throws -> [[PeerID: UInt64]] {
        state.withLock(wake: .one) { s in
            if let live { s.pendingState = live }
            s.closing = true
        }
        finished.wait()
        finished.signal()  // a second `finish` (the coordinator's teardown after an error) returns at once
        return try takeCommitted()
    }

    private func loop() {
        var lastCheckpoint = monotonicSeconds()
        var dirty = false
        while true {
            if dirty && monotonicSeconds() - lastCheckpoint >= Self.checkpointInterval {
                // Best effort: a failing checkpoint loses nothing (the WAL holds the commits).
                try? ledger.checkpoint(final: false)
                lastCheckpoint = monotonicSeconds()
                dirty = false
            }
            let (work, live, stop, failed) = state.withLock(
                waitingUntil: \.isActionable, timeout: dirty ? Self.checkpointInterval : nil
            ) { s in
                // Whole submissions, in order, until the transaction holds `transactionSize`.
                var take = 0
                var tasks = 0
                while take < s.queue.count && (take == 0 || tasks < transactionSize) {
                    let b = s.queue[take].batch
                    tasks += b.marks.count + b.completed.count + b.failed.count
                    take += 1
                }
                let work = Array(s.queue[..<take])
                s.queue.removeFirst(take)
                let live = s.pendingState
                s.pendingState = nil
                s.busy = !work.isEmpty
                return (work, live, s.closing && work.isEmpty && live == nil, s.failure != nil)
            }
            if stop {
                try? ledger.checkpoint(final: true)
                return
            }
            if failed || (work.isEmpty && live == nil) { continue }  // a failure, or a timeout to checkpoint
            do {
                let batch = LedgerBatch(
                    marks: work.flatMap(\.batch.marks), completed: work.flatMap(\.batch.completed),
                    failed: work.flatMap(\.batch.failed))
                if !batch.isEmpty {
                    try ledger.commit(batch)
                    dirty = true
                }
                if let live { try? ledger.publish(live) }
                state.withLock(wake: .all) { s in
                    s.committed.append(contentsOf: work.map(\.acks).filter { !$0.isEmpty })
                    s.backlog -= batch.completed.count + batch.failed.count
                    s.busy = false
                }
            } catch {
                state.withLock(wake: .all) { s in
                    s.failure = error
                    s.busy = false
                }
            }
            wake.signal()
        }
    }
}
