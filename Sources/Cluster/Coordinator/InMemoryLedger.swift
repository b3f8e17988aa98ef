import Foundation
import SummaryStore
import Sweeps
import Synchronization

/// A ledger in memory, for tests and the throughput benchmark.
public final class InMemoryLedger: TaskLedger, Sendable {
    private struct State {
        var tasks: [ScheduledTask]
        var done: [TaskKey: CompletedTask] = [:]
        var failed: [TaskKey: TaskFailure] = [:]
        var starts: [TaskKey: Int] = [:]
        var running: [TaskKey: TaskStart] = [:]
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
        state.withLock { s in
            s.running.removeAll()
            return s.tasks.filter { s.done[$0.key] == nil && s.failed[$0.key] == nil }
        }
    }

    /// See `TaskLedger.doneCount()`.
    public func doneCount() throws -> Int { state.withLock { $0.done.count } }

    /// See `TaskLedger.commit(_:)`.
    public func commit(_ batch: LedgerBatch) throws {
        state.withLock { s in
            s.commits += 1
            for mark in batch.marks {
                switch mark {
                case .started(let start) where s.done[start.key] == nil && s.failed[start.key] == nil:
                    s.starts[start.key, default: 0] += start.adopted ? 0 : 1
                    s.running[start.key] = start
                case .started: break
                case .released(let key): s.running[key] = nil
                }
            }
            for c in batch.completed {
                if let start = c.start, !start.adopted { s.starts[start.key, default: 0] += 1 }
                s.running[c.key] = nil
                if s.done[c.key] != nil { s.duplicateCommits += 1 } else { s.done[c.key] = c }
            }
            for f in batch.failed where s.done[f.key] == nil {
                if let start = f.start, !start.adopted { s.starts[start.key, default: 0] += 1 }
                s.running[f.key] = nil
                s.failed[f.key] = f
            }
        }
    }

    /// See `TaskLedger.publish(_:)`.
    public func publish(_ live: LiveState) throws { state.withLock { $0.live = live } }

    /// Committed results by key.
    public var completed: [TaskKey: CompletedTask] { state.withLock { $0.done } }
    /// Failed tasks by key.
    public var failures: [TaskKey: TaskFailure] { state.withLock { $0.failed } }
    /// Recorded starts by key (attempts, as the store counts them).
    public var attempts: [TaskKey: Int] { state.withLock { $0.starts } }
    /// Tasks recorded as running now, with their start.
    public var running: [TaskKey: TaskStart] { state.withLock { $0.running } }
    /// Number of commit transactions.
    public var commitCount: Int { state.withLock { $0.commits } }
    /// Results committed for a key that was already done (must stay 0).
    public var duplicateCommitCount: Int { state.withLock { $0.duplicateCommits } }
    /// The last published live state.
    public var lastState: LiveState? { state.withLock { $0.live } }
}
