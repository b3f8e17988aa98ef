import Foundation

/// Effective-rank measures of a matrix, computed from its singular values (README, "Definitions").
public enum EffectiveRank {
    /// Roy–Vetterli effective rank `exp(−Σ p_i log p_i)` with `p_i = σ_i / Σ_j σ_j`.
    ///
    /// Absolute values are used (so eigenvalues of a symmetric matrix may be passed directly),
    /// `0 · log 0 = 0`, and the zero matrix has effective rank 0.
    /// - Parameter singularValues: the singular values, in any order.
    /// - Returns: a value in [1, rank] for a non-zero matrix, 0 for the zero matrix.
    @inlinable
    public static func royVetterli<S: Sequence>(_ singularValues: S) -> Double where S.Element == Double {
        var total = 0.0
        for s in singularValues { total += abs(s) }
        guard total > 0 else { return 0 }
        var entropy = 0.0
        for s in singularValues {
            let p = abs(s) / total
            if p > 0 { entropy -= p * log(p) }
        }
        return exp(entropy)
    }

    /// The ratio `‖W‖_* / ‖W‖_op = Σ σ_i / max σ_i` (0 for the zero matrix).
    /// - Parameter singularValues: the singular values, in any order.
    @inlinable
    public static func nuclearToOperatorRatio<S: Sequence>(_ singularValues: S) -> Double
    where S.Element == Double {
        var total = 0.0
        var largest = 0.0
        for s in singularValues {
            total += abs(s)
            largest = max(largest, abs(s))
        }
        return largest > 0 ? total / largest : 0
    }
}
