import Foundation

/// What `status` shows while a run looks stalled.
public struct StallWarning: Sendable, Hashable, Codable {
    /// Seconds since the last result (or since workers got tasks, if none came since).
    public var silentFor: Double
    /// The threshold it exceeded: `max(factor × slowest task so far, minimum)`, seconds.
    public var threshold: Double
    /// Tasks leased to workers.
    public var leased: Int
    /// Workers connected.
    public var workers: Int
    /// One line for the log and `status`.
    public var message: String
}

/// Notices a run in which workers are connected and hold tasks but no result has arrived for much
/// longer than the slowest task so far: `max(factor × slowest, minimum)` seconds (10× and 60 s by
/// default). A pure state machine fed the coordinator's monotonic clock, like `Scheduler`.
///
/// It cannot tell a stall from a task that is simply much slower than every earlier one; its
/// message says both, and a result ends the warning.
public struct StallDetector: Sendable {
    /// How many times the slowest task so far a silence must last.
    public var factor: Double
    /// The shortest silence reported, seconds.
    public var minimum: Double
    private var since: Double?
    private var slowest = 0.0
    private var nextReport: Double?
    private var busy = (workers: 0, leased: 0)

    /// A detector with the given thresholds.
    /// - Parameters:
    ///   - factor: multiple of the slowest task so far.
    ///   - minimum: seconds.
    public init(factor: Double = 10, minimum: Double = 60) {
        self.factor = factor
        self.minimum = minimum
    }

    /// The silence, in seconds, after which the run counts as stalled.
    public var threshold: Double { max(factor * slowest, minimum) }

    /// A result (or a final failure) arrived.
    /// - Parameters:
    ///   - now: the clock, seconds.
    ///   - seconds: the task's duration on its worker.
    public mutating func resultArrived(now: Double, seconds: Double) {
        since = now
        if seconds.isFinite { slowest = max(slowest, seconds) }
        nextReport = nil
    }

    /// Updates the busy state and says whether to log a stall now (at first, then once per
    /// further `threshold` seconds of silence).
    /// - Parameters:
    ///   - now: the clock, seconds.
    ///   - workers: workers connected.
    ///   - leased: tasks leased to them.
    /// - Returns: the warning to log, or `nil`.
    public mutating func check(now: Double, workers: Int, leased: Int) -> StallWarning? {
        busy = (workers, leased)
        guard workers > 0, leased > 0 else {
            since = nil
            nextReport = nil
            return nil
        }
        if since == nil { since = now }
        guard let warning = current(now: now) else { return nil }
        if let next = nextReport, now < next { return nil }
        nextReport = now + threshold
        return warning
    }

    /// The warning if the run is stalled now.
    /// - Parameter now: the clock, seconds.
    /// - Returns: `nil` unless workers hold tasks and no result came for longer than `threshold`.
    public func current(now: Double) -> StallWarning? {
        guard busy.workers > 0, busy.leased > 0, let since, now - since > threshold else { return nil }
        let silent = now - since
        let slow = slowest > 0 ? String(format: "%.1f s", slowest) : "none finished yet"
        return StallWarning(
            silentFor: silent, threshold: threshold, leased: busy.leased, workers: busy.workers,
            message: "no result for \(Int(silent)) s although \(busy.workers) worker(s) hold \(busy.leased) task(s) "
                + "(slowest task so far: \(slow); threshold \(Int(threshold)) s): a task may be much slower than the "
                + "others, or results are not getting through; see the workers' logs")
    }
}
