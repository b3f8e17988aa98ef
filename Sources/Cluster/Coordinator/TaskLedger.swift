import Factorization
import Foundation
import Sweeps

/// A result the coordinator commits: the task's key, what it produced, and the worker's timing.
public struct FinishedTask: Sendable, Hashable {
    public var key: TaskKey
    public var result: SimulationResult
    /// Worker-side seconds.
    public var seconds: Double
    /// The worker that computed it.
    public var workerID: String

    public init(key: TaskKey, result: SimulationResult, seconds: Double, workerID: String) {
        self.key = key
        self.result = result
        self.seconds = seconds
        self.workerID = workerID
    }
}

/// A task given up on after its attempts.
public struct FailedTask: Sendable, Hashable {
    public var key: TaskKey
    public var error: String
    public var attempts: Int

    public init(key: TaskKey, error: String, attempts: Int) {
        self.key = key
        self.error = error
        self.attempts = attempts
    }
}

/// The live state the coordinator publishes for `dmfsweep status`.
public struct LiveState: Sendable, Hashable, Codable {
    /// When it was written (seconds since 1970).
    public var updatedAt: Double
    /// When the coordinator started (seconds since 1970).
    public var startedAt: Double
    /// The coordinator's endpoint.
    public var endpoint: String
    /// Coordinator process id and host.
    public var pid: Int
    public var host: String
    /// `running`, `stopping`, `finished`, `interrupted`.
    public var phase: String
    /// Scheduler counters and connected workers.
    public var scheduler: SchedulerSnapshot
    /// Tasks that were already done in the store when this coordinator started.
    public var doneBefore: Int
    /// Results per second over the last few seconds.
    public var rate: Double
    /// Seconds to go at that rate, if known.
    public var eta: Double?
    /// Dropped malformed messages by reason (`truncated`, `version`, …).
    public var badMessages: [String: Int]

    public var badMessageTotal: Int { badMessages.values.reduce(0, +) }
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

/// A ledger in memory, for tests and the throughput benchmark.
public final class InMemoryLedger: TaskLedger, @unchecked Sendable {
    // Safe: every member is guarded by `lock` (tests read it from other threads).
    private let lock = NSLock()
    private var tasks: [ScheduledTask]
    private var done: [TaskKey: FinishedTask] = [:]
    private var failed: [TaskKey: FailedTask] = [:]
    private var commits = 0
    private var duplicateCommits = 0
    private var state: LiveState?

    /// A ledger holding `tasks`, none done.
    public init(tasks: [ScheduledTask]) { self.tasks = tasks }

    public func pendingTasks() throws -> [ScheduledTask] {
        lock.withLock { tasks.filter { done[$0.key] == nil && failed[$0.key] == nil } }
    }

    public func doneCount() throws -> Int { lock.withLock { done.count } }

    public func commit(_ completed: [FinishedTask], failed newFailed: [FailedTask]) throws {
        lock.withLock {
            commits += 1
            for c in completed {
                if done[c.key] != nil { duplicateCommits += 1 } else { done[c.key] = c }
            }
            for f in newFailed where done[f.key] == nil { failed[f.key] = f }
        }
    }

    public func publish(_ state: LiveState) throws { lock.withLock { self.state = state } }

    /// Committed results by key.
    public var completed: [TaskKey: FinishedTask] { lock.withLock { done } }
    /// Failed tasks by key.
    public var failures: [TaskKey: FailedTask] { lock.withLock { failed } }
    /// Number of commit transactions.
    public var commitCount: Int { lock.withLock { commits } }
    /// Results committed for a key that was already done (must stay 0).
    public var duplicateCommitCount: Int { lock.withLock { duplicateCommits } }
    /// The last published live state.
    public var lastState: LiveState? { lock.withLock { state } }
}
