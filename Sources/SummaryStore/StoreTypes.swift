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

/// A finished task to record.
public struct CompletedTask: Sendable {
    /// The task's key (must be registered).
    public var key: TaskKey
    /// What the run produced.
    public var result: SimulationResult
    /// Who ran it (host:pid, worker id), if known.
    public var worker: String?
    /// When it started, if known.
    public var started: Date?

    public init(key: TaskKey, result: SimulationResult, worker: String? = nil, started: Date? = nil) {
        self.key = key
        self.result = result
        self.worker = worker
        self.started = started
    }
}

/// A failed attempt to record.
public struct TaskFailure: Sendable, Equatable {
    /// The task's key.
    public var key: TaskKey
    /// Why it failed (one line).
    public var error: String
    /// Who ran it, if known.
    public var worker: String?
    /// Failed attempts to record (the stored count only grows); `nil`: at least 1.
    public var attempts: Int?

    /// Creates a value from its members (see the properties).
    public init(key: TaskKey, error: String, worker: String? = nil, attempts: Int? = nil) {
        self.key = key
        self.error = error
        self.worker = worker
        self.attempts = attempts
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
    public var key: TaskKey
    public var state: TaskState
    /// Times the task was started.
    public var attempts: Int
    public var worker: String?
    public var error: String?
    public var config: SimulationConfig
    public var canonicalJSON: String
}
