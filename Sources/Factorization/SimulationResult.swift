/// How a run ended.
public enum RunStatus: String, Codable, Sendable, CaseIterable {
    /// Ran all steps.
    case finished
    /// The loss fell below `stopLoss`.
    case converged
    /// The loss became non-finite or exploded; the run stopped at once and kept what it recorded.
    case diverged
}

/// One recorded step of a trajectory.
public struct TrajectoryPoint: Codable, Sendable, Hashable {
    /// Number of GD updates before this iterate (0 is the initialisation).
    public var step: Int
    /// The problem's loss.
    public var loss: Double
    /// Roy–Vetterli effective rank of the product matrix.
    public var erank: Double
    /// `‖W‖_* / ‖W‖_op` of the product matrix.
    public var erankRatio: Double
    /// `‖W − Y_clean‖_F` when the target is noisy, else `nil`.
    public var cleanError: Double?
    /// The relative recovery error `‖W − Y_clean‖_F / ‖Y_clean‖_F` (`nil` when Y_clean = 0).
    public var error: Double?
    /// Completion: the same on the unobserved entries only, `‖P_Ωᶜ(W − Y)‖_F / ‖P_Ωᶜ Y‖_F`
    /// (Arora et al. 2019's generalisation error); `nil` for other problems or when `P_Ωᶜ Y = 0`.
    public var unobservedError: Double?
    /// `‖W‖_F`, the Frobenius norm of the product (`sqrt(Σ σ_i²)` over its singular values); `nil`
    /// only in trajectories stored before it was recorded (schema version 3 and older).
    public var productNorm: Double?
    /// Completion: `max_{(i,j)∉Ω} |W_ij|`, the largest absolute value of the product over the
    /// unobserved entries (Razin and Cohen 2020 follow |W₁₁| of a 2×2 instance with one unobserved
    /// entry: this is exactly it); `nil` for other problems, for a mask that observes every entry,
    /// and in trajectories stored before it was recorded.
    public var unobservedMax: Double?

    /// Creates a value from its members (see the properties).
    public init(
        step: Int, loss: Double, erank: Double, erankRatio: Double, cleanError: Double? = nil, error: Double? = nil,
        unobservedError: Double? = nil, productNorm: Double? = nil, unobservedMax: Double? = nil
    ) {
        self.step = step
        self.loss = loss
        self.erank = erank
        self.erankRatio = erankRatio
        self.cleanError = cleanError
        self.error = error
        self.unobservedError = unobservedError
        self.productNorm = productNorm
        self.unobservedMax = unobservedMax
    }
}

/// The measured early-stopping interval for one rank r under one effective-rank measure.
public struct IntervalStat: Codable, Sendable, Hashable {
    /// r, from 1 to rank(Y).
    public var rank: Int
    /// The target `t_r`: the measure of `Y_r` (`erank(Y_r)` for the entropy measure).
    public var target: Double
    /// First step of the longest qualifying run, `nil` when no recorded step qualifies.
    public var start: Int?
    /// Last step of that run.
    public var end: Int?
    /// `end − start`, 0 when empty.
    public var length: Int
    /// `‖W(k) − Y_r‖_F` at the recorded step nearest the interval's middle.
    public var middleError: Double?

    /// Creates a value from its members (see the properties).
    public init(rank: Int, target: Double, start: Int?, end: Int?, length: Int, middleError: Double? = nil) {
        self.rank = rank
        self.target = target
        self.start = start
        self.end = end
        self.length = length
        self.middleError = middleError
    }
}

/// The theory's prediction of the interval for rank r (small-init gradient-flow approximation).
public struct PredictedInterval: Codable, Sendable, Hashable {
    /// r.
    public var rank: Int
    /// Predicted step at which eigenvalue λ_r switches on (reaches half its value).
    public var start: Double?
    /// Predicted switch-on step of λ_{r+1} (`nil` when λ_{r+1} = 0: the plateau never ends).
    public var end: Double?

    /// Creates a value from its members (see the properties).
    public init(rank: Int, start: Double?, end: Double?) {
        self.rank = rank
        self.start = start
        self.end = end
    }
}

/// Targets, measured and predicted early-stopping intervals under one effective-rank measure
/// (README, "Definitions").
public struct RankIntervals: Codable, Sendable, Hashable {
    /// `t_r`, the measure of the best rank-r approximation `Y_r`, for r = 1…rank(Y).
    public var targets: [Double]
    /// Measured intervals, one per r.
    public var intervals: [IntervalStat]
    /// Predicted intervals, one per r (start and end `nil` where the theory does not apply).
    public var predicted: [PredictedInterval]

    /// Creates a value from its members (see the properties).
    public init(targets: [Double] = [], intervals: [IntervalStat] = [], predicted: [PredictedInterval] = []) {
        self.targets = targets
        self.intervals = intervals
        self.predicted = predicted
    }
}

/// Everything one run produces.
public struct SimulationResult: Codable, Sendable, Hashable {
    /// How the run ended.
    public var status: RunStatus
    /// The path that actually ran (`full` or `spectral`, never `auto`).
    public var path: SolverPath
    /// Number of GD updates performed.
    public var steps: Int
    /// Loss at the last recorded step (finite; for a diverged run the last finite value).
    public var finalLoss: Double
    /// Effective rank at the last recorded step.
    public var finalErank: Double
    /// `erank(Y_r)` for r = 1..rank(Y) (entropy measure).
    public var targets: [Double]
    /// Measured intervals under the entropy measure, one per r.
    public var intervals: [IntervalStat]
    /// Predicted intervals, one per r (the same under both measures: they are switch-on steps of
    /// the eigenvalues, `TheoryPrediction`).
    public var predicted: [PredictedInterval]
    /// Targets and intervals under the ratio measure `‖W‖_*/‖W‖_op`; `nil` only for a result read
    /// from an upgraded store that could not recompute them (the store's `results.ratio_missing`
    /// says why).
    public var ratio: RankIntervals? = nil
    /// The recorded steps.
    public var trajectory: [TrajectoryPoint]
    /// For a noisy target: the recorded step with the smallest error to the clean Y.
    public var bestStep: Int?
    /// That smallest error.
    public var bestCleanError: Double?
    /// Whether `bestStep` lies inside some measured interval.
    public var bestInsideInterval: Bool?
    /// Wall-clock seconds of the run.
    public var seconds: Double
    /// `‖W − Y_clean‖_F` at the last recorded step (`nil` when nothing was recorded).
    public var finalCleanError: Double? = nil
    /// The relative recovery error at the last recorded step (`TrajectoryPoint.error`).
    public var finalError: Double? = nil
    /// Completion: the relative error on the unobserved entries at the last recorded step.
    public var finalUnobservedError: Double? = nil
    /// The smallest relative recovery error over the recorded steps.
    public var bestRecoveryError: Double? = nil
    /// The recorded step with that smallest error (the earliest on a tie).
    public var bestRecoveryStep: Int? = nil
    /// Completion: how many of the rows·n target entries the mask observes (`CompletionMask`); `nil`
    /// for the other problems.
    public var observedEntries: Int? = nil
    /// Completion: rows plus columns of the target with no observed entry; `nil` for the other problems.
    public var unobservedLines: Int? = nil

    /// Creates a value from its members (see the properties).
    public init(
        status: RunStatus, path: SolverPath, steps: Int, finalLoss: Double, finalErank: Double,
        targets: [Double], intervals: [IntervalStat], predicted: [PredictedInterval],
        trajectory: [TrajectoryPoint], bestStep: Int? = nil, bestCleanError: Double? = nil,
        bestInsideInterval: Bool? = nil, seconds: Double
    ) {
        self.status = status
        self.path = path
        self.steps = steps
        self.finalLoss = finalLoss
        self.finalErank = finalErank
        self.targets = targets
        self.intervals = intervals
        self.predicted = predicted
        self.trajectory = trajectory
        self.bestStep = bestStep
        self.bestCleanError = bestCleanError
        self.bestInsideInterval = bestInsideInterval
        self.seconds = seconds
    }
}

extension SimulationResult {
    /// Targets and intervals under one measure (`nil`: the ratio ones of an upgraded store that
    /// could not recompute them). Setting the entropy measure to `nil` is ignored.
    public subscript(measure: EffectiveRankMeasure) -> RankIntervals? {
        get {
            switch measure {
            case .entropy: return RankIntervals(targets: targets, intervals: intervals, predicted: predicted)
            case .ratio: return ratio
            }
        }
        set {
            switch measure {
            case .entropy:
                guard let newValue else { return }
                targets = newValue.targets
                intervals = newValue.intervals
                predicted = newValue.predicted
            case .ratio: ratio = newValue
            }
        }
    }
}
