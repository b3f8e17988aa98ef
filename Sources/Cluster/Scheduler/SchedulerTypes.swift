import Factorization
import Sweeps

/// The identity of a connected worker as the coordinator's ROUTER socket sees it (its routing id).
public struct PeerID: Hashable, Sendable, CustomStringConvertible {
    /// The routing-id bytes.
    public let bytes: [UInt8]

    /// The peer whose routing id is `bytes`.
    /// - Parameter bytes: the routing-id frame ROUTER put in front of the peer's message.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The first 8 bytes in hex, for logs.
    public var description: String { bytes.prefix(8).map { String($0, radix: 16) }.joined() }
}

/// A task the scheduler hands out: what to run and under which key its result is stored.
public struct ScheduledTask: Sendable, Hashable {
    /// The task's stable key (where its result is stored).
    public var key: TaskKey
    /// What to run (`noop` only for benchmarks).
    public var kind: TaskKind
    /// The configuration to run.
    public var config: SimulationConfig

    /// Creates a value from its members (see the properties).
    public init(key: TaskKey, kind: TaskKind = .simulate, config: SimulationConfig) {
        self.key = key
        self.kind = kind
        self.config = config
    }
}

/// Timing and retry rules of the scheduler.
public struct SchedulerConfig: Sendable, Hashable {
    /// Seconds between heartbeats (both ways).
    public var heartbeatInterval: Double = 1
    /// Heartbeat intervals a worker may stay silent before it is declared dead.
    public var liveness: Int = 3
    /// Confirmed failed runs (errors, deaths while running it, timeouts) before a task is `failed`.
    public var maxAttempts: Int = 3
    /// Seconds a task may stay leased before it is re-queued as timed out; `nil`: no limit.
    public var taskTimeout: Double? = nil
    /// Most tasks in one `tasks` message.
    public var maxTasksPerMessage: Int = 512
    /// The coordinator's session id, sent in `welcome`.
    public var session: UInt64 = 0
    /// The largest message the coordinator accepts, sent in `welcome`.
    public var maxMessageBytes: Int = WireCodec.defaultMaxMessageBytes

    /// Creates a value from its members (see the properties).
    public init(
        heartbeatInterval: Double = 1, liveness: Int = 3, maxAttempts: Int = 3, taskTimeout: Double? = nil,
        maxTasksPerMessage: Int = 512, session: UInt64 = 0, maxMessageBytes: Int = WireCodec.defaultMaxMessageBytes
    ) {
        self.session = session
        self.maxMessageBytes = maxMessageBytes
        self.heartbeatInterval = heartbeatInterval
        self.liveness = liveness
        self.maxAttempts = maxAttempts
        self.taskTimeout = taskTimeout
        self.maxTasksPerMessage = maxTasksPerMessage
    }

    /// Seconds of silence after which a worker is dead.
    public var deadAfter: Double { heartbeatInterval * Double(liveness) }
}

/// What the scheduler asks its owner (the coordinator) to do.
public enum SchedulerAction: Sendable, Hashable {
    /// Send a message to a worker.
    case send(PeerID, WireMessage)
    /// Store this result (the task is now done; commit, then acknowledge).
    case record(key: TaskKey, result: SimulationResult, seconds: Double)
    /// Mark the task failed in the store.
    case fail(key: TaskKey, error: String, attempts: Int)
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

    /// One line for the log.
    public var description: String {
        switch self {
        case .workerJoined(_, let id, let host, let jobs): return "worker \(id) joined from \(host) (jobs \(jobs))"
        case .workerLost(_, let id, let reason, let n): return "worker \(id) lost (\(reason)); \(n) task(s) re-queued"
        case .workerLeft(_, let id, let reason, let n):
            return "worker \(id) left (\(reason))" + (n > 0 ? "; \(n) task(s) re-queued" : "")
        case .taskRetried(let k, let a, let e): return "task \(k.short) attempt \(a) failed: \(e); retrying"
        case .taskFailed(let k, let a, let e): return "task \(k.short) failed after \(a) attempt(s): \(e)"
        }
    }
}

/// A point-in-time view of the scheduler for progress bars and `status`.
public struct SchedulerSnapshot: Sendable, Hashable, Codable {
    /// Tasks this session started with (not done in the store).
    public var total = 0
    /// Tasks whose result is recorded this session.
    public var done = 0
    /// Tasks given up on this session.
    public var failed = 0
    /// Tasks waiting for a worker.
    public var queued = 0
    /// Leased to a worker (running or waiting there).
    public var leased = 0
    /// Running on workers, as they reported in their last heartbeats.
    public var running = 0
    /// The connected workers, sorted by routing id.
    public var workers: [WorkerSummary] = []
    /// Results for tasks already done (a slow worker's late copy), ignored.
    public var duplicates = 0
    /// Results for keys this sweep does not have, ignored.
    public var unknownResults = 0
    /// Workers declared dead so far.
    public var deaths = 0
    /// Tasks put back in the queue (worker lost, error, timeout).
    public var requeues = 0
    /// Messages from peers that never said hello (answered with `reset`).
    public var unknownPeerMessages = 0
    /// Well-formed messages that make no sense from a worker (e.g. `tasks`).
    public var unexpectedMessages = 0

    /// Tasks neither done nor failed.
    public var remaining: Int { total - done - failed }
}

/// One connected worker in a snapshot.
public struct WorkerSummary: Sendable, Hashable, Codable {
    /// The name it gave in `hello`.
    public var workerID: String
    /// Its host name.
    public var host: String
    /// Tasks it runs at once.
    public var jobs: Int
    /// Tasks leased to it now (running there or waiting in its window).
    public var leased: Int
    /// Results it delivered this session.
    public var completed: Int
    /// Seconds since it was last heard from.
    public var silentFor: Double
    /// Tasks it reported running in its last heartbeat.
    public var running: Int = 0
}
