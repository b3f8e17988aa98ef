import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Commits results to the ledger on a thread of its own, so the coordinator's socket thread keeps
/// serving workers while SQLite writes; acknowledgements come back only after each commit.
///
/// Submissions are committed in order; whatever has piled up while a commit ran is merged into the
/// next transaction, so batches grow by themselves when the store is the bottleneck.
final class CommitPipeline: @unchecked Sendable {
    // Safe: the ledger is used only by the commit thread after `init` hands it over (thread start is
    // a full barrier, and the creating thread never touches it again); every other mutable member is
    // guarded by `condition`; the wake pipe's read/write are thread-safe system calls.
    private let ledger: TaskLedger
    private let condition = NSCondition()
    private var queue: [Submission] = []
    private var committed: [[PeerID: UInt64]] = []
    private var pendingState: LiveState?
    private var failure: Error?
    private var closing = false
    private var busy = false
    private let finished = DispatchSemaphore(value: 0)
    /// Readable when acknowledgements are ready.
    let wakeFD: Int32
    private let wakeWriteFD: Int32

    struct Submission {
        var completed: [FinishedTask]
        var failed: [FailedTask]
        var acks: [PeerID: UInt64]
    }

    /// Takes over `ledger` and starts the commit thread.
    init(ledger: TaskLedger) throws {
        self.ledger = ledger
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw CoordinatorError("pipe failed: errno \(errno)") }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        wakeFD = fds[0]
        wakeWriteFD = fds[1]
        let t = Thread { [self] in
            self.loop()
            self.finished.signal()
        }
        t.name = "dmfsweep-commit"
        t.start()
    }

    deinit {
        close(wakeFD)
        close(wakeWriteFD)
    }

    /// Queues results, failures and the acknowledgements to send once they are committed.
    func submit(completed: [FinishedTask], failed: [FailedTask], acks: [PeerID: UInt64]) {
        condition.withLock {
            queue.append(Submission(completed: completed, failed: failed, acks: acks))
            condition.signal()
        }
    }

    /// Asks for the live state to be written with the next commit (the latest one wins).
    func publish(_ state: LiveState) {
        condition.withLock {
            pendingState = state
            condition.signal()
        }
    }

    /// Acknowledgements whose results are committed, oldest first.
    /// - Throws: the ledger's error if a commit failed (nothing after it is acknowledged).
    func takeCommitted() throws -> [[PeerID: UInt64]] {
        var sink = [UInt8](repeating: 0, count: 256)
        while read(wakeFD, &sink, sink.count) > 0 {}
        return try condition.withLock {
            if let failure { throw failure }
            let c = committed
            committed.removeAll()
            return c
        }
    }

    /// Waits until everything submitted so far is committed (or a commit failed).
    func flush() {
        condition.withLock {
            while (!queue.isEmpty || busy) && failure == nil { condition.wait() }
        }
    }

    /// Whether submissions are still waiting or being committed.
    var isIdle: Bool { condition.withLock { queue.isEmpty && !busy } }

    /// Commits everything submitted, writes `state`, stops the thread and returns the remaining
    /// acknowledgements.
    /// - Throws: the ledger's error.
    func finish(state: LiveState?) throws -> [[PeerID: UInt64]] {
        condition.withLock {
            if let state { pendingState = state }
            closing = true
            condition.signal()
        }
        finished.wait()
        return try takeCommitted()
    }

    private func loop() {
        while true {
            condition.lock()
            while queue.isEmpty && pendingState == nil && !closing { condition.wait() }
            let work = queue
            queue.removeAll()
            let state = pendingState
            pendingState = nil
            let stop = closing && work.isEmpty && state == nil
            let failed = failure != nil
            busy = !work.isEmpty
            condition.unlock()
            if stop { return }
            if failed { continue }
            do {
                let completed = work.flatMap(\.completed)
                let failures = work.flatMap(\.failed)
                if !completed.isEmpty || !failures.isEmpty { try ledger.commit(completed, failed: failures) }
                if let state { try? ledger.publish(state) }
                condition.withLock {
                    committed.append(contentsOf: work.map(\.acks).filter { !$0.isEmpty })
                    busy = false
                    condition.broadcast()
                }
            } catch {
                condition.withLock {
                    failure = error
                    busy = false
                    condition.broadcast()
                }
            }
            var one: UInt8 = 1
            _ = write(wakeWriteFD, &one, 1)
        }
    }
}
