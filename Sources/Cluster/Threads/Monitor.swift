import Foundation

/// State shared by threads that also wait for it to change: a `Mutex` with a condition variable.
///
/// `Mutex` from `Synchronization` cannot wait, and the compute and commit threads sleep until work
/// arrives, so they keep their state here instead of in loose properties guarded by convention.
final class Monitor<State: Sendable>: @unchecked Sendable {
    // Safe: `state` is read and written only inside `withLock`, with `condition`'s lock held (a
    // waiting thread releases it inside `NSCondition.wait` and holds it again when it returns), and
    // `State` is `Sendable`, so nothing that leaves a critical section is shared mutable memory.
    private let condition = NSCondition()
    private var state: State

    /// Whom to wake when a critical section ends.
    enum Wake {
        /// Nobody.
        case none
        /// One waiting thread.
        case one
        /// Every waiting thread.
        case all
    }

    /// Guards `state`.
    /// - Parameter state: the initial state.
    init(_ state: State) { self.state = state }

    /// Runs `body` on the state with the lock held, then wakes waiting threads.
    /// - Parameters:
    ///   - wake: whom to wake before the lock is released (also when `body` throws).
    ///   - body: reads or changes the state.
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws.
    func withLock<Result>(wake: Wake = .none, _ body: (inout State) throws -> Result) rethrows -> Result {
        condition.lock()
        defer {
            switch wake {
            case .none: break
            case .one: condition.signal()
            case .all: condition.broadcast()
            }
            condition.unlock()
        }
        return try body(&state)
    }

    /// Waits until `ready` holds (or `timeout` seconds passed), then runs `body` on the state
    /// without releasing the lock between.
    /// - Parameters:
    ///   - ready: the condition to wait for, checked with the lock held after every wake-up.
    ///   - timeout: run `body` after this many seconds even if `ready` does not hold; `nil`: wait for it.
    ///   - body: reads or changes the state.
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws.
    func withLock<Result>(
        waitingUntil ready: KeyPath<State, Bool>, timeout: Double? = nil, _ body: (inout State) throws -> Result
    ) rethrows -> Result {
        condition.lock()
        defer { condition.unlock() }
        let deadline = timeout.map { Date(timeIntervalSinceNow: $0) }
        while !state[keyPath: ready] {
            if let deadline {
                if !condition.wait(until: deadline) { break }
            } else {
                condition.wait()
            }
        }
        return try body(&state)
    }
}
