import Foundation
import ZeroMQ

/// How a worker runs.
public struct WorkerOptions: Sendable {
    /// The coordinator's endpoint, e.g. `tcp://node1:5555`.
    public var endpoint: String
    /// Tasks run at once (compute threads).
    public var jobs = 1
    /// CURVE keys; `nil`: plain text.
    public var curve: CurveClientConfig? = nil
    /// Seconds without any coordinator before giving up.
    public var giveUpAfter: Double = 300
    /// Seconds between heartbeats until the coordinator's `welcome` says otherwise.
    public var heartbeatInterval: Double = 1
    /// Heartbeats the coordinator may miss before the worker reconnects, until `welcome` says otherwise.
    public var liveness = 3
    /// First reconnection delay, seconds (it doubles after each failed attempt).
    public var reconnectInitial: Double = 0.5
    /// Largest reconnection delay, seconds.
    public var reconnectMax: Double = 8
    /// Name in logs and `status`; default `host-pid`.
    public var workerID: String

    /// Options with the defaults above and the name `host-pid`.
    /// - Parameter endpoint: the coordinator's endpoint.
    public init(endpoint: String) {
        self.endpoint = endpoint
        workerID = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
    }
}

/// How a worker ended.
public enum WorkerExit: Sendable, Equatable {
    /// The coordinator said the sweep is complete.
    case complete
    /// The coordinator refused this worker.
    case refused(String)
    /// No coordinator answered for `giveUpAfter` seconds.
    case gaveUp(Double)
    /// A stop was requested (signal).
    case stopped
    /// The security handshake failed `Worker.handshakeFailureLimit` times in a row: the message
    /// names the possible causes.
    case handshakeFailed(String)
}
