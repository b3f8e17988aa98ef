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
    /// Tasks a reconnecting worker was already running, leased to it instead of re-dispatched.
    /// Optional only so that live states written by earlier builds (without it) still decode.
    public var adopted: Int? = 0
    /// Seconds the coordinator itself was away (no event for longer than half the liveness window:
    /// blocked, paused, starved of CPU), beyond that, excused from workers' silence.
    /// Optional so that live states written by earlier builds (without it) still decode.
    public var excusedSeconds: Double? = 0
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
