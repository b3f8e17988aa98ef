import Factorization
import Foundation

/// One task as the report sees it: its parameters and what its run produced. Filled from the
/// summary store by `ReportLoader`, or built by hand in tests.
public struct TaskRecord: Sendable, Hashable {
    /// The stable task key.
    public var key: String
    /// Every parameter of the run.
    public var config: SimulationConfig
    /// `finished`, `converged`, `diverged`, or a non-result state such as `failed` / `pending`.
    public var status: String
    /// The loss at the last step (`nil`: no result yet).
    public var finalLoss: Double?
    /// The effective rank at the last step (`nil`: no result yet).
    public var finalErank: Double?
    /// GD updates performed.
    public var steps: Int?
    /// Wall-clock seconds of the run.
    public var seconds: Double?
    /// For a noisy target: the recorded step with the smallest error to the clean matrix, and that error.
    public var bestStep: Int?
    /// The smallest error against the clean target over the run (`nil`: not recorded).
    public var bestCleanError: Double?
    /// The relative recovery error `‖W − Y_clean‖_F / ‖Y_clean‖_F` at the last recorded step
    /// (`SimulationResult.finalError`; `nil`: not recorded).
    public var finalError: Double?
    /// Completion: the relative error on the unobserved entries at the last recorded step.
    public var finalUnobservedError: Double?
    /// `‖W − Y_clean‖_F` at the last recorded step.
    public var finalCleanError: Double?
    /// The smallest relative recovery error over the recorded steps.
    public var bestRecoveryError: Double?
    /// The recorded step with that smallest error.
    public var bestRecoveryStep: Int?
    /// Measured and predicted intervals, one per rank.
    public var intervals: [IntervalRecord]
    /// The recorded steps (may be empty when trajectories were not loaded).
    public var trajectory: [TrajectoryPoint]
    /// Whether the effective rank rose monotonically after its initial descent, per measure
    /// (empty without a result).
    public var monotonicity: [EffectiveRankMeasure: RankMonotonicity] = [:]

    /// Creates a value from its members (see the properties).
    public init(
        key: String, config: SimulationConfig, status: String, finalLoss: Double? = nil, finalErank: Double? = nil,
        steps: Int? = nil, seconds: Double? = nil, bestStep: Int? = nil, bestCleanError: Double? = nil,
        intervals: [IntervalRecord] = [], trajectory: [TrajectoryPoint] = []
    ) {
        self.key = key
        self.config = config
        self.status = status
        self.finalLoss = finalLoss
        self.finalErank = finalErank
        self.steps = steps
        self.seconds = seconds
        self.bestStep = bestStep
        self.bestCleanError = bestCleanError
        self.intervals = intervals
        self.trajectory = trajectory
    }

    /// Whether the run produced a result (finished, converged or diverged).
    public var hasResult: Bool { ["finished", "converged", "diverged"].contains(status) }

    /// The value of a parameter as text (`0.05`, `0`, `identity`, `auto` when unset): Swift's
    /// shortest round-trip form, without a trailing `.0`.
    /// - Parameter name: the parameter name.
    /// - Returns: the text.
    public func parameter(_ name: String) -> String {
        guard let value = config.value(of: name) else { return "" }
        if case .real(let v) = value {
            let text = String(v)
            return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
        }
        return value.description
    }

    /// The interval record for rank r.
    /// - Parameter r: the rank.
    /// - Returns: the record, or `nil` if the result has none for r.
    public func interval(rank r: Int) -> IntervalRecord? { intervals.first { $0.rank == r } }
}

/// The measured and predicted interval of one task for one rank r.
public struct IntervalRecord: Sendable, Hashable {
    /// The rank r whose target the interval belongs to.
    public var rank: Int
    /// `erank(Y_r)`.
    public var target: Double
    /// First step inside the tolerance band (`nil`: never entered).
    public var start: Int?
    /// Last step inside the band (`nil`: never entered).
    public var end: Int?
    /// Steps inside the band (0 if never entered).
    public var length: Int
    /// The theory's predicted start (`nil`: no prediction).
    public var predictedStart: Double?
    /// The theory's predicted end (`nil`: no prediction).
    public var predictedEnd: Double?

    /// Creates a value from its members (see the properties).
    public init(
        rank: Int, target: Double, start: Int?, end: Int?, length: Int, predictedStart: Double? = nil,
        predictedEnd: Double? = nil
    ) {
        self.rank = rank
        self.target = target
        self.start = start
        self.end = end
        self.length = length
        self.predictedStart = predictedStart
        self.predictedEnd = predictedEnd
    }
}
