import Factorization
import Sweeps

/// What a task asks a worker to do.
public enum TaskKind: UInt8, Sendable, Hashable, Codable {
    /// Run `Simulation.run(config)`.
    case simulate = 0
    /// Do nothing and return an empty result at once: measures the runtime's own overhead.
    case noop = 1
}

/// One task as it travels to a worker.
public struct WireTask: Sendable, Hashable {
    /// The task's stable key.
    public var key: TaskKey
    /// What to run.
    public var kind: TaskKind
    /// How many confirmed failed attempts it already had (informational for the worker).
    public var attempt: Int
    /// Run it alone, announcing the start first (`started`): it was held by a worker that died.
    public var isolated: Bool
    /// The configuration to run.
    public var config: SimulationConfig

    /// Creates a value from its members (see the properties).
    public init(key: TaskKey, kind: TaskKind, attempt: Int = 0, isolated: Bool = false, config: SimulationConfig) {
        self.key = key
        self.kind = kind
        self.attempt = attempt
        self.isolated = isolated
        self.config = config
    }
}

/// How a task ended on a worker.
public enum TaskOutcome: Sendable, Hashable {
    /// The simulation produced a result (a diverged run is a result too).
    case success(SimulationResult)
    /// The task could not run (invalid configuration, …): the message says why.
    case failure(String)
}

/// One finished task as it travels back to the coordinator.
public struct WireResult: Sendable, Hashable {
    /// The task's stable key.
    public var key: TaskKey
    /// Its result, or why it could not run.
    public var outcome: TaskOutcome
    /// Wall-clock seconds the worker spent on it.
    public var seconds: Double
    /// For a failure: running the task again would fail the same way (its result cannot be sent
    /// or read), so it is failed at once instead of being retried up to `maxAttempts` times.
    public var isFinal: Bool

    /// Creates a value from its members (see the properties).
    public init(key: TaskKey, outcome: TaskOutcome, seconds: Double, isFinal: Bool = false) {
        self.key = key
        self.outcome = outcome
        self.seconds = seconds
        self.isFinal = isFinal
    }
}
