import Factorization
import Sweeps

/// What the scheduler asks its owner (the coordinator) to do.
public enum SchedulerAction: Sendable, Hashable {
    /// Send a message to a worker.
    case send(PeerID, WireMessage)
    /// Store this result (the task is now done; commit, then acknowledge).
    case record(key: TaskKey, result: SimulationResult, seconds: Double)
    /// Mark the task failed in the store (`attempts`: the scheduler's confirmed failed attempts).
    case fail(key: TaskKey, error: String, attempts: Int)
    /// The worker `peer` started the task `secondsAgo` seconds ago (its first `started` for this
    /// lease, or the result of a lease it did not announce): record it running.
    case started(key: TaskKey, peer: PeerID, secondsAgo: Double)
    /// A reconnecting worker runs the task (from an earlier coordinator session) and it is leased
    /// to it: record it running again, but not as a new attempt.
    case adopted(key: TaskKey, peer: PeerID)
    /// The task's lease ended without a result and it is queued again: record it pending.
    case released(key: TaskKey)
    /// Something worth a log line.
    case log(SchedulerEvent)
}

/// Notable scheduler events, for logs and tests.
public enum SchedulerEvent: Sendable, Hashable, CustomStringConvertible {
    /// Said hello and was welcomed.
    case workerJoined(PeerID, workerID: String, host: String, jobs: Int)
    /// Declared dead (silent too long); its tasks were re-queued.
    case workerLost(PeerID, workerID: String, reason: String, requeued: Int)
    /// Left on its own (bye, or a new hello); its unfinished tasks were re-queued.
    case workerLeft(PeerID, workerID: String, reason: String, requeued: Int)
    /// An attempt failed (error, worker death, timeout); the task is queued again.
    case taskRetried(TaskKey, attempt: Int, error: String)
    /// The last allowed attempt failed; the task is given up on.
    case taskFailed(TaskKey, attempts: Int, error: String)
    /// A reconnecting worker runs these tasks (from an earlier session): they are leased to it.
    case tasksAdopted(PeerID, workerID: String, keys: [TaskKey])
    /// The owner went `seconds` without an event (it was blocked, paused or starved of CPU);
    /// `excused` of them (beyond half the liveness window) do not count as any worker's silence.
    case ownerAway(seconds: Double, excused: Double)

    /// One line for the log.
    public var description: String {
        switch self {
        case .workerJoined(_, let id, let host, let jobs): return "worker \(id) joined from \(host) (jobs \(jobs))"
        case .workerLost(_, let id, let reason, let n): return "worker \(id) lost (\(reason)); \(n) task(s) re-queued"
        case .workerLeft(_, let id, let reason, let n):
            return "worker \(id) left (\(reason))" + (n > 0 ? "; \(n) task(s) re-queued" : "")
        case .taskRetried(let k, let a, let e): return "task \(k.short) attempt \(a) failed: \(e); retrying"
        case .taskFailed(let k, let a, let e): return "task \(k.short) failed after \(a) attempt(s): \(e)"
        case .tasksAdopted(_, let id, let keys):
            return "worker \(id) is running \(keys.count) task(s) from an earlier session; leased to it (adopted)"
        case .ownerAway(let seconds, let excused):
            return "the coordinator heard nothing for \((seconds * 10).rounded() / 10) s (blocked, paused or short of "
                + "CPU); \((excused * 10).rounded() / 10) s of it do not count as workers' silence"
        }
    }
}
