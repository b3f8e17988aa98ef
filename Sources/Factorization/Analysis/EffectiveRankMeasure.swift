/// Which effective rank a figure, query or interval uses (README, "Definitions"). The raw values
/// are the store's `measure` column and the CLI's `--measure` values.
public enum EffectiveRankMeasure: String, Sendable, Hashable, CaseIterable, Codable {
    /// Roy and Vetterli's entropy effective rank `exp(−Σ p_i log p_i)`, `p_i = σ_i / Σ_j σ_j`
    /// (Roy & Vetterli 2007; `EffectiveRank.royVetterli`; the trajectory's `erank`). The default.
    case entropy
    /// The ratio `‖W‖_* / ‖W‖_op = Σ σ_i / σ_1` (`EffectiveRank.nuclearToOperatorRatio`; the
    /// trajectory's `erank_ratio`).
    case ratio

    /// The measure of one recorded point.
    /// - Parameter point: a trajectory point.
    /// - Returns: `point.erank` or `point.erankRatio`.
    public func value(_ point: TrajectoryPoint) -> Double {
        switch self {
        case .entropy: return point.erank
        case .ratio: return point.erankRatio
        }
    }

    /// The measure of singular values (any order; absolute values are used).
    /// - Parameter singularValues: the singular values.
    /// - Returns: the effective rank, 0 for the zero matrix.
    public func value(singularValues: [Double]) -> Double {
        switch self {
        case .entropy: return EffectiveRank.royVetterli(singularValues)
        case .ratio: return EffectiveRank.nuclearToOperatorRatio(singularValues)
        }
    }

    /// The trajectory series that records it (`erank`, `erank_ratio`).
    public var trajectorySeries: String {
        switch self {
        case .entropy: return "erank"
        case .ratio: return "erank_ratio"
        }
    }

    /// How figures and tables name it.
    public var label: String {
        switch self {
        case .entropy: return "effective rank (entropy)"
        case .ratio: return "effective rank (‖W‖*/‖W‖op)"
        }
    }
}
