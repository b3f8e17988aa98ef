/// When the coordinator may leave after the sweep is complete. A pure state machine, unit-tested
/// on a fake clock.
///
/// Every connected worker has been sent SHUTDOWN(complete); workers that connect during the
/// farewell get it too (with their WELCOME). Normally the farewell ends as soon as every connected
/// worker has said BYE. But a resumed sweep (tasks already done when this coordinator started: it
/// replaces one that stopped or died) or one that lost a worker may have workers of the interrupted
/// session still reconnecting; a coordinator that left the moment its connected workers had gone
/// left those retrying with nobody to tell them, until `--give-up-after` (300 s). Then the farewell
/// lasts its whole time (a worker retries its connection at most 1 s apart).
struct Farewell: Sendable, Equatable {
    /// When the farewell ends whatever happens, in monotonic seconds.
    let deadline: Double
    /// Whether workers of an interrupted session may still be reconnecting.
    let awaitsReconnects: Bool

    /// A farewell that starts at `now`.
    /// - Parameters:
    ///   - now: the clock, in seconds.
    ///   - duration: its longest duration, seconds (`CoordinatorOptions.farewell`).
    ///   - resumed: whether tasks were already done when the coordinator started.
    ///   - workersLost: workers declared dead during this session.
    init(now: Double, duration: Double, resumed: Bool, workersLost: Int) {
        deadline = now + duration
        awaitsReconnects = resumed || workersLost > 0
    }

    /// Whether the coordinator may leave now.
    /// - Parameters:
    ///   - now: the clock, in seconds.
    ///   - connected: workers still connected (told, but no BYE yet).
    /// - Returns: `true` at the deadline, or once nobody is connected and no reconnect is awaited.
    func isOver(now: Double, connected: Int) -> Bool {
        now >= deadline || (connected == 0 && !awaitsReconnects)
    }
}
