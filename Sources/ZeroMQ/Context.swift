import CZeroMQ
import Foundation
import Synchronization

/// A ZeroMQ context: the owner of libzmq's I/O threads and of every socket created from it.
///
/// Unlike sockets, a context is thread-safe (libzmq guarantees it, see zmq_ctx_new(3)), so it is
/// `Sendable` and may be shared: each thread creates its own sockets from the same context, and
/// `inproc://` endpoints connect only sockets of one context.
///
/// Close it with `close()` after closing every socket; `deinit` closes it too. Because each
/// `Socket` keeps its context alive, the context is never terminated under a live socket by ARC.
public final class Context: @unchecked Sendable {
    // `@unchecked` only because of `handle`, a raw pointer. The libzmq context it points to is
    // thread-safe (zmq(7): "A 0MQ context is thread safe and may be shared among as many application
    // threads as necessary"); the pointer is never reassigned; the context is terminated only by
    // `close()`, at most once, under the `closed` mutex, which holds the only other state.
    private let handle: UnsafeMutableRawPointer
    private let closed = Mutex(false)

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
        closed.withLock { closed in
            if !closed { _ = zmq_ctx_shutdown(handle) }
        }
    }

    /// Terminates the context (`zmq_ctx_term`). Blocks until every socket of the context is closed
    /// (and, for sockets with a non-zero linger, until their pending messages are sent or dropped).
    /// Calling it twice is harmless.
    public func close() {
        closed.withLock { closed in
            guard !closed else { return }
            closed = true
            while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
        }
    }

    deinit { close() }
}
