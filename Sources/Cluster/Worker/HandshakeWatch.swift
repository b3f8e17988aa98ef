import ZeroMQ

/// Tells a security handshake that keeps failing from a coordinator that is down, from the
/// worker socket's monitor events (zmq_socket_monitor(3)). A pure state machine, unit-tested
/// without sockets.
///
/// A failure is a handshake refused by the coordinator's ZAP handler (`HANDSHAKE_FAILED_AUTH`), one
/// that breaks off (`_PROTOCOL`, `_NO_DETAIL`), or a connection closed after it was made but
/// before any handshake succeeded (what a CURVE server does when it cannot decrypt the client's
/// hello: the client holds the wrong server key). A refused TCP connection (nothing listening)
/// produces none of these. A successful handshake resets the count.
struct HandshakeWatch: Sendable {
    /// What the worker does after an event.
    enum Verdict: Sendable, Equatable {
        /// Nothing.
        case none
        /// A failure: reconnect soon (libzmq does not retry a refused handshake by itself); `first`
        /// on the first failure in a row (warn then).
        case retry(first: Bool)
        /// `limit` failures in a row: give up with the diagnosis.
        case giveUp
    }

    /// Failures in a row after which the worker gives up.
    let limit: Int
    /// Failures in a row so far.
    private(set) var failures = 0
    /// What the last failure was, for the diagnosis.
    private(set) var lastProblem = ""
    private var connected = false

    /// A watch that gives up after `limit` failures in a row.
    /// - Parameter limit: at least 1.
    init(limit: Int) { self.limit = max(1, limit) }

    /// The events to ask the monitor for.
    static let events: MonitorEvents = [
        .connected, .disconnected, .handshakeSucceeded, .handshakeFailedAuth, .handshakeFailedProtocol,
        .handshakeFailedNoDetail,
    ]

    /// Takes one monitor event.
    /// - Parameters:
    ///   - event: the event's flag.
    ///   - value: its value (ZAP status, protocol error code or errno).
    /// - Returns: what to do.
    mutating func observe(_ event: MonitorEvents, value: UInt32) -> Verdict {
        switch event {
        case .connected:
            connected = true
            return .none
        case .handshakeSucceeded:
            reset()
            return .none
        case .handshakeFailedAuth:
            return fail("the coordinator refused this worker's key (ZAP status \(value))")
        case .handshakeFailedProtocol:
            return fail("the security handshake broke off (protocol error \(value))")
        case .handshakeFailedNoDetail:
            return fail("the security handshake failed (errno \(value))")
        case .disconnected where connected:
            return fail("the coordinator closed the connection during the handshake")
        default:
            return .none
        }
    }

    /// Forgets earlier failures (the worker was welcomed).
    mutating func reset() {
        failures = 0
        connected = false
    }

    /// The connection is gone (the worker closed its socket): a later disconnect is not a failure.
    mutating func socketClosed() { connected = false }

    /// One line: how often it failed, how, and the possible causes.
    /// - Parameters:
    ///   - endpoint: the coordinator's endpoint.
    ///   - curve: whether this worker uses CURVE.
    /// - Returns: the diagnosis.
    func diagnosis(endpoint: String, curve: Bool) -> String {
        let causes =
            curve
            ? "either this worker has the wrong coordinator public key (coordinator.pub is not the running "
                + "coordinator's), or this worker's public key is not in the coordinator's authorized/ directory"
            : "the coordinator probably requires CURVE (start this worker with --curve --keys DIR), or the "
                + "endpoint is not a dmfsweep coordinator"
        return "handshake with \(endpoint) failed \(failures) time(s) (\(lastProblem)): \(causes)"
    }

    private mutating func fail(_ what: String) -> Verdict {
        connected = false
        failures += 1
        lastProblem = what
        return failures >= limit ? .giveUp : .retry(first: failures == 1)
    }
}
