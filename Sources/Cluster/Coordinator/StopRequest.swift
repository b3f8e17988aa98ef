import Synchronization

/// A request to stop, set from a signal handler's queue and read by a socket thread.
public final class StopRequest: Sendable {
    private let requests = Mutex(0)

    /// No stop requested yet.
    public init() {}

    /// Asks to stop; the first call means "stop gracefully", the second "stop now".
    public func request() { requests.withLock { $0 += 1 } }

    /// How many times a stop was requested.
    public var count: Int { requests.withLock { $0 } }
}
