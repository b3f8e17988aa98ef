import Synchronization

/// A request to stop, set from a signal handler's queue and read by a socket or compute thread.
///
/// Shared by every long-running mode (`run`, `run --inline`, `coordinator`, `worker`): the first
/// request means "stop gracefully", the second "stop now"; the first request's signal number (if
/// it came from a signal) gives the exit status `128 + signal`.
public final class StopRequest: Sendable {
    private struct State {
        var count = 0
        var signal: Int32 = 0
    }

    private let state = Mutex(State())

    /// No stop requested yet.
    public init() {}

    /// Asks to stop; the first call means "stop gracefully", the second "stop now".
    /// - Parameter signal: the signal that asked (SIGINT, SIGTERM), 0 when none; only the first
    ///   request's signal is kept.
    /// - Returns: how many times a stop has been requested, this one included.
    @discardableResult
    public func request(signal: Int32 = 0) -> Int {
        state.withLock { s in
            s.count += 1
            if s.count == 1 { s.signal = signal }
            return s.count
        }
    }

    /// How many times a stop was requested.
    public var count: Int { state.withLock { $0.count } }

    /// The signal of the first request, 0 while none (or when it did not come from a signal).
    public var signal: Int32 { state.withLock { $0.signal } }
}
