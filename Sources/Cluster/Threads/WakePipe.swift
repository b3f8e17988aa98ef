import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A non-blocking pipe by which a helper thread wakes a socket thread blocked in `zmq_poll`.
///
/// The socket thread polls `fd` next to its sockets (zmq_poll(3) accepts plain file descriptors);
/// a helper thread calls `signal()` after it queued something, and the socket thread `drain()`s
/// the pipe before it takes what was queued, so no wake-up is lost.
final class WakePipe: Sendable {
    /// Readable while a wake-up is pending: poll it for reading.
    let fd: Int32
    private let writeFD: Int32

    /// Opens the pipe (both ends non-blocking and close-on-exec).
    /// - Throws: `CoordinatorError` if the process is out of file descriptors.
    init() throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            throw CoordinatorError("cannot create a wake-up pipe: \(String(cString: strerror(errno)))")
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        fd = fds[0]
        writeFD = fds[1]
    }

    deinit {
        close(fd)
        close(writeFD)
    }

    /// Makes `fd` readable. Safe from any thread (`write(2)` of one byte is atomic).
    func signal() {
        var one: UInt8 = 1
        _ = write(writeFD, &one, 1)  // EAGAIN (pipe full) is fine: a wake-up is already pending
    }

    /// Empties the pipe, so that `fd` stays quiet until the next `signal()`.
    func drain() {
        var sink = [UInt8](repeating: 0, count: 512)
        while read(fd, &sink, sink.count) > 0 {}
    }
}
