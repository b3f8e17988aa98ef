import Factorization
import Foundation
import SummaryStore
import Sweeps

/// What the coordinator commits in one transaction: state changes first (in order), then results
/// and failures.
public struct LedgerBatch: Sendable, Hashable {
    /// Starts and releases, in the order they happened.
    public var marks: [TaskMark]
    /// Results.
    public var completed: [CompletedTask]
    /// Tasks given up on.
    public var failed: [TaskFailure]

    /// Creates a value from its members (see the properties).
    public init(marks: [TaskMark] = [], completed: [CompletedTask] = [], failed: [TaskFailure] = []) {
        self.marks = marks
        self.completed = completed
        self.failed = failed
    }

    /// Whether there is nothing to commit.
    public var isEmpty: Bool { marks.isEmpty && completed.isEmpty && failed.isEmpty }
}

/// What the coordinator needs from the store (the single source of truth).
///
/// Used only on the coordinator's thread. The real implementation adapts `SummaryStore`;
/// `InMemoryLedger` serves tests and benchmarks.
public protocol TaskLedger: AnyObject {
    /// The tasks still to run: not done, and not failed unless failed tasks are retried.
    /// - Throws: store errors.
    func pendingTasks() throws -> [ScheduledTask]
    /// How many tasks of the sweep are already done (for progress).
    func doneCount() throws -> Int
    /// Commits state changes, results and failures in one transaction; idempotent by key (a key
    /// already done is left alone). Only after it returns are the results acknowledged to workers.
    /// - Throws: store errors (the coordinator then stops: nothing unacknowledged is lost).
    func commit(_ batch: LedgerBatch) throws
    /// Publishes the live state for `status` (best effort).
    func publish(_ state: LiveState) throws
    /// Keeps the store's files bounded while it is written (an SQLite WAL checkpoint); called by
    /// the commit thread when it is idle, and with `final` once at the end of a run.
    /// - Throws: store errors.
    func checkpoint(final: Bool) throws
}

extension TaskLedger {
    /// Nothing to keep bounded (an in-memory ledger).
    public func checkpoint(final: Bool) throws {}
}
