import Foundation

/// Where a coordinator's run stands (the live state's `phase`; its raw value is what the store's
/// JSON and `status --format json` carry).
public enum CoordinatorPhase: String, Sendable, Hashable, Codable, CaseIterable {
    /// Serving workers.
    case running
    /// A stop was requested: no new tasks, waiting for those in flight.
    case stopping
    /// Every task is done or failed.
    case finished
    /// Stopped on request before the sweep was complete.
    case interrupted
    /// Ended by an error (a store or socket failure); `LiveState.failure` says which.
    case failed

    /// Whether a coordinator in this phase is still serving (its live state is refreshed).
    public var isActive: Bool { self == .running || self == .stopping }
}

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
    /// Where the run stands.
    public var phase: CoordinatorPhase
    /// Why the coordinator failed (phase `failed`): one line, e.g. the store's "database or disk is full".
    public var failure: String? = nil
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

extension LiveState {
    /// Whether the coordinator that wrote a live state still serves, as a reader can tell.
    public enum Liveness: Sendable, Hashable {
        /// Its phase is active and it is alive (its process exists, or its state is fresh).
        case serving
        /// Its phase says active, but its process is gone (same host) or its state is stale (elsewhere).
        case gone(reason: String)
        /// It ended (finished, interrupted or failed).
        case ended
    }

    /// Seconds after which the live state of a coordinator on another host counts as stale: it
    /// publishes every `CoordinatorOptions.publishInterval` (2 s), so three missed updates.
    public static let staleAfter = 6.0

    /// Seconds after which even a coordinator whose pid exists on this host counts as gone (the
    /// pid may belong to another process by now).
    public static let staleOnHostAfter = 60.0

    /// Judges whether the coordinator still serves: on its own host by its pid (at once after a
    /// kill; `staleOnHostAfter` bounds a reused pid), elsewhere by the age of the state (`staleAfter`).
    /// - Parameters:
    ///   - now: the reader's clock, Unix seconds.
    ///   - localHost: the reader's host name.
    ///   - processExists: whether a pid exists on this host (`kill(pid, 0)`).
    /// - Returns: serving, gone (with a reason for `status`), or ended.
    public func liveness(now: Double, localHost: String, processExists: (Int) -> Bool) -> Liveness {
        guard phase.isActive else { return .ended }
        let age = now - updatedAt
        if host == localHost {
            guard processExists(pid) else {
                return .gone(reason: "its process (pid \(pid) on \(host)) is gone: stopped or killed")
            }
            return age > Self.staleOnHostAfter
                ? .gone(reason: String(format: "no update for %.0f s", age)) : .serving
        }
        return age > Self.staleAfter
            ? .gone(reason: String(format: "no update for %.0f s (its host %@ is not this one)", age, host))
            : .serving
    }
}
