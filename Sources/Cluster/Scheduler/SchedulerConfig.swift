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
    /// Hand out no task before this many workers have said hello (then dispatch for good, even
    /// if some leave); 0: at once. For measurements and for starting a cluster run only once
    /// every node has joined. `Scheduler.startDispatching(now:)` opens it early.
    public var minimumWorkers: Int = 0

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
