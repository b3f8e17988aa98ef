import Foundation

/// The live state the coordinator publishes for `dmfsweep status`.
public struct LiveState: Sendable, Hashable, Codable {
    /// When it was written (seconds since 1970).
    public var updatedAt: Double
    /// When the coordinator started (seconds since 1970).
    public var startedAt: Double
    /// The coordinator's endpoint.
    public var endpoint: String
    /// The coordinator's process id.
    public var pid: Int
    /// The coordinator's host name.
    public var host: String
    /// `running`, `stopping`, `finished`, `interrupted`.
    public var phase: String
    /// Scheduler counters and connected workers.
    public var scheduler: SchedulerSnapshot
    /// Tasks that were already done in the store when this coordinator started.
    public var doneBefore: Int
    /// Results per second over the last few seconds.
    public var rate: Double
    /// Seconds to go at that rate, if known.
    public var eta: Double?
    /// Dropped malformed messages by reason (`truncated`, `version`, …).
    public var badMessages: [String: Int]

    /// Set while the run looks stalled: workers are connected and hold tasks, but no result came
    /// for much longer than the slowest task so far (`StallDetector`); `nil` otherwise.
    public var stall: StallWarning? = nil

    /// Dropped malformed messages, all reasons together.
    public var badMessageTotal: Int { badMessages.values.reduce(0, +) }
}
