import CZeroMQ
import Foundation

/// A ZeroMQ context: the owner of libzmq's I/O threads and of every socket created from it.
///
/// Unlike sockets, a context is thread-safe (libzmq guarantees it, see zmq_ctx_new(3)), so it is
/// `Sendable` and may be shared: each thread creates its own sockets from the same context, and
/// `inproc://` endpoints connect only sockets of one context.
///
/// Close it with `close()` after closing every socket; `deinit` closes it too. Because each
/// `Socket` keeps its context alive, the context is never terminated under a live socket by ARC.
public final class Context: @unchecked Sendable {
    // Safe to share: the libzmq context is thread-safe, and the Swift state (`handle`, `closed`)
    // is only touched under `lock`.
    private let lock = NSLock()
    private let handle: UnsafeMutableRawPointer
    private var closed = false

    /// Creates a context.
    /// - Parameter ioThreads: libzmq I/O threads (1 is plenty below ~1 GB/s).
    /// - Throws: `ZMQError` if libzmq cannot create it (e.g. too many open files).
    public init(ioThreads: Int = 1) throws(ZMQError) {
        guard let h = zmq_ctx_new() else { throw ZMQError.last("zmq_ctx_new") }
        handle = h
        if ioThreads != 1 {
            let n = Int32(clamping: ioThreads)
            _ = try zmqRequire("zmq_ctx_set(ZMQ_IO_THREADS, \(n))") { zmq_ctx_set(h, ZMQ_IO_THREADS, n) }
        }
    }

    /// The raw handle, for `Socket.init` (internal: no C type in public API).
    var rawHandle: UnsafeMutableRawPointer { handle }

    /// Makes blocking calls on every socket of this context return `ETERM` (`zmq_ctx_shutdown`),
    /// without waiting. Use it to wake threads blocked in `receive`/`poll` before `close()`.
    public func shutdown() {
        lock.lock()
        defer { lock.unlock() }
        if !closed { _ = zmq_ctx_shutdown(handle) }
    }

    /// Terminates the context (`zmq_ctx_term`). Blocks until every socket of the context is closed
    /// (and, for sockets with a non-zero linger, until their pending messages are sent or dropped).
    /// Calling it twice is harmless.
    public func close() {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { return }
        closed = true
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }

    deinit { close() }
}
