import CSupport
import Foundation
import Synchronization

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
/// `prepare` is called first thing in `main`, before any thread of ours starts: it installs the
/// handler at once (so a signal in the first milliseconds — while a sweep is still being
/// registered — is never met with the default action) and blocks the signals in our own threads
/// (so a `zmq_poll` or `read` there is never interrupted with `EINTR`). Signals that arrive before
/// `watch` wait in the pipe and are handled as soon as the watch starts; the watch thread unblocks
/// the signals for itself, so they always have a thread to go to.
public enum TerminationSignals {
    /// The pipe `prepare` installed the handler with, until a `watch` takes it.
    private static let prepared = Mutex<(read: Int32, write: Int32)?>(nil)

    /// Installs the handler (reporting to a fresh pipe) and blocks SIGINT and SIGTERM in the
    /// calling thread; threads started afterwards inherit the mask. Call first thing in `main`,
    /// before any thread starts, and only for commands that `watch`.
    public static func prepare() {
        var set = signalSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
        let fds = installHandler()
        prepared.withLock { $0 = fds }
    }

    /// Calls `handler` with the signal number for every SIGINT/SIGTERM, on a private thread.
    /// Keep the returned token alive as long as the handler should run; releasing it restores the
    /// default actions. One watch at a time per process.
    /// - Parameter handler: runs off the main thread; make it quick (set a flag).
    /// - Returns: the watch token.
    public static func watch(_ handler: @escaping @Sendable (Int32) -> Void) -> SignalWatch {
        // The pipe `prepare` installed the handler with (signals received since wait in it), or a
        // new one when `main` did not prepare.
        let taken = prepared.withLock { fds -> (read: Int32, write: Int32)? in
            defer { fds = nil }
            return fds
        }
        guard let (readEnd, writeEnd) = taken ?? installHandler() else { return SignalWatch(writeEnd: -1) }
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

    private static let kept = Mutex<[SignalWatch]>([])

    /// Keeps `watch` (and so the handler) until the process ends. Commands do this instead of
    /// releasing their watch on return: a signal that arrives between the command's return and
    /// `_exit` (a doubled Ctrl-C) must still meet the handler, not the default action.
    /// - Parameter watch: the command's watch.
    public static func keepUntilExit(_ watch: SignalWatch) {
        kept.withLock { $0.append(watch) }
    }

    /// A close-on-exec pipe with the handler reporting to its write end, or `nil` (message on
    /// stderr) when that fails — which cannot happen short of fd exhaustion at startup; the default
    /// actions stay then.
    private static func installHandler() -> (read: Int32, write: Int32)? {
        var fds: [Int32] = [-1, -1]
        guard dmf_cloexec_pipe(&fds) == 0, dmf_install_termination_handler(fds[1]) == 0 else {
            FileHandle.standardError.write(Data("dmfsweep: cannot install signal handlers: errno \(errno)\n".utf8))
            return nil
        }
        return (fds[0], fds[1])
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
