/// When a worker stops waiting for its coordinator on the current socket (Paranoid Pirate
/// liveness). A pure state machine, unit-tested on a fake clock.
///
/// The silence counts from the later of the last message heard and the moment the socket's
/// transport (TCP) first connected. A socket whose transport never connected is never given up
/// on: libzmq retries the connection by itself (`ZMQ_RECONNECT_IVL` up to `_MAX`) and the queued
/// HELLO leaves the moment it connects. Tearing such a socket down after `liveness` intervals and
/// backing off (0.5 s doubling to 8 s) only added the worker's backoff on top of the coordinator's
/// downtime: a worker could come back to a restarted coordinator only after the sweep was over and
/// that coordinator had left, and then nobody was left to tell it (it gave up after
/// `--give-up-after`).
struct CoordinatorSilence: Sendable, Equatable {
    /// When the last message arrived (or the socket was opened), in monotonic seconds.
    private(set) var heardAt: Double
    /// When the transport of the current socket first connected; `nil` until it does.
    private(set) var connectedAt: Double?

    /// A silence watch for a socket opened at `now`.
    /// - Parameter now: the clock, in seconds.
    init(openedAt now: Double) { heardAt = now }

    /// A new socket: its transport has not connected yet.
    /// - Parameter now: the clock, in seconds.
    mutating func socketOpened(now: Double) {
        heardAt = now
        connectedAt = nil
    }

    /// The socket's monitor reported `ZMQ_EVENT_CONNECTED` (the first one counts).
    /// - Parameter now: the clock, in seconds.
    mutating func transportConnected(now: Double) {
        if connectedAt == nil { connectedAt = now }
    }

    /// A message arrived (which also proves the transport is up).
    /// - Parameter now: the clock, in seconds.
    mutating func heard(now: Double) {
        heardAt = now
        if connectedAt == nil { connectedAt = now }
    }

    /// How long the coordinator has been silent on a connected transport.
    /// - Parameter now: the clock, in seconds.
    /// - Returns: seconds, or `nil` while the transport has never connected.
    func silentFor(now: Double) -> Double? {
        guard let connectedAt else { return nil }
        return max(0, now - max(heardAt, connectedAt))
    }

    /// Whether to give up on this socket: connected, and silent for more than `window` seconds
    /// (heartbeat interval × liveness).
    /// - Parameters:
    ///   - now: the clock, in seconds.
    ///   - window: the silence allowed, in seconds.
    /// - Returns: `true` when the worker should close the socket and reconnect.
    func isLost(now: Double, window: Double) -> Bool {
        guard let silent = silentFor(now: now) else { return false }
        return silent > window
    }
}
