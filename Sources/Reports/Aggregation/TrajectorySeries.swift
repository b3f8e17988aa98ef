import Factorization

/// A quantity recorded at every recorded step of a run (`TrajectoryPoint`), as a figure draws it:
/// its stored name, axis label and scale. The one list of per-step series the trajectory figures
/// (`SweepFigures.trajectory`, `dmfsweep plot --kind recovery --series NAME`) accept: a new
/// recorded series is a field of `TrajectoryPoint`, a column the store reads, and an entry in `all`.
public struct TrajectorySeries: Sendable, Hashable, CustomStringConvertible {
    /// The name as stored and exported (`error`, `unobserved_error`).
    public let name: String
    /// The y-axis label.
    public let label: String
    /// The y-axis scale: log for errors and losses, which fall by orders of magnitude.
    public let scale: ScaleKind
    /// The value at one recorded step (`nil`: not recorded for this run or step).
    let value: @Sendable (TrajectoryPoint) -> Double?

    /// The relative recovery error `‖W − Y_clean‖_F / ‖Y_clean‖_F` (README, Definitions).
    public static let error = TrajectorySeries(
        name: "error", label: "‖W − Y_clean‖_F / ‖Y_clean‖_F", scale: .log, value: { $0.error })
    /// Completion: the relative error on the unobserved entries, `‖P_Ωᶜ(W − Y)‖_F / ‖P_Ωᶜ Y‖_F`
    /// (Arora et al. 2019's generalisation error).
    public static let unobservedError = TrajectorySeries(
        name: "unobserved_error", label: "unobserved ‖P_Ωᶜ(W − Y)‖_F / ‖P_Ωᶜ Y‖_F", scale: .log,
        value: { $0.unobservedError })
    /// `‖W − Y_clean‖_F`, recorded for noisy targets.
    public static let cleanError = TrajectorySeries(
        name: "clean_error", label: "‖W − Y_clean‖_F", scale: .log, value: { $0.cleanError })
    /// The training loss.
    public static let loss = TrajectorySeries(name: "loss", label: "loss", scale: .log, value: { $0.loss })
    /// The Roy–Vetterli effective rank of the product.
    public static let erank = TrajectorySeries(
        name: "erank", label: "effective rank", scale: .linear, value: { $0.erank })
    /// The ratio `‖W‖_* / ‖W‖_op` of the product.
    public static let erankRatio = TrajectorySeries(
        name: "erank_ratio", label: "‖W‖* / ‖W‖op", scale: .linear, value: { $0.erankRatio })

    /// `‖W‖_F`, the Frobenius norm of the product (schema 4; not in older trajectories).
    public static let productNorm = TrajectorySeries(
        name: "product_norm", label: "‖W‖_F", scale: .log, value: { $0.productNorm })
    /// Completion: the largest |W_ij| over the unobserved entries (|W₁₁| for Razin and Cohen's 2×2
    /// instance).
    public static let unobservedMax = TrajectorySeries(
        name: "unobserved_max", label: "max |W_ij| over unobserved (i, j)", scale: .log, value: { $0.unobservedMax })

    /// Every series, recovery errors first.
    public static let all: [TrajectorySeries] = [
        error, unobservedError, cleanError, loss, erank, erankRatio, productNorm, unobservedMax,
    ]

    /// The series of that name.
    /// - Parameter name: a stored name (`error`).
    /// - Returns: the series, or `nil` for an unknown name.
    public static func named(_ name: String) -> TrajectorySeries? { all.first { $0.name == name } }

    /// The stored name.
    public var description: String { name }

    public static func == (a: TrajectorySeries, b: TrajectorySeries) -> Bool { a.name == b.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}

/// A recovery error with one value per run, as the final-error figure draws it (`SweepFigures.finalErrors`).
public enum RecoveryMetric: String, Sendable, CaseIterable, CustomStringConvertible {
    /// The relative recovery error at the last recorded step.
    case finalError = "final_error"
    /// Completion: the relative error on the unobserved entries at the last recorded step.
    case finalUnobservedError = "final_unobserved_error"
    /// The smallest relative recovery error over the recorded steps (`query --metric best_error`).
    case bestError = "best_error"
    /// `‖W − Y_clean‖_F` at the last recorded step.
    case finalCleanError = "final_clean_error"

    /// The y-axis label.
    public var label: String {
        switch self {
        case .finalError: return "final ‖W − Y_clean‖_F / ‖Y_clean‖_F"
        case .finalUnobservedError: return "final unobserved error"
        case .bestError: return "best ‖W − Y_clean‖_F / ‖Y_clean‖_F"
        case .finalCleanError: return "final ‖W − Y_clean‖_F"
        }
    }

    /// The metric's value for one run (`nil`: not recorded).
    func value(_ t: TaskRecord) -> Double? {
        switch self {
        case .finalError: return t.finalError
        case .finalUnobservedError: return t.finalUnobservedError
        case .bestError: return t.bestRecoveryError
        case .finalCleanError: return t.finalCleanError
        }
    }

    /// The name as `query --metric` takes it.
    public var description: String { rawValue }
}
