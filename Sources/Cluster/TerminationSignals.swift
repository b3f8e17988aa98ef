import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// SIGINT/SIGTERM handling for long-running commands (see platform notes: once several threads
/// exist, only signals blocked everywhere and consumed by a `DispatchSource` arrive reliably).
public enum TerminationSignals {
    /// Blocks SIGINT and SIGTERM in the calling thread; threads started afterwards inherit the mask.
    /// Call first thing in `main`, before any thread starts, and only for commands that `watch`.
    public static func block() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Calls `handler` with the signal number for every SIGINT/SIGTERM, on a private queue.
    /// Keep the returned token alive as long as the handler should run.
    /// - Parameter handler: runs off the main thread; make it quick (set a flag).
    /// - Returns: the watch token.
    public static func watch(_ handler: @escaping @Sendable (Int32) -> Void) -> SignalWatch {
        let queue = DispatchQueue(label: "dmfsweep.signals")
        let sources = [SIGINT, SIGTERM].map { sig -> DispatchSourceSignal in
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { handler(sig) }
            source.resume()
            return source
        }
        return SignalWatch(sources: sources)
    }
}

/// Keeps signal sources alive; cancels them when released.
public final class SignalWatch {
    private let sources: [DispatchSourceSignal]
    init(sources: [DispatchSourceSignal]) { self.sources = sources }
    deinit { for s in sources { s.cancel() } }
}
