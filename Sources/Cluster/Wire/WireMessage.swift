import Factorization
import Sweeps

/// What a worker tells the coordinator when it connects.
public struct Hello: Sendable, Hashable {
    /// Stable name of the worker process, e.g. `node12-4711` (logs, status).
    public var workerID: String
    /// Host name.
    public var host: String
    /// Process id on `host`.
    public var pid: Int
    /// CPU cores on the host.
    public var cores: Int
    /// Tasks it runs at once.
    public var jobs: Int
    /// Task kinds it can run.
    public var capabilities: Set<TaskKind>
    /// Keys of tasks it is running now (taken by its compute threads), from an earlier session: a
    /// restarted coordinator leases them to it instead of handing them out again (adoption).
    public var running: [TaskKey]

    /// Creates a value from its members (see the properties).
    public init(
        workerID: String, host: String, pid: Int, cores: Int, jobs: Int, capabilities: Set<TaskKind>,
        running: [TaskKey] = []
    ) {
        self.workerID = workerID
        self.host = host
        self.pid = pid
        self.cores = cores
        self.jobs = jobs
        self.capabilities = capabilities
        self.running = running
    }
}

/// The coordinator's answer to `hello`: the rules of the session.
public struct Welcome: Sendable, Hashable {
    /// Random per coordinator process; a worker that sees a new one knows the coordinator restarted.
    public var session: UInt64
    /// Heartbeat interval in milliseconds.
    public var heartbeatMilliseconds: Int
    /// Heartbeats a peer may miss before it is declared dead.
    public var liveness: Int
    /// Largest message the coordinator accepts, in bytes.
    public var maxMessageBytes: Int

    /// Creates a value from its members (see the properties).
    public init(session: UInt64, heartbeatMilliseconds: Int, liveness: Int, maxMessageBytes: Int) {
        self.session = session
        self.heartbeatMilliseconds = heartbeatMilliseconds
        self.liveness = liveness
        self.maxMessageBytes = maxMessageBytes
    }
}

/// Why the coordinator ends a session.
public enum ShutdownReason: UInt8, Sendable, Hashable {
    /// Every task is done or failed: exit.
    case complete = 0
    /// The coordinator is stopping (signal); the sweep is unfinished: a worker may wait for a restart.
    case stopping = 1
    /// The worker is refused (incompatible protocol or capabilities): exit.
    case refused = 2
}

/// One message of the dmfsweep wire protocol (see docs/protocol.md).
public enum WireMessage: Sendable, Hashable {
    /// worker → coordinator: first message of a session.
    case hello(Hello)
    /// coordinator → worker: session accepted.
    case welcome(Welcome)
    /// worker → coordinator: "send me up to `credit` more tasks".
    case ready(credit: Int)
    /// coordinator → worker: a batch of tasks.
    case tasks([WireTask])
    /// worker → coordinator: these isolated tasks are about to start; coordinator → worker: the
    /// same keys back, "noted" (the worker starts them only then).
    case started([TaskKey])
    /// worker → coordinator: finished tasks; `batch` numbers the worker's result batches from 1.
    case results(batch: UInt64, [WireResult])
    /// coordinator → worker: every result batch up to `batch` is committed to the store.
    case ack(batch: UInt64)
    /// both ways: "I am alive". A worker reports how many tasks it runs and holds.
    case heartbeat(running: Int, queued: Int)
    /// worker → coordinator: leaving; its unfinished tasks go back to the queue.
    case bye(reason: String)
    /// coordinator → worker: end of the session.
    case shutdown(ShutdownReason, message: String)
    /// coordinator → worker: "I do not know you (I restarted): say hello again".
    case reset
    /// coordinator → worker: result batch `batch` could not be decoded (`reason`): the worker sends
    /// its tasks again as failures with that reason, so they end failed instead of never arriving.
    case rejected(batch: UInt64, reason: String)

    /// The message type byte on the wire.
    public var type: WireMessageType {
        switch self {
        case .hello: .hello
        case .welcome: .welcome
        case .ready: .ready
        case .tasks: .tasks
        case .started: .started
        case .results: .results
        case .ack: .ack
        case .heartbeat: .heartbeat
        case .bye: .bye
        case .shutdown: .shutdown
        case .reset: .reset
        case .rejected: .rejected
        }
    }
}

/// Message type codes (frame 0, byte 5).
public enum WireMessageType: UInt8, Sendable, CaseIterable {
    // One code per `WireMessage` case, in the same order; docs/protocol.md lists them.
    case hello = 1
    case welcome, ready, tasks, started, results, ack, heartbeat, bye, shutdown, reset, rejected
}
