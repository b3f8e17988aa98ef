import Synchronization

/// Carries a socket to the thread that will own it.
///
/// `Socket` is not `Sendable` because libzmq sockets are not thread-safe. Handing a socket over to
/// a new thread *once*, before that thread starts using it and after the creating thread stops, is
/// allowed by libzmq (zmq(7): "migrate a socket from one thread to another with a full memory
/// barrier"; thread start is one). `take()` can be called only once, so the socket has exactly
/// one owner at any time.
public final class SocketTransfer: Sendable {
    // The mutex is the full memory barrier; `sending` proves the caller keeps no reference.
    private let socket: Mutex<Socket?>

    /// Wraps `socket`; the caller cannot use it afterwards (the compiler checks it: `sending`).
    /// - Parameter socket: the socket to hand over.
    public init(_ socket: consuming sending Socket) { self.socket = Mutex(socket) }

    /// The socket, for the receiving thread.
    /// - Returns: the socket on the first call, `nil` on every later one.
    public func take() -> sending Socket? { socket.withLock { $0.take() } }
}
