import Factorization
import Sweeps

/// A task the scheduler hands out: what to run and under which key its result is stored.
public struct ScheduledTask: Sendable, Hashable {
    /// The task's stable key (where its result is stored).
    public var key: TaskKey
    /// What to run (`noop` only for benchmarks).
    public var kind: TaskKind
    /// The configuration to run.
    public var config: SimulationConfig

    /// Creates a value from its members (see the properties).
    public init(key: TaskKey, kind: TaskKind = .simulate, config: SimulationConfig) {
        self.key = key
        self.kind = kind
        self.config = config
    }
}
