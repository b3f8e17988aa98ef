import CZeroMQ
import Foundation

/// Connection events a socket can report (zmq_socket_monitor(3)).
public struct MonitorEvents: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let connected = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_CONNECTED))
    public static let connectDelayed = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_CONNECT_DELAYED))
    public static let connectRetried = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_CONNECT_RETRIED))
    public static let listening = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_LISTENING))
    public static let bindFailed = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_BIND_FAILED))
    public static let accepted = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_ACCEPTED))
    public static let acceptFailed = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_ACCEPT_FAILED))
    public static let closed = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_CLOSED))
    /// A session ended: peer went away, oversized message (`ZMQ_MAXMSGSIZE`), heartbeat timeout…
    public static let disconnected = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_DISCONNECTED))
    public static let monitorStopped = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_MONITOR_STOPPED))
    public static let handshakeFailedNoDetail = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL))
    public static let handshakeSucceeded = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_HANDSHAKE_SUCCEEDED))
    public static let handshakeFailedProtocol = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL))
    /// Authentication refused (ZAP said no, or wrong CURVE server key).
    public static let handshakeFailedAuth = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_HANDSHAKE_FAILED_AUTH))
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
