import Foundation
import Sweeps

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
