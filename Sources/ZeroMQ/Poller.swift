import CZeroMQ
import Foundation

/// What to wait for, or what is ready, on a polled socket.
public struct PollEvents: OptionSet, Sendable, Hashable {
    /// The raw bit mask.
    public let rawValue: Int16
    /// The events whose bits are set in `rawValue`.
    /// - Parameter rawValue: a mask of libzmq's `ZMQ_POLL*` constants.
    public init(rawValue: Int16) { self.rawValue = rawValue }

    /// A message can be received without blocking (`ZMQ_POLLIN`).
    public static let readable = PollEvents(rawValue: Int16(ZMQ_POLLIN))
    /// A message can be sent without blocking (`ZMQ_POLLOUT`).
    public static let writable = PollEvents(rawValue: Int16(ZMQ_POLLOUT))
    /// An error condition on a file descriptor item (`ZMQ_POLLERR`).
    public static let error = PollEvents(rawValue: Int16(ZMQ_POLLERR))
}

/// Waits on several sockets (and plain file descriptors) at once with `zmq_poll`.
///
/// Register items with `add`, then call `poll(timeout:)` repeatedly; the returned array is
/// indexed like the registrations. A `Poller` keeps its sockets alive and, like them, is confined
/// to one thread.
public final class Poller {
    private var items: [zmq_pollitem_t] = []
    private var sockets: [Socket?] = []

    /// An empty poller.
    public init() {}

    /// Number of registered items.
    public var count: Int { items.count }

    /// Registers `socket` for `events`.
    /// - Parameters:
    ///   - socket: a socket used on this thread only.
    ///   - events: what to wait for.
    /// - Returns: the index of this item in `poll`'s result.
    @discardableResult
    public func add(_ socket: Socket, events: PollEvents = .readable) -> Int {
        items.append(zmq_pollitem_t(socket: socket.handle, fd: -1, events: events.rawValue, revents: 0))
        sockets.append(socket)
        return items.count - 1
    }

    /// Registers a plain file descriptor (a pipe or an eventfd used to wake the loop).
    /// - Parameters:
    ///   - fd: an open file descriptor; the caller keeps it open while polling.
    ///   - events: what to wait for.
    /// - Returns: the index of this item in `poll`'s result.
    @discardableResult
    public func add(fileDescriptor fd: Int32, events: PollEvents = .readable) -> Int {
        items.append(zmq_pollitem_t(socket: nil, fd: fd, events: events.rawValue, revents: 0))
        sockets.append(nil)
        return items.count - 1
    }

    /// Changes the events watched for item `index` (e.g. add `.writable` only while a queue is full).
    /// - Parameters:
    ///   - events: what to wait for from now on.
    ///   - index: an index returned by `add`.
    public func setEvents(_ events: PollEvents, at index: Int) { items[index].events = events.rawValue }

    /// Waits until an item is ready or `timeout` passes.
    /// - Parameter timeout: milliseconds; 0 returns at once, -1 waits forever. `EINTR` is retried
    ///   with the remaining time.
    /// - Returns: the ready events of each item (empty sets when the timeout expired).
    /// - Throws: `ZMQError` (`ETERM` after the context was shut down, `ENOTSOCK` for a closed socket).
    public func poll(timeout milliseconds: Int) throws(ZMQError) -> [PollEvents] {
        for (i, s) in sockets.enumerated() {
            if let s, s.isClosed { throw ZMQError(code: ENOTSOCK, operation: "zmq_poll(item \(i): closed socket)") }
        }
        let start = DispatchTime.now().uptimeNanoseconds
        var remaining = milliseconds
        while true {
            let n = items.count
            let rc = items.withUnsafeMutableBufferPointer { zmq_poll($0.baseAddress, Int32(n), remaining) }
            if rc >= 0 { return items.map { PollEvents(rawValue: $0.revents) } }
            let code = zmq_errno()
            guard code == EINTR else { throw ZMQError(code: code, operation: "zmq_poll(\(n) items)") }
            if milliseconds > 0 {
                let elapsed = Int((DispatchTime.now().uptimeNanoseconds - start) / 1_000_000)
                remaining = max(0, milliseconds - elapsed)
            }
        }
    }

    /// Waits for `timeout` ms and returns the indices of items ready to read.
    /// - Parameter timeout: milliseconds, as for `poll`.
    /// - Returns: the indices (as returned by `add`) of readable items, in order; empty on timeout.
    /// - Throws: `ZMQError`, as `poll`.
    public func readable(timeout milliseconds: Int) throws(ZMQError) -> [Int] {
        try poll(timeout: milliseconds).indices.filter { items[$0].revents & PollEvents.readable.rawValue != 0 }
    }
}
