/// When a worker stops waiting for its coordinator on the current socket (Paranoid Pirate
/// liveness), and how soon it tries again. A pure state machine, unit-tested on a fake clock.
///
/// A socket whose transport (TCP) connected and then heard nothing for the window (heartbeat
/// interval × liveness) is lost: the worker closes it and backs off (0.5 s doubling to 8 s) before
/// a new one. A socket whose transport never connected in the window (coordinator down or
/// restarting) is replaced at once, without backing off: the coordinator is not overloaded, it is
/// absent, and a backoff only added up to 8 s to its downtime, so that a worker came back to a
/// restarted coordinator after the sweep was over and that coordinator had left, and then nobody
/// was left to tell it (it retried until `--give-up-after`). A fresh socket each window also gets
/// out of a libzmq connection stuck half-closed (seen: `CLOSE_WAIT` to a coordinator that shut down
/// while accepting it, with no retry for a minute).
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

    /// What to do with the socket now.
    /// - Parameters:
    ///   - now: the clock, in seconds.
    ///   - window: the silence allowed, in seconds (heartbeat interval × liveness).
    /// - Returns: `.keep`; `.lost` (connected, then silent: back off); or `.unreachable` (never
    ///   connected in the window: a new socket at once).
    func verdict(now: Double, window: Double) -> Verdict {
        if let silent = silentFor(now: now) { return silent > window ? .lost : .keep }
        return now - heardAt > window ? .unreachable : .keep
    }

    /// What the worker does with its socket.
    enum Verdict: Sendable, Equatable {
        /// Keep waiting.
        case keep
        /// The coordinator connected and fell silent: close, back off, reconnect.
        case lost
        /// Nothing connected in the window: close and open a new socket at once.
        case unreachable
    }
}
