import CZeroMQ
import Foundation

/// Connection events a socket can report (zmq_socket_monitor(3)).
public struct MonitorEvents: OptionSet, Sendable, Hashable {
    /// The raw bit mask.
    public let rawValue: UInt32
    /// The events whose bits are set in `rawValue`.
    /// - Parameter rawValue: a mask of libzmq's `ZMQ_EVENT_*` constants.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// A connection to a remote endpoint was made.
    public static let connected = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_CONNECTED))
    /// A connect is still pending (asynchronous connect).
    public static let connectDelayed = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_CONNECT_DELAYED))
    /// A reconnect will be tried after the reconnect interval (the event's value).
    public static let connectRetried = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_CONNECT_RETRIED))
    /// The socket is bound and listening.
    public static let listening = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_LISTENING))
    /// A bind failed (the event's value is the errno).
    public static let bindFailed = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_BIND_FAILED))
    /// A connection from a peer was accepted.
    public static let accepted = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_ACCEPTED))
    /// Accepting a connection failed (the event's value is the errno).
    public static let acceptFailed = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_ACCEPT_FAILED))
    /// A connection's file descriptor was closed.
    public static let closed = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_CLOSED))
    /// A session ended: peer went away, oversized message (`ZMQ_MAXMSGSIZE`), heartbeat timeout…
    public static let disconnected = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_DISCONNECTED))
    /// Monitoring stopped (the last event a monitor socket delivers).
    public static let monitorStopped = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_MONITOR_STOPPED))
    /// The ZMTP handshake failed for an unspecified reason (e.g. the peer went away).
    public static let handshakeFailedNoDetail = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL))
    /// The ZMTP handshake (and CURVE/ZAP authentication) succeeded.
    public static let handshakeSucceeded = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_HANDSHAKE_SUCCEEDED))
    /// The peer broke the ZMTP or security-mechanism protocol during the handshake.
    public static let handshakeFailedProtocol = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL))
    /// Authentication refused (ZAP said no, or wrong CURVE server key).
    public static let handshakeFailedAuth = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_HANDSHAKE_FAILED_AUTH))
    /// Every event.
    public static let all = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_ALL))
}

/// One event read from a monitor socket.
public struct MonitorEvent: Sendable, Equatable, CustomStringConvertible {
    /// The event (exactly one flag).
    public var event: MonitorEvents
    /// The event's value: a file descriptor, an errno or a reconnect interval, depending on the event.
    public var value: UInt32
    /// The endpoint concerned.
    public var endpoint: String

    /// The event's bit, value and endpoint, for logs.
    public var description: String { "event 0x\(String(event.rawValue, radix: 16)) value \(value) on \(endpoint)" }
}

extension Socket {
    /// Starts publishing `events` of this socket on a PAIR endpoint (`inproc://…`), and returns a
    /// PAIR socket connected to it to read them with `receiveMonitorEvent`.
    /// - Parameters:
    ///   - endpoint: an `inproc://` name unique in the context.
    ///   - events: which events to report.
    /// - Returns: the monitor's reading socket (same context; confine it to one thread).
    /// - Throws: `ZMQError`.
    public func monitor(_ endpoint: String, events: MonitorEvents = .all) throws(ZMQError) -> Socket {
        let h = try live("zmq_socket_monitor(\(endpoint))")
        _ = try zmqRequire("zmq_socket_monitor(\(endpoint))") {
            zmq_socket_monitor(h, endpoint, Int32(events.rawValue))
        }
        let reader = try Socket(context, type: .pair)
        try reader.connect(endpoint)
        return reader
    }

    /// Stops publishing events (`zmq_socket_monitor(socket, NULL, 0)`), closing the publishing end.
    ///
    /// Call it **before** closing the reading socket that `monitor` returned: libzmq sends each
    /// event on a PAIR socket from its I/O thread without `ZMQ_DONTWAIT`, and a PAIR whose reader
    /// is gone blocks, so an event of this socket after its reader was closed (the disconnect or
    /// close of its own teardown) blocked the context's I/O thread for good: no socket of the
    /// context connected again (a worker never reached its restarted coordinator, or stopped
    /// diagnosing handshakes). Harmless on a closed socket or one without a monitor.
    public func stopMonitor() {
        guard let h = handle else { return }
        _ = zmq_socket_monitor(h, nil, 0)
    }

    /// Reads one event from a socket returned by `monitor`.
    /// - Parameter dontWait: return `nil` at once if no event is waiting.
    /// - Returns: the event, or `nil` on `EAGAIN` or for a malformed event message.
    /// - Throws: `ZMQError`.
    public func receiveMonitorEvent(dontWait: Bool = false) throws(ZMQError) -> MonitorEvent? {
        guard let frames = try receiveBytes(dontWait: dontWait), frames.count == 2, frames[0].count == 6 else {
            return nil
        }
        // First frame: 16-bit event number then 32-bit value, in host byte order (zmq_socket_monitor(3)).
        let f = frames[0]
        let event = UInt16(f[0]) | UInt16(f[1]) << 8
        let value = UInt32(f[2]) | UInt32(f[3]) << 8 | UInt32(f[4]) << 16 | UInt32(f[5]) << 24
        return MonitorEvent(
            event: MonitorEvents(rawValue: UInt32(event)), value: value,
            endpoint: String(decoding: frames[1], as: UTF8.self))
    }
}
