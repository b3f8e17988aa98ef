import Foundation
import ZeroMQ

/// How a coordinator runs.
public struct CoordinatorOptions: Sendable {
    /// Where to bind, e.g. `tcp://127.0.0.1:*`, `tcp://0.0.0.0:5555`, `ipc:///tmp/x.sock`.
    public var endpoint: String
    /// Leases, heartbeats, retries.
    public var scheduler = SchedulerConfig()
    /// CURVE encryption and the worker allow-list; `nil`: plain text.
    public var curve: CurveServerConfig? = nil
    /// Seconds to wait for in-flight tasks after a stop request.
    public var grace: Double = 30
    /// Largest accepted message (ZMQ_MAXMSGSIZE and the codec limit).
    public var maxMessageBytes = WireCodec.defaultMaxMessageBytes
    /// Commit when this many results are waiting…
    public var commitBatch = 4096
    /// …or when the oldest waited this long (seconds).
    public var commitInterval = 0.05
    /// Hold dispatch while this many results and failures wait to be committed, until half as
    /// many do (`Scheduler.holdDispatch(_:now:)`): the store sets the pace when it is the
    /// bottleneck. At least `2 × commitBatch`, so a full transaction is always queued behind the
    /// one running.
    public var maximumBacklog = 16_384
    /// Seconds between progress callbacks.
    public var progressInterval = 0.5
    /// Seconds between live-state publications to the ledger.
    public var publishInterval = 2.0
    /// After the sweep is complete, seconds to keep answering late workers with "complete" while
    /// connected ones have not said bye; the whole time when the sweep was resumed (tasks already
    /// done at start) or a worker was lost, since workers of the interrupted session may be reconnecting.
    public var farewell = 2.0
    /// The shortest silence (no result while workers hold tasks) reported as a stall, seconds;
    /// the threshold is `max(10 × slowest task so far, stallMinimum)` (`StallDetector`). Also how
    /// long dispatch may stay held for the store (`maximumBacklog`) before that is reported
    /// (`store_stalled`).
    public var stallMinimum = 60.0

    /// Options with the defaults above.
    /// - Parameter endpoint: where to bind.
    public init(endpoint: String) { self.endpoint = endpoint }
}

/// Progress as the coordinator sees it.
public struct CoordinatorProgress: Sendable {
    /// Counts, rates and workers now.
    public var state: LiveState
    /// Seconds since the coordinator started.
    public var elapsed: Double
}

/// How a run (coordinator or inline) ended.
public enum RunEnd: String, Sendable, Hashable {
    /// Every task is done or failed.
    case complete
    /// It stopped on request (a signal) before every task was done or failed.
    case interrupted
}

/// How a coordinator run ended.
public struct CoordinatorOutcome: Sendable {
    /// Complete or interrupted.
    public var end: RunEnd
    /// The final live state (counts, workers, bad messages).
    public var state: LiveState

    /// Every task is done or failed.
    public var complete: Bool { end == .complete }
    /// It stopped because of a stop request before the sweep was complete.
    public var interrupted: Bool { end == .interrupted }
}

/// A cluster failure that is neither a ZeroMQ nor a store error (e.g. out of file descriptors).
public struct CoordinatorError: Error, CustomStringConvertible {
    /// One line saying what failed and what to do about it.
    public let description: String
    /// An error with the message `description`.
    /// - Parameter description: one line saying what failed and what to do about it.
    public init(_ description: String) { self.description = description }
}
