import Foundation
import Sweeps
import Synchronization

/// A ledger in memory, for tests and the throughput benchmark.
public final class InMemoryLedger: TaskLedger, Sendable {
    private struct State {
        var tasks: [ScheduledTask]
        var done: [TaskKey: FinishedTask] = [:]
        var failed: [TaskKey: FailedTask] = [:]
        var commits = 0
        var duplicateCommits = 0
        var live: LiveState?
    }

    // Tests read the ledger from other threads while the coordinator writes it.
    private let state: Mutex<State>

    /// A ledger holding `tasks`, none done.
    /// - Parameter tasks: the sweep's tasks.
    public init(tasks: [ScheduledTask]) { state = Mutex(State(tasks: tasks)) }

    /// See `TaskLedger.pendingTasks()`.
    public func pendingTasks() throws -> [ScheduledTask] {
        state.withLock { s in s.tasks.filter { s.done[$0.key] == nil && s.failed[$0.key] == nil } }
    }

    /// See `TaskLedger.doneCount()`.
    public func doneCount() throws -> Int { state.withLock { $0.done.count } }

    /// See `TaskLedger.commit(_:failed:)`.
    public func commit(_ completed: [FinishedTask], failed newFailed: [FailedTask]) throws {
        state.withLock { s in
            s.commits += 1
            for c in completed {
                if s.done[c.key] != nil { s.duplicateCommits += 1 } else { s.done[c.key] = c }
            }
            for f in newFailed where s.done[f.key] == nil { s.failed[f.key] = f }
        }
    }

    /// See `TaskLedger.publish(_:)`.
    public func publish(_ live: LiveState) throws { state.withLock { $0.live = live } }

    /// Committed results by key.
    public var completed: [TaskKey: FinishedTask] { state.withLock { $0.done } }
    /// Failed tasks by key.
    public var failures: [TaskKey: FailedTask] { state.withLock { $0.failed } }
    /// Number of commit transactions.
    public var commitCount: Int { state.withLock { $0.commits } }
    /// Results committed for a key that was already done (must stay 0).
    public var duplicateCommitCount: Int { state.withLock { $0.duplicateCommits } }
    /// The last published live state.
    public var lastState: LiveState? { state.withLock { $0.live } }
}
