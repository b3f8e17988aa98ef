import CSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// SIGINT/SIGTERM handling for long-running commands, one mechanism for every mode (`run`,
/// `run --inline`, `coordinator`, `worker`).
///
/// `watch` installs a real handler with `sigaction` (process-wide), which writes the signal
/// number to a pipe; a dedicated thread reads the pipe and calls the Swift handler. A mask alone
/// is not enough: OpenBLAS starts worker threads from its library constructor, before `main`, with
/// nothing blocked, and the kernel may deliver a process-directed signal to any such thread —
/// with the default action, that kills the process. With a handler installed, whichever thread
/// receives the signal runs the (async-signal-safe) handler and the process carries on.
///
/// `block` is still called first thing in `main`: it keeps the signals away from our own threads
/// (so a `zmq_poll` or `read` there is never interrupted with `EINTR`); the watch thread unblocks
/// them for itself, so a signal always has a thread to go to, and one that arrived before `watch`
/// (kept pending) is delivered as soon as the watch starts.
public enum TerminationSignals {
    /// Blocks SIGINT and SIGTERM in the calling thread; threads started afterwards inherit the mask.
    /// Call first thing in `main`, before any thread starts, and only for commands that `watch`.
    public static func block() {
        var set = signalSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Calls `handler` with the signal number for every SIGINT/SIGTERM, on a private thread.
    /// Keep the returned token alive as long as the handler should run; releasing it restores the
    /// default actions. One watch at a time per process.
    /// - Parameter handler: runs off the main thread; make it quick (set a flag).
    /// - Returns: the watch token.
    public static func watch(_ handler: @escaping @Sendable (Int32) -> Void) -> SignalWatch {
        var fds: [Int32] = [-1, -1]
        guard dmf_cloexec_pipe(&fds) == 0, dmf_install_termination_handler(fds[1]) == 0 else {
            // Cannot happen short of fd exhaustion at startup; keep the default actions then.
            FileHandle.standardError.write(Data("dmfsweep: cannot install signal handlers: errno \(errno)\n".utf8))
            return SignalWatch(writeEnd: -1)
        }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        let thread = Thread {
            var set = signalSet()
            pthread_sigmask(SIG_UNBLOCK, &set, nil)
            var byte: UInt8 = 0
            while true {
                let n = read(readEnd, &byte, 1)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 || byte == 0 { break }  // 0: the watch was released
                handler(Int32(byte))
            }
            close(readEnd)
            close(writeEnd)
        }
        thread.name = "dmfsweep.signals"
        thread.start()
        return SignalWatch(writeEnd: writeEnd)
    }

    private static func signalSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        return set
    }
}

/// Keeps the signal handlers installed; restores the default actions when released.
public final class SignalWatch: Sendable {
    private let writeEnd: Int32
    init(writeEnd: Int32) { self.writeEnd = writeEnd }
    deinit {
        guard writeEnd >= 0 else { return }
        dmf_remove_termination_handler()
        var stop: UInt8 = 0
        _ = write(writeEnd, &stop, 1)  // the watch thread then closes both ends
    }
}
