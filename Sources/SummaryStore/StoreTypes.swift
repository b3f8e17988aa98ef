import Factorization
import Foundation
import Sweeps

/// Where a task stands in the store.
public enum TaskState: String, Sendable, Codable, CaseIterable {
    /// Not run yet (or reset for a retry).
    case pending
    /// Handed to a worker (or the inline runner) and not reported back yet.
    case running
    /// A result is stored.
    case done
    /// The last attempt failed; `error` says why. Reset with `resetFailed`.
    case failed
}

/// What registering a sweep found: how many of its tasks were new to the store, already there,
/// and already done.
public struct SweepRegistration: Sendable, Equatable {
    /// Distinct tasks in the sweep.
    public var total: Int
    /// Tasks the store did not know before.
    public var new: Int
    /// Tasks already in the store (from an earlier registration or another sweep).
    public var existing: Int
    /// Tasks that already have a result.
    public var done: Int
    /// Tasks of the previous registration that this one no longer has (only with `replace`).
    public var dropped: Int = 0

    public init(total: Int, new: Int, existing: Int, done: Int) {
        self.total = total
        self.new = new
        self.existing = existing
        self.done = done
    }
}

/// Task counts by state.
public struct StatusCounts: Sendable, Equatable {
    public var pending = 0
    public var running = 0
    public var done = 0
    public var failed = 0

    public init(pending: Int = 0, running: Int = 0, done: Int = 0, failed: Int = 0) {
        self.pending = pending
        self.running = running
        self.done = done
        self.failed = failed
    }

    /// All tasks.
    public var total: Int { pending + running + done + failed }

    /// Done tasks as a fraction of all tasks (1 for an empty sweep).
    public var progress: Double { total == 0 ? 1 : Double(done) / Double(total) }

    /// The count for one state.
    public subscript(state: TaskState) -> Int {
        get {
            switch state {
            case .pending: return pending
            case .running: return running
            case .done: return done
            case .failed: return failed
            }
        }
        set {
            switch state {
            case .pending: pending = newValue
            case .running: running = newValue
            case .done: done = newValue
            case .failed: failed = newValue
            }
        }
    }
}

/// One sweep in the store, with its progress.
public struct SweepSummary: Sendable, Equatable {
    /// The sweep's name (from its file).
    public var name: String
    /// When it was first registered.
    public var created: Date
    /// Its last activity: the later of its last registration and its last task finishing.
    public var updated: Date
    /// Its tasks by state.
    public var counts: StatusCounts
}

/// One start of a task: which worker ran it, on which host, from when.
///
/// `SummaryStore.markRunning` records it as it happens (state `running`, attempts + 1); a start
/// whose result arrives before the start was recorded travels inside the result instead
/// (`CompletedTask.start`, `TaskFailure.start`), so the attempt is counted once either way.
public struct TaskStart: Sendable, Hashable {
    /// The task's key.
    public var key: TaskKey
    /// The worker running it (`node12-4711`, `inline:host:pid`).
    public var worker: String?
    /// The host the worker runs on.
    public var host: String?
    /// When it started (for an adopted task: when this coordinator learned of it).
    public var started: Date
    /// The task was already running for an earlier coordinator (adopted after a restart): it is
    /// recorded running, but it is not a new attempt.
    public var adopted: Bool

    /// Creates a value from its members (see the properties).
    public init(key: TaskKey, worker: String?, host: String?, started: Date, adopted: Bool = false) {
        self.key = key
        self.worker = worker
        self.host = host
        self.started = started
        self.adopted = adopted
    }

    /// What this start adds to the task's attempts.
    var attemptIncrement: Int { adopted ? 0 : 1 }
    /// The start time to record: none for an adopted task (it keeps its attempt's).
    var recordedStart: DatabaseValue { adopted ? .null : .real(started.timeIntervalSince1970) }
}

/// A finished task to record: its result, and who computed it.
///
/// The one type for a result on its way from the runner (inline or a cluster worker) to the store.
public struct CompletedTask: Sendable, Hashable {
    /// The task's key (must be registered).
    public var key: TaskKey
    /// What the run produced.
    public var result: SimulationResult
    /// Who ran it, if known.
    public var worker: String?
    /// The host it ran on, if known.
    public var host: String?
    /// This attempt's start when it was not recorded by `markRunning` (then recording the result
    /// also counts the attempt); `nil` when the start is already in the store or unknown.
    public var start: TaskStart?

    /// Creates a value from its members (see the properties).
    public init(
        key: TaskKey, result: SimulationResult, worker: String? = nil, host: String? = nil, start: TaskStart? = nil
    ) {
        self.key = key
        self.result = result
        self.worker = worker ?? start?.worker
        self.host = host ?? start?.host
        self.start = start
    }
}

/// A failed attempt to record: the error, and who ran it.
///
/// The one type for a failure on its way from the runner (inline or the scheduler) to the store.
public struct TaskFailure: Sendable, Hashable {
    /// The task's key.
    public var key: TaskKey
    /// Why it failed (one line).
    public var error: String
    /// Who ran it, if known.
    public var worker: String?
    /// The host it ran on, if known.
    public var host: String?
    /// This attempt's start when it was not recorded by `markRunning` (see `CompletedTask.start`).
    public var start: TaskStart?

    /// Creates a value from its members (see the properties).
    public init(key: TaskKey, error: String, worker: String? = nil, host: String? = nil, start: TaskStart? = nil) {
        self.key = key
        self.error = error
        self.worker = worker ?? start?.worker
        self.host = host ?? start?.host
        self.start = start
    }
}

/// What a batch write did.
public struct RecordSummary: Sendable, Equatable {
    /// Entries written.
    public var recorded: Int
    /// Keys the store does not know (skipped; register their sweep first).
    public var unknown: [TaskKey]
}

/// The bookkeeping of one task.
public struct StoredTask: Sendable, Equatable {
    /// The task's key.
    public var key: TaskKey
    /// Where it stands.
    public var state: TaskState
    /// Times the task was started (real starts: a re-queue or a recomputation is one more).
    public var attempts: Int
    /// The worker of its latest attempt.
    public var worker: String?
    /// The host of its latest attempt.
    public var host: String?
    /// When its latest attempt started.
    public var started: Date?
    /// When it was done or failed last.
    public var finished: Date?
    /// Why its latest attempt failed (state `failed`).
    public var error: String?
    /// Its parameters.
    public var config: SimulationConfig
    /// Its canonical form (the key's preimage).
    public var canonicalJSON: String
}

/// A change of a task's state that the coordinator records as it happens, batched with results
/// on the commit thread (never one transaction per message).
public enum TaskMark: Sendable, Hashable {
    /// A worker announced that it started the task (`started`): state `running`, attempts + 1.
    case started(TaskStart)
    /// A started task's attempt ended without a result (worker lost or left, timed out) and it is
    /// queued again: state `pending`.
    case released(TaskKey)
}
