import Factorization
import Foundation
import Sweeps

/// A result the coordinator commits: the task's key, what it produced, and the worker's timing.
public struct FinishedTask: Sendable, Hashable {
    /// The task's stable key.
    public var key: TaskKey
    /// What the simulation produced.
    public var result: SimulationResult
    /// Worker-side seconds.
    public var seconds: Double
    /// The worker that computed it.
    public var workerID: String

    /// Creates a value from its members (see the properties).
    public init(key: TaskKey, result: SimulationResult, seconds: Double, workerID: String) {
        self.key = key
        self.result = result
        self.seconds = seconds
        self.workerID = workerID
    }
}

/// A task given up on after its attempts.
public struct FailedTask: Sendable, Hashable {
    /// The task's stable key.
    public var key: TaskKey
    /// The last attempt's error.
    public var error: String
    /// Confirmed failed attempts.
    public var attempts: Int

    /// Creates a value from its members (see the properties).
    public init(key: TaskKey, error: String, attempts: Int) {
        self.key = key
        self.error = error
        self.attempts = attempts
    }
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
    /// Commits results and failures in one transaction; idempotent by key (a key already done is
    /// left alone). Only after it returns are the results acknowledged to workers.
    /// - Throws: store errors (the coordinator then stops: nothing unacknowledged is lost).
    func commit(_ completed: [FinishedTask], failed: [FailedTask]) throws
    /// Publishes the live state for `status` (best effort).
    func publish(_ state: LiveState) throws
}
